-- Catalog: a film's or series' IMDb id, as TMDB gives it (`imdb_id`, a series' through
-- `external_ids`), so that exports naming titles by IMDb id (Trakt's) find them. Not
-- unique: a provider's mistake must not make an import fail.
ALTER TABLE media ADD COLUMN imdb_id text CHECK (imdb_id ~ '^tt[0-9]{1,12}$');
CREATE INDEX media_imdb ON media (imdb_id) WHERE imdb_id IS NOT NULL;
