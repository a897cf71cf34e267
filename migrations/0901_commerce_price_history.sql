-- Commerce: every price an offer was seen at, one row per change.
CREATE TABLE commerce_price_history (
    id bigserial PRIMARY KEY,
    offer_id bigint NOT NULL REFERENCES commerce_offers (id) ON DELETE CASCADE,
    price numeric(12, 2),
    currency text,
    discount_percent integer NOT NULL DEFAULT 0,
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commerce_price_history_offer ON commerce_price_history (offer_id, seen_at);
