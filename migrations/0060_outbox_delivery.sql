-- End-to-end delivery: an event stays the outbox's responsibility until every consumer
-- subscribed to it has processed it (its processed_events claim committed). The relay
-- re-sends what is still unprocessed after a bound, and gives up (loudly) after a few
-- tries (metacult/infra/outbox.py).
ALTER TABLE outbox
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN resends integer NOT NULL DEFAULT 0,
    ADD COLUMN gave_up_at timestamptz;

-- Events sent before delivery was tracked count as delivered.
UPDATE outbox SET delivered_at = sent_at WHERE sent_at IS NOT NULL;

CREATE INDEX outbox_undelivered ON outbox (sent_at)
    WHERE sent_at IS NOT NULL AND delivered_at IS NULL AND gave_up_at IS NULL;
