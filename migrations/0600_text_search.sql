-- Text search functions owned by infra, for every context that matches names typed by a
-- person (titles, user names, list names): text_fold, text_similarity, text_letters and
-- text_word_score. They were born in catalog (0020_media.sql) as catalog_*; identity and
-- interaction searched with them, a dependency on catalog's schema. Each text_* function
-- is catalog's definition under the neutral name (so that the pg_trgm / unaccent choice
-- 0020 made, or its plain-SQL fallback, carries over unchanged); catalog's names then
-- become thin wrappers, kept for its generated columns and indexes.
DO $do$
DECLARE
    name text;
    definition text;
BEGIN
    FOREACH name IN ARRAY ARRAY[
        'catalog_trigrams(text)', 'catalog_letters(text)', 'catalog_similarity(text,text)',
        'catalog_fold(text)', 'catalog_word_score(text,text)'
    ] LOOP
        -- catalog_trigrams exists only where 0020 took the fallback (no pg_trgm).
        CONTINUE WHEN to_regprocedure(name) IS NULL;
        definition := pg_get_functiondef(to_regprocedure(name));
        EXECUTE regexp_replace(
            definition,
            '\mcatalog_(trigrams|letters|similarity|fold|word_score)\M',
            'text_\1',
            'g'
        );
    END LOOP;
END
$do$;

CREATE OR REPLACE FUNCTION catalog_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    AS $body$ SELECT text_fold(value) $body$;

CREATE OR REPLACE FUNCTION catalog_similarity(a text, b text) RETURNS real
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    AS $body$ SELECT text_similarity(a, b) $body$;

CREATE OR REPLACE FUNCTION catalog_letters(word text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    AS $body$ SELECT text_letters(word) $body$;

CREATE OR REPLACE FUNCTION catalog_word_score(haystack text, needle text) RETURNS real
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    AS $body$ SELECT text_word_score(haystack, needle) $body$;
