-- Identity: bearer tokens for the mobile apps. Tokens are opaque; only their sha256 is stored.
-- One family per sign-in: refresh tokens rotate inside it, and reusing a rotated one
-- revokes the whole family (its access tokens stop working at once).
CREATE TABLE token_families (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_reason text
);
CREATE INDEX token_families_user ON token_families (user_id);

CREATE TABLE access_tokens (
    token_hash bytea PRIMARY KEY,
    family_id bigint NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX access_tokens_family ON access_tokens (family_id);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    family_id bigint NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
