-- Identity: who may read each section of a profile, and who blocked whom.
--
-- A section with no row has its default audience (``identity/privacy.py``: public, but
-- the diary is private), so that a new section needs no backfill.
CREATE TABLE profile_privacy (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    section text NOT NULL CHECK (
        section IN ('library', 'diary', 'lists', 'reviews', 'activity', 'stats')
    ),
    audience text NOT NULL CHECK (audience IN ('public', 'followers', 'private')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, section)
);

-- A block hides each account from the other and ends and forbids follows between them.
CREATE TABLE blocks (
    blocker_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id);
CREATE INDEX blocks_blocker_recent ON blocks (blocker_id, created_at DESC, blocked_id DESC);
