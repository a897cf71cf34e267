-- Catalog: a series' seasons and episodes, from TMDB's /tv/{id} and /tv/{id}/season/{n};
-- air dates kept (NULL when not announced yet).
CREATE TABLE seasons (
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    number integer NOT NULL CHECK (number >= 0),
    name text NOT NULL DEFAULT '',
    air_date date,
    episode_count integer NOT NULL DEFAULT 0,
    PRIMARY KEY (media_id, number)
);

CREATE TABLE episodes (
    id bigserial PRIMARY KEY,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    season_number integer NOT NULL,
    number integer NOT NULL CHECK (number >= 0),
    name text NOT NULL DEFAULT '',
    air_date date,
    runtime_minutes integer,
    tmdb_id bigint,
    UNIQUE (media_id, season_number, number),
    FOREIGN KEY (media_id, season_number) REFERENCES seasons (media_id, number) ON DELETE CASCADE
);
CREATE INDEX episodes_air_date ON episodes (air_date);

-- Interaction: which episodes a user has seen, and their half-star ratings (1..10).
CREATE TABLE episode_views (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    episode_id bigint NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    watched_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, episode_id)
);
CREATE INDEX episode_views_user_media ON episode_views (user_id, media_id, watched_at DESC);

CREATE TABLE episode_ratings (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    episode_id bigint NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    half_stars smallint NOT NULL CHECK (half_stars BETWEEN 1 AND 10),
    rated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, episode_id)
);
CREATE INDEX episode_ratings_episode ON episode_ratings (episode_id);

-- The private token of a user's iCal feed (its SHA-256; rotating replaces it).
CREATE TABLE calendar_tokens (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
