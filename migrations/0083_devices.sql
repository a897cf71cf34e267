-- Identity: what the device list shows of an app sign-in (a token family).
ALTER TABLE token_families
    ADD COLUMN user_agent text NOT NULL DEFAULT '',
    ADD COLUMN ip_prefix text NOT NULL DEFAULT '',
    ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now();
