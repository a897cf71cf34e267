-- Identity: two-factor sign-in (TOTP, RFC 6238). A secret is pending until a first code
-- confirms it. last_step is the newest time step a code was accepted for, so a code
-- (or an older one) cannot be replayed. Backup codes are single use, stored hashed.
CREATE TABLE totp_secrets (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    last_step bigint NOT NULL DEFAULT 0
);

CREATE TABLE backup_codes (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
