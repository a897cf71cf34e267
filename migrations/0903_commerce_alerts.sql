-- Commerce: price-drop alerts. A user may switch them off entirely (a row here with
-- enabled false) or for one title (a mute); ``commerce_alerts_sent`` keeps the one alert
-- per title per day a user may get.
CREATE TABLE commerce_alert_preferences (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    enabled boolean NOT NULL
);
CREATE TABLE commerce_alert_mutes (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, media_id)
);
CREATE TABLE commerce_alerts_sent (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_id bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    day date NOT NULL,
    PRIMARY KEY (user_id, media_id, day)
);
