-- Marketing: a campaign's optional video creative (answered in VAST), or instead the VAST
-- tag URL of an external ad server (a network campaign, answered as a VAST Wrapper).
ALTER TABLE marketing_campaigns
    ADD COLUMN video_url text,
    ADD COLUMN video_mime text,
    ADD COLUMN video_duration_s integer,
    ADD COLUMN video_width integer,
    ADD COLUMN video_height integer,
    ADD COLUMN vast_tag_url text;
