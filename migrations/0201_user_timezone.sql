-- The profile's timezone (IANA name): the user's "days" (streaks, daily caps) are local.
ALTER TABLE users ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
