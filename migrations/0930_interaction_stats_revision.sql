-- A title's counters are kept in the transaction of each like and rating, and published at
-- once after it commits; the recount behind them only reconciles. ``revision`` grows with
-- every change of the row, so that a publication older than one already sent is dropped
-- (two likes committed in one order may be published in the other).
ALTER TABLE media_stats ADD COLUMN revision bigint NOT NULL DEFAULT 0;
