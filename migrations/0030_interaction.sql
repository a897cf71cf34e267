-- Interaction: likes, ratings, library statuses, reviews, activity, per-media counters, signals.
--
-- user_id columns carry no foreign key to users on purpose: when an account is deleted,
-- the interaction context itself (reacting to identity.account_deleted) removes the
-- rows and corrects the counters of the titles they touched; a cascade would remove
-- them first and leave the counters wrong. Each row keeps the media's kind, read from
-- the catalog when written, so that "what does this user know among games" needs no
-- other context's table.

CREATE TABLE likes (
    user_id bigint NOT NULL,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, media_id)
);
CREATE INDEX likes_media ON likes (media_id);

-- Ratings in half stars: 1..10 stands for 0.5..5 stars.
CREATE TABLE ratings (
    user_id bigint NOT NULL,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    half_stars smallint NOT NULL CHECK (half_stars BETWEEN 1 AND 10),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, media_id)
);
CREATE INDEX ratings_media ON ratings (media_id, half_stars);

CREATE TABLE library_entries (
    user_id bigint NOT NULL,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    status text NOT NULL CHECK (
        status IN ('wishlist', 'playing', 'completed', 'watchlist', 'watching', 'watched', 'dropped')
    ),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, media_id)
);
CREATE INDEX library_entries_user_kind ON library_entries (user_id, kind, status);

-- A review stays when its author deletes their account: user_id becomes NULL ("deleted user").
CREATE TABLE reviews (
    id bigserial PRIMARY KEY,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    user_id bigint,
    body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
    spoiler boolean NOT NULL DEFAULT false,
    likes_count integer NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
    hidden_at timestamptz,
    hidden_reason text,
    hidden_by bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz
);
CREATE INDEX reviews_media_newest ON reviews (media_id, id DESC)
    WHERE hidden_at IS NULL;
CREATE INDEX reviews_media_most_liked ON reviews (media_id, likes_count DESC, id DESC)
    WHERE hidden_at IS NULL;
CREATE INDEX reviews_user ON reviews (user_id, id DESC);

CREATE TABLE review_likes (
    user_id bigint NOT NULL,
    review_id bigint NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, review_id)
);
CREATE INDEX review_likes_review ON review_likes (review_id);

-- A user's recent actions (profile, follow feed), written with the action itself.
CREATE TABLE activities (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    type text NOT NULL,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind text NOT NULL,
    review_id bigint REFERENCES reviews (id) ON DELETE CASCADE,
    data jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_user ON activities (user_id, id DESC);
CREATE INDEX activities_user_media ON activities (user_id, media_id, type);

-- Counters per title, kept by the workers from the rows above (never edited by hand).
CREATE TABLE media_stats (
    media_id bigint PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    likes integer NOT NULL DEFAULT 0,
    ratings_count integer NOT NULL DEFAULT 0,
    -- Sum of the ratings in half stars: the average is ratings_sum / ratings_count / 2.
    ratings_sum bigint NOT NULL DEFAULT 0,
    -- Number of ratings at 0.5, 1, 1.5, ..., 5 stars.
    histogram integer[] NOT NULL DEFAULT '{0,0,0,0,0,0,0,0,0,0}',
    reviews_count integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Low-value, high-volume signals, written in batches from a Redis stream, once per event id.
CREATE TABLE signals (
    event_id uuid PRIMARY KEY,
    type text NOT NULL,
    user_id bigint,
    media_id bigint,
    data jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX signals_media ON signals (media_id, occurred_at) WHERE media_id IS NOT NULL;
CREATE INDEX signals_user ON signals (user_id) WHERE user_id IS NOT NULL;
