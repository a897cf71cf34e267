-- Mail waiting to be sent: written in the transaction that asks for it (a sign-up, a
-- reset), sent by the send_mail actor after commit. Bodies are cleared once sent, since
-- they may carry single-use links.
CREATE TABLE mails (
    id bigserial PRIMARY KEY,
    to_address text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX mails_unsent ON mails (created_at) WHERE sent_at IS NULL;
