-- Mail the SMTP server refused for good (a 5xx answer to its recipient): not retried, and
-- its bodies cleared like a sent mail's.
ALTER TABLE mails
    ADD COLUMN failed_at timestamptz,
    ADD COLUMN failure text;
