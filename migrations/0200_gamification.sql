-- Gamification: the XP ledger (one row per source event), per-user counters, badges,
-- rarity, streaks and weekly leagues.

-- Per user: the XP total (the ledger's sum, audited nightly), this week's XP, league tier
-- and streak. The row is the user's lock: every award takes it FOR UPDATE first.
CREATE TABLE gamification_users (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    xp bigint NOT NULL DEFAULT 0,
    level integer NOT NULL DEFAULT 1,
    week date,
    week_xp integer NOT NULL DEFAULT 0,
    tier smallint NOT NULL DEFAULT 0,
    streak_days integer NOT NULL DEFAULT 0,
    best_streak integer NOT NULL DEFAULT 0,
    last_active_day date,
    freezes smallint NOT NULL DEFAULT 0,
    freeze_week text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every award or reversal, keyed by what caused it (an event id, a badge, an admin's act):
-- a replayed or late event finds its key taken and awards nothing again. ``subject`` is
-- what the action is about (media:12, review:5, duel:3, user:9); the latest row of a
-- subject holds its ``target`` (what it is worth now) and ``state``.
CREATE TABLE gamification_ledger (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source text NOT NULL UNIQUE,
    action text NOT NULL,
    subject text NOT NULL,
    target integer NOT NULL,
    xp integer NOT NULL,
    state text,
    counts text[] NOT NULL DEFAULT '{}',
    day date NOT NULL,
    week date NOT NULL,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gamification_ledger_subject
    ON gamification_ledger (user_id, action, subject, occurred_at DESC, id DESC);
CREATE INDEX gamification_ledger_day ON gamification_ledger (user_id, action, day);
CREATE INDEX gamification_ledger_created ON gamification_ledger (created_at);

-- What badge rules read: reviews, duel_votes, genre:{slug}, review_likes:{id}, ...
CREATE TABLE gamification_counters (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    value integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, name)
);

CREATE TABLE gamification_badges (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    badge_id text NOT NULL,
    earned_at timestamptz NOT NULL DEFAULT now(),
    granted_by bigint,
    PRIMARY KEY (user_id, badge_id)
);
CREATE INDEX gamification_badges_earned ON gamification_badges (earned_at);

-- Refreshed by a scheduled job: share of active users (XP in the last 30 days) holding each.
CREATE TABLE gamification_badge_rarity (
    badge_id text PRIMARY KEY,
    holders integer NOT NULL,
    active_users integer NOT NULL,
    rarity double precision NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gamification_leagues (
    id bigserial PRIMARY KEY,
    week date NOT NULL,
    tier smallint NOT NULL,
    members integer NOT NULL DEFAULT 0,
    closed_at timestamptz
);
CREATE INDEX gamification_leagues_open ON gamification_leagues (week, tier) WHERE closed_at IS NULL;

-- One row per user and week: the history of their leagues and results.
CREATE TABLE gamification_league_members (
    league_id bigint NOT NULL REFERENCES gamification_leagues (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    week date NOT NULL,
    xp integer NOT NULL DEFAULT 0,
    joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    rank integer,
    result text CHECK (result IN ('promoted', 'demoted', 'stayed')),
    PRIMARY KEY (week, user_id)
);
CREATE INDEX gamification_league_members_league ON gamification_league_members (league_id);
