-- Identity: each account's inbox. What is pushed live on user:{id} that a person must not
-- miss is also stored here, under the id the live message carries. ``source`` names what
-- caused it (a domain event's id), so that an actor running twice stores it once.
CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}',
    source text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    UNIQUE (user_id, source)
);
CREATE INDEX notifications_user_newest ON notifications (user_id, id DESC);
CREATE INDEX notifications_user_unread ON notifications (user_id, id) WHERE read_at IS NULL;
