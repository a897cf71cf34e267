-- Interaction: named lists of titles of any kind, plain or ranked, with a note per entry.
--
-- Every change to a list's entries first locks the list's row, so that two editors'
-- concurrent additions and moves land one after the other: positions stay 1..n, and an
-- entry is never lost or doubled (a title is at most once in a list).
CREATE TABLE lists (
    id bigserial PRIMARY KEY,
    owner_id bigint NOT NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    ranked boolean NOT NULL DEFAULT false,
    visibility text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    entries_count integer NOT NULL DEFAULT 0,
    likes_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lists_owner ON lists (owner_id, id DESC);
CREATE INDEX lists_public_newest ON lists (id DESC) WHERE visibility = 'public';

CREATE TABLE list_editors (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, user_id)
);
CREATE INDEX list_editors_user ON list_editors (user_id);

CREATE TABLE list_entries (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    position integer NOT NULL CHECK (position >= 1),
    note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
    added_by bigint,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, media_id)
);
CREATE INDEX list_entries_order ON list_entries (list_id, position, media_id);

CREATE TABLE list_likes (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, user_id)
);

CREATE TABLE list_follows (
    list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, user_id)
);
CREATE INDEX list_follows_user ON list_follows (user_id);
