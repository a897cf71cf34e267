-- Ranking: every nightly audit's report, so the back-office shows the latest one; and the
-- votes by time, for the dashboard's votes per minute.
CREATE TABLE leaderboard_audits (
    id bigserial PRIMARY KEY,
    report jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ranking_votes_cast_at ON ranking_votes (cast_at);
