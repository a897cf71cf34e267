-- Marketing: native ad campaigns, their spend per day, and billed clicks.
-- Money is in micros (a millionth of the currency unit) so that a CPM impression
-- (a thousandth of the price) is a whole number; the API speaks in cents.

CREATE TABLE marketing_campaigns (
    id bigserial PRIMARY KEY,
    advertiser text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    image_url text,
    cta_label text NOT NULL,
    cta_url text NOT NULL,
    media_id bigint,
    kinds text[] NOT NULL DEFAULT '{}',
    genres text[] NOT NULL DEFAULT '{}',
    platforms text[] NOT NULL DEFAULT '{}',
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    total_budget_micros bigint NOT NULL CHECK (total_budget_micros > 0),
    daily_budget_micros bigint NOT NULL CHECK (daily_budget_micros > 0),
    price_model text NOT NULL CHECK (price_model IN ('cpm', 'cpc')),
    price_micros bigint NOT NULL CHECK (price_micros > 0),
    frequency_cap integer NOT NULL CHECK (frequency_cap > 0),
    status text NOT NULL CHECK (status IN ('active', 'paused', 'exhausted')),
    spent_micros bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX marketing_campaigns_live ON marketing_campaigns (ends_at) WHERE status = 'active';

-- Each campaign's day (UTC): what it showed, what was clicked, what it spent.
CREATE TABLE marketing_daily (
    campaign_id bigint NOT NULL REFERENCES marketing_campaigns (id) ON DELETE CASCADE,
    day date NOT NULL,
    impressions bigint NOT NULL DEFAULT 0,
    clicks bigint NOT NULL DEFAULT 0,
    spent_micros bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day)
);
