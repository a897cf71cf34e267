-- Interaction: the diary, one dated entry per viewing or play session.
--
-- ``watched_at`` is the instant (UTC); ``day`` is its date in the user's time zone when it
-- was logged, kept as written so a later change of zone does not move past entries.
CREATE TABLE diary_entries (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    day date NOT NULL,
    watched_at timestamptz NOT NULL,
    half_stars smallint CHECK (half_stars BETWEEN 1 AND 10),
    review_id bigint REFERENCES reviews (id) ON DELETE SET NULL,
    replay boolean NOT NULL DEFAULT false,
    platform text,
    outcome text CHECK (outcome IN ('finished', 'abandoned')),
    liked boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diary_entries_user_day ON diary_entries (user_id, day DESC, id DESC);
CREATE INDEX diary_entries_user_media ON diary_entries (user_id, media_id, day DESC);
