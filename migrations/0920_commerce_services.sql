-- Commerce: the services (streaming providers, stores) a user chose; a sync that makes a
-- wanted title available on one of them sends a ``commerce.available`` alert.
CREATE TABLE commerce_user_services (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    store text NOT NULL,
    PRIMARY KEY (user_id, store)
);
CREATE INDEX commerce_user_services_store ON commerce_user_services (store);
