-- Interaction: history imports (Letterboxd, Backloggd, Trakt, Steam) with a preview.
--
-- An upload is parsed at once into rows (one per line of the source, with its line number);
-- an actor matches each row to a title; the user fixes or drops rows, then confirms.
CREATE TABLE history_imports (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    source text NOT NULL CHECK (source IN ('letterboxd', 'backloggd', 'trakt', 'steam')),
    -- The SHA-256 of the uploaded bytes (or of the Steam id): the same file again is known.
    digest text NOT NULL,
    state text NOT NULL DEFAULT 'matching'
        CHECK (state IN ('matching', 'ready', 'confirmed', 'failed')),
    steam_id text,
    problem text,
    created_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz
);
CREATE INDEX history_imports_user ON history_imports (user_id, id DESC);

CREATE TABLE history_import_rows (
    import_id bigint NOT NULL REFERENCES history_imports (id) ON DELETE CASCADE,
    position integer NOT NULL,
    file text NOT NULL,
    line integer NOT NULL,
    -- What the row says: diary, rating, watched, watchlist, review, like, status, playtime.
    action text NOT NULL,
    kind text NOT NULL,
    title text NOT NULL,
    year integer,
    data jsonb NOT NULL DEFAULT '{}',
    media_id bigint REFERENCES media (id) ON DELETE SET NULL,
    confidence real,
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'matched', 'doubtful', 'unmatched', 'invalid', 'dropped')),
    problem text,
    PRIMARY KEY (import_id, position)
);

-- What an import wrote, by an idempotent key: confirming twice, or importing the same
-- history again, writes each diary entry and review once.
CREATE TABLE history_import_keys (
    user_id bigint NOT NULL,
    key text NOT NULL,
    import_id bigint NOT NULL,
    PRIMARY KEY (user_id, key)
);
