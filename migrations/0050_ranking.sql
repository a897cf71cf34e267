-- Ranking: duels, their votes, Glicko-2 ratings (global and per user), leaderboard snapshots.

-- A matchup offered to one user. The unique pair index is the user's "seen pairs":
-- the same two titles are never offered to a user twice.
CREATE TABLE ranking_duels (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('game', 'film', 'series')),
    a_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    b_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    outcome text CHECK (outcome IN ('a', 'b', 'unknown_a', 'unknown_b', 'both', 'cant_decide')),
    voted_at timestamptz,
    CHECK (a_id <> b_id),
    CHECK ((outcome IS NULL) = (voted_at IS NULL))
);
CREATE UNIQUE INDEX ranking_duels_seen_pair
    ON ranking_duels (user_id, least(a_id, b_id), greatest(a_id, b_id));
CREATE INDEX ranking_duels_user_kind ON ranking_duels (user_id, kind);

-- Every vote cast, with its outcome: the log the audit refits and personal rankings read.
CREATE TABLE ranking_votes (
    duel_id bigint PRIMARY KEY REFERENCES ranking_duels (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    a_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    b_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    outcome text NOT NULL,
    winner_id bigint REFERENCES media (id) ON DELETE CASCADE,
    loser_id bigint REFERENCES media (id) ON DELETE CASCADE,
    cast_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((winner_id IS NULL) = (outcome NOT IN ('a', 'b')))
);
CREATE INDEX ranking_votes_user ON ranking_votes (user_id, kind);
CREATE INDEX ranking_votes_won ON ranking_votes (kind, cast_at) WHERE winner_id IS NOT NULL;

-- Titles a user said they do not know ("unknown" skips): never offered to them again.
CREATE TABLE ranking_unknown (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, media_id)
);

-- The global Glicko-2 rating of each title that has played. Scopes (kind, genres,
-- platforms) are copied from the catalog when the row is made, for the leaderboards.
CREATE TABLE ranking_ratings (
    media_id bigint PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    genres text[] NOT NULL DEFAULT '{}',
    platforms text[] NOT NULL DEFAULT '{}',
    rating double precision NOT NULL DEFAULT 1500,
    rd double precision NOT NULL DEFAULT 350,
    volatility double precision NOT NULL DEFAULT 0.06,
    games integer NOT NULL DEFAULT 0,
    wins integer NOT NULL DEFAULT 0,
    losses integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ranking_ratings_kind ON ranking_ratings (kind, rating DESC);

-- Each user's own Glicko-2 rating of the titles they voted on: their personal ranking.
CREATE TABLE ranking_personal (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    rating double precision NOT NULL DEFAULT 1500,
    rd double precision NOT NULL DEFAULT 350,
    volatility double precision NOT NULL DEFAULT 0.06,
    games integer NOT NULL DEFAULT 0,
    wins integer NOT NULL DEFAULT 0,
    losses integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, media_id)
);
CREATE INDEX ranking_personal_order ON ranking_personal (user_id, kind, rating DESC);

-- Ranks of each leaderboard scope once a day, for "movement since yesterday".
CREATE TABLE ranking_snapshots (
    scope text NOT NULL,
    taken_on date NOT NULL,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    rank integer NOT NULL,
    rating double precision NOT NULL,
    PRIMARY KEY (scope, taken_on, media_id)
);
