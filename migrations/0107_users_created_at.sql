-- Identity: accounts by creation time, for the dashboard's sign-ups today.
CREATE INDEX users_created_at ON users (created_at);
