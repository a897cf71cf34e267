-- Identity: a deleted account keeps an anonymised row (content stays attributed to
-- "deleted user"); its email is purged, so the address may sign up again.
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
