-- Discovery: the evidence it keeps from other contexts' events, the follow graph it syncs,
-- neighbours computed by the workers, dismissals, duel votes (stats) and live feed news.

-- One row per (user, title, source): the latest strength of that evidence (signed) and
-- when it happened. Sources: like, rating, status, review, view, unknown (duel skip).
CREATE TABLE discovery_evidence (
    user_id bigint NOT NULL,
    media_id bigint NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    value real NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, media_id, source)
);
CREATE INDEX discovery_evidence_media ON discovery_evidence (media_id);

-- Each title of each duel vote: whether it won (stats, personal top 10, evidence).
CREATE TABLE discovery_duel_votes (
    duel_id bigint NOT NULL,
    media_id bigint NOT NULL,
    user_id bigint NOT NULL,
    kind text NOT NULL,
    won boolean NOT NULL,
    cast_at timestamptz NOT NULL,
    PRIMARY KEY (duel_id, media_id)
);
CREATE INDEX discovery_duel_votes_user ON discovery_duel_votes (user_id, cast_at);

-- Who follows whom, synced from identity's follow events ("Sync Graph").
CREATE TABLE discovery_follows (
    follower_id bigint NOT NULL,
    followee_id bigint NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX discovery_follows_followee ON discovery_follows (followee_id);

-- The top-K similar titles of each title, replaced whole by each refresh (one transaction).
CREATE TABLE discovery_neighbours (
    media_id bigint NOT NULL,
    neighbour_id bigint NOT NULL,
    score real NOT NULL,
    PRIMARY KEY (media_id, neighbour_id)
);

-- Each title's evidence norm at the last refresh (the cosine of incremental refreshes).
CREATE TABLE discovery_item_norms (
    media_id bigint PRIMARY KEY,
    norm double precision NOT NULL
);

-- What each refresh did: full or incremental, which model, how many titles, how long.
CREATE TABLE discovery_runs (
    id bigserial PRIMARY KEY,
    scope text NOT NULL CHECK (scope IN ('full', 'incremental')),
    model text NOT NULL,
    titles integer NOT NULL,
    evidence integer NOT NULL,
    seconds double precision NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);

-- "Not interested": titles a user dismissed from their feed, with an optional reason.
CREATE TABLE discovery_dismissals (
    user_id bigint NOT NULL,
    media_id bigint NOT NULL,
    reason text,
    dismissed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, media_id)
);

-- What entered a user's feed since they last read it (the "N new items" bar).
CREATE TABLE discovery_feed_news (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    media_id bigint NOT NULL,
    reason jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discovery_feed_news_user ON discovery_feed_news (user_id, id DESC);
