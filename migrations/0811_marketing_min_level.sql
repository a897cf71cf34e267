-- Marketing: a campaign may target users from a gamification level up (1: everyone).
ALTER TABLE marketing_campaigns ADD COLUMN min_level integer NOT NULL DEFAULT 1;
