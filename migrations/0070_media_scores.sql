-- The community score "top rated" sorts titles by, and how many ratings it rests on.
-- Catalog stores it; interaction computes it and keeps it current through catalog's
-- public surface whenever a title's counters change, so browsing never reads
-- interaction's tables.
CREATE TABLE media_scores (
    media_id bigint PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
    score float8 NOT NULL,
    votes integer NOT NULL
);

-- The titles rated before this table existed (the Bayesian average of the time: five
-- prior ratings of 3 stars).
INSERT INTO media_scores (media_id, score, votes)
SELECT media_id,
       CASE WHEN ratings_count = 0 THEN 0
            ELSE (ratings_sum / 2.0 + 5 * 3.0) / (ratings_count + 5) END,
       ratings_count
FROM media_stats;
