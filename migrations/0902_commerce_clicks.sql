-- Commerce: clicks on affiliate links, written in batches from the click stream (Redis);
-- ``stream_id`` is the stream entry's id, so that a batch written twice counts once.
CREATE TABLE commerce_clicks (
    stream_id text PRIMARY KEY,
    offer_id bigint NOT NULL REFERENCES commerce_offers (id) ON DELETE CASCADE,
    store text NOT NULL,
    user_id bigint,
    referrer text,
    campaign text,
    clicked_at timestamptz NOT NULL
);
CREATE INDEX commerce_clicks_day ON commerce_clicks (clicked_at, store);
