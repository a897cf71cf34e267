-- Identity: the IANA time zone a user's days are counted in (their diary); times are UTC.
ALTER TABLE users ADD COLUMN IF NOT EXISTS timezone text NOT NULL DEFAULT 'UTC';
