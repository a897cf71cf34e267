-- Catalog: games, films and series.
CREATE TABLE media (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('game', 'film', 'series')),
    title text NOT NULL,
    slug text NOT NULL UNIQUE,
    original_title text,
    year integer,
    release_date date,
    synopsis text NOT NULL DEFAULT '',
    genres text[] NOT NULL DEFAULT '{}',
    platforms text[] NOT NULL DEFAULT '{}',
    runtime_minutes integer,
    seasons integer,
    cover_url text,
    backdrop_url text,
    tmdb_id integer,
    igdb_id integer,
    popularity double precision NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- TMDB numbers films and series separately, hence the kind in the key.
CREATE UNIQUE INDEX media_tmdb ON media (kind, tmdb_id) WHERE tmdb_id IS NOT NULL;
CREATE UNIQUE INDEX media_igdb ON media (igdb_id) WHERE igdb_id IS NOT NULL;
CREATE INDEX media_kind_popularity ON media (kind, popularity DESC, id);
CREATE INDEX media_genres ON media USING gin (genres);
CREATE INDEX media_platforms ON media USING gin (platforms);
