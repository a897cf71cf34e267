-- Domain events written in the same transaction as the change they describe,
-- relayed to Dramatiq after commit (metacult/infra/outbox.py).
CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    type text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    data jsonb NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox (occurred_at) WHERE sent_at IS NULL;

-- Which consumer already handled which event: actors are idempotent by event id.
CREATE TABLE processed_events (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
