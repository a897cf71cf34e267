-- Marketing: impressions and billed clicks reach PostgreSQL in batches from the ad event
-- stream (Redis). The last entry written is kept in the batch's transaction, so that a
-- batch written twice (a retry after the commit) counts once.
CREATE TABLE marketing_event_cursor (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_ms bigint NOT NULL,
    last_seq bigint NOT NULL
);
