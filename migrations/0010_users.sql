-- Identity: accounts. Other contexts refer to users by id only.
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    email_verified boolean NOT NULL DEFAULT false,
    password_hash text,
    display_name text NOT NULL,
    avatar_url text,
    bio text NOT NULL DEFAULT '',
    favourite_genres text[] NOT NULL DEFAULT '{}',
    favourite_platforms text[] NOT NULL DEFAULT '{}',
    role text NOT NULL DEFAULT 'gamer' CHECK (role IN ('gamer', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Emails are stored normalised (lower-cased, trimmed) by the identity service.
CREATE UNIQUE INDEX users_email ON users (email);
