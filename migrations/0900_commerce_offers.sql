-- Commerce: where a title can be bought, rented or streamed, as the stores and TMDB's watch
-- providers last listed it. One row per (title, store, type, region); ``price`` is null where
-- the provider gives none (a subscription, TMDB's providers), and ``available`` turns false
-- when a sync no longer lists the offer.
CREATE TABLE commerce_offers (
    id bigserial PRIMARY KEY,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    store text NOT NULL,
    offer_type text NOT NULL CHECK (offer_type IN ('buy', 'rent', 'stream', 'free')),
    region text NOT NULL,
    price numeric(12, 2) CHECK (price >= 0),
    currency text,
    discount_percent integer NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    url text NOT NULL,
    available boolean NOT NULL DEFAULT true,
    source text NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    UNIQUE (media_id, store, offer_type, region)
);
