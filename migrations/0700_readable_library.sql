-- Interaction: a user's library, likes and ratings are read page by page, most recent first.
CREATE INDEX library_entries_user_recent ON library_entries (user_id, updated_at DESC, media_id DESC);
CREATE INDEX library_entries_user_added ON library_entries (user_id, created_at DESC, media_id DESC);
CREATE INDEX likes_user_recent ON likes (user_id, created_at DESC, media_id DESC);
CREATE INDEX ratings_user_recent ON ratings (user_id, updated_at DESC, media_id DESC);
