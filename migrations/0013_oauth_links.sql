-- Identity: which provider account (Google, Discord) signs in as which user.
CREATE TABLE oauth_links (
    provider text NOT NULL CHECK (provider IN ('google', 'discord')),
    subject text NOT NULL,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oauth_links_user ON oauth_links (user_id);
