-- Interaction: readers report reviews to the moderators (once per reader and review).
CREATE TABLE review_reports (
    review_id bigint NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    reason text NOT NULL CHECK (reason IN ('spoiler', 'abuse', 'spam', 'off_topic', 'other')),
    note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (review_id, user_id)
);
CREATE INDEX review_reports_newest ON review_reports (created_at DESC);
CREATE INDEX review_reports_user ON review_reports (user_id);
