-- Catalog: games, films and series, their genres and platforms, and title search.

-- unaccent and pg_trgm where the server ships them (the embedded pgserver does not):
-- the functions below fall back to plain SQL of our own, so search works either way.
-- A database with metacult.search_fallback = 'on' takes the fallback (tests use it).
DO $do$
BEGIN
    IF coalesce(current_setting('metacult.search_fallback', true), '') = 'on' THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS unaccent;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'unaccent is available but may not be created: using the fallback';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm is available but may not be created: using the fallback';
        END;
    END IF;
END
$do$;

-- catalog_fold(text): lower case, no accents, no apostrophes, punctuation as single spaces.
-- "Amélie", "AMELIE" and "amelie" fold alike; "Assassin's Creed" folds to "assassins creed".
DO $do$
DECLARE
    strip_accents text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        strip_accents := $f$lower(public.unaccent('public.unaccent'::regdictionary, value))$f$;
    ELSE
        strip_accents := $f$translate(
            lower(replace(replace(replace(replace(replace(replace(replace(value, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss'), 'ø', 'o'), 'Ø', 'o')),
            'àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżžșțðÀÁÂÃÄÅĀĂĄÇĆĈĊČĎĐÈÉÊËĒĔĖĘĚĜĞĠĢĤĦÌÍÎÏĨĪĬĮĴĶĹĻĽĿŁÑŃŅŇÒÓÔÕÖŌŎŐŔŖŘŚŜŞŠŢŤŦÙÚÛÜŨŪŬŮŰŲŴÝŸŶŹŻŽȘȚÐ',
            'aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnoooooooorrrsssstttuuuuuuuuuuwyyyzzzstdaaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiijklllllnnnnoooooooorrrsssstttuuuuuuuuuuwyyyzzzstd'
        )$f$;
    END IF;
    EXECUTE format(
        $f$CREATE FUNCTION catalog_fold(value text) RETURNS text
           LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
           AS $body$ SELECT btrim(regexp_replace(
                  translate(%s, '''’‘`´', ''),
                  '[[:space:][:punct:]“”«»–—…·¿¡]+', ' ', 'g')) $body$$f$,
        strip_accents
    );
END
$do$;

-- catalog_similarity(a, b): how alike two words are, 0..1, by shared trigrams
-- (pg_trgm's similarity() where installed, the same measure in plain SQL otherwise).
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE FUNCTION catalog_similarity(a text, b text) RETURNS real
            LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
            AS $body$ SELECT public.similarity(a, b) $body$;
    ELSE
        CREATE FUNCTION catalog_trigrams(word text) RETURNS text[]
            LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
            AS $body$
                SELECT coalesce(array_agg(DISTINCT substr(padded, i, 3)), '{}')
                FROM (SELECT '  ' || word || ' ' AS padded) p,
                     generate_series(1, length(padded) - 2) AS i
            $body$;
        CREATE FUNCTION catalog_similarity(a text, b text) RETURNS real
            LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
            AS $body$
                WITH ta AS (SELECT unnest(catalog_trigrams(a)) AS t),
                     tb AS (SELECT unnest(catalog_trigrams(b)) AS t)
                SELECT CASE WHEN total = 0 THEN 0 ELSE shared::real / total END
                FROM (SELECT (SELECT count(*) FROM (SELECT t FROM ta INTERSECT SELECT t FROM tb) s)
                             AS shared,
                             (SELECT count(*) FROM (SELECT t FROM ta UNION SELECT t FROM tb) u)
                             AS total) c
            $body$;
    END IF;
END
$do$;

-- catalog_letters(word): its letters in order, so that a swap of two letters ("wichter"
-- for "witcher"), which trigrams hardly forgive, still matches.
CREATE FUNCTION catalog_letters(word text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    AS $body$ SELECT string_agg(c, '' ORDER BY c) FROM regexp_split_to_table(word, '') AS c $body$;

-- catalog_word_score(haystack, needle): how well one folded query word matches a folded
-- title: 1 when a title word starts with it; else, among title words with the same first
-- letter (typos rarely hit it, and it spares most comparisons), 0.8 for the same letters
-- in another order, or the best trigram similarity.
CREATE FUNCTION catalog_word_score(haystack text, needle text) RETURNS real
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    AS $body$
        SELECT coalesce(max(CASE
                   WHEN starts_with(word, needle) THEN 1
                   WHEN length(needle) < 3 OR left(word, 1) <> left(needle, 1) THEN 0
                   WHEN length(needle) >= 4 AND length(word) = length(needle)
                        AND left(word, 1) = left(needle, 1)
                        AND catalog_letters(word) = catalog_letters(needle) THEN 0.8
                   ELSE catalog_similarity(word, needle) END), 0)::real
        FROM unnest(string_to_array(haystack, ' ')) AS word
    $body$;

-- Genres are slugs (ranking keeps a leaderboard per genre:{slug}), named per kind.
CREATE TABLE genres (
    kind text NOT NULL CHECK (kind IN ('game', 'film', 'series')),
    slug text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text NOT NULL,
    PRIMARY KEY (kind, slug)
);

-- Platforms (games only) are slugs too: platform:{slug} leaderboards.
CREATE TABLE platforms (
    slug text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text NOT NULL
);

CREATE TABLE media (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('game', 'film', 'series')),
    title text NOT NULL CHECK (title <> ''),
    -- Stable once given: titles have a permanent URL.
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    original_title text,
    year integer CHECK (year BETWEEN 1850 AND 2200),
    release_date date,
    synopsis text NOT NULL DEFAULT '',
    genres text[] NOT NULL DEFAULT '{}',
    platforms text[] NOT NULL DEFAULT '{}',
    runtime_minutes integer CHECK (runtime_minutes > 0),
    seasons integer CHECK (seasons > 0),
    cover_url text,
    backdrop_url text,
    tmdb_id integer,
    igdb_id integer,
    popularity double precision NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Sort and search keys, kept by PostgreSQL.
    title_key text GENERATED ALWAYS AS (catalog_fold(title)) STORED,
    search_text text GENERATED ALWAYS AS (
        catalog_fold(title || coalesce(' ' || original_title, ''))
    ) STORED,
    title_words text[] GENERATED ALWAYS AS (
        string_to_array(catalog_fold(title || coalesce(' ' || original_title, '')), ' ')
    ) STORED,
    released_on date GENERATED ALWAYS AS (
        coalesce(release_date, make_date(year, 1, 1), DATE '0001-01-01')
    ) STORED
);
-- TMDB numbers films and series separately, hence the kind in the key.
CREATE UNIQUE INDEX media_tmdb ON media (kind, tmdb_id) WHERE tmdb_id IS NOT NULL;
CREATE UNIQUE INDEX media_igdb ON media (igdb_id) WHERE igdb_id IS NOT NULL;
CREATE INDEX media_popularity ON media (popularity DESC, id DESC);
CREATE INDEX media_kind_popularity ON media (kind, popularity DESC, id DESC);
CREATE INDEX media_released ON media (released_on DESC, id DESC);
CREATE INDEX media_title_key ON media (title_key, id);
CREATE INDEX media_natural ON media (kind, title_key, year);
CREATE INDEX media_genres ON media USING gin (genres);
CREATE INDEX media_platforms ON media USING gin (platforms);
CREATE INDEX media_title_words ON media USING gin (title_words);

-- Every word of every title, by first letter: a search first finds the words that match
-- each query word here (a small table), then only the titles holding one of them.
CREATE TABLE catalog_words (
    word text PRIMARY KEY,
    initial text GENERATED ALWAYS AS (left(word, 1)) STORED
);
CREATE INDEX catalog_words_initial ON catalog_words (initial);

CREATE FUNCTION catalog_remember_words() RETURNS trigger
    LANGUAGE plpgsql
    AS $body$
    BEGIN
        -- In one order, so that concurrent imports sharing words wait rather than deadlock.
        INSERT INTO catalog_words (word)
        SELECT DISTINCT word FROM unnest(NEW.title_words) AS word WHERE word <> '' ORDER BY word
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $body$;
CREATE TRIGGER media_remember_words AFTER INSERT OR UPDATE OF title, original_title ON media
    FOR EACH ROW EXECUTE FUNCTION catalog_remember_words();

-- Imports started by admins (TMDB, IGDB), and how far they got.
CREATE TABLE catalog_imports (
    id bigserial PRIMARY KEY,
    provider text NOT NULL CHECK (provider IN ('tmdb', 'igdb')),
    kind text NOT NULL CHECK (kind IN ('game', 'film', 'series')),
    first_page integer NOT NULL CHECK (first_page >= 1),
    pages integer NOT NULL CHECK (pages >= 1),
    pages_done integer NOT NULL DEFAULT 0,
    imported integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'finished', 'failed')),
    error text,
    requested_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
