-- A relaunch copies a finished campaign and launches the copy. Remembering the source makes a
-- repeated relaunch (a double click, a retried request) find the first copy instead of sending
-- Message 1 to the whole audience a second time.
ALTER TABLE campaigns
    ADD COLUMN relaunched_from BIGINT REFERENCES campaigns (id) ON DELETE SET NULL,
    ADD CONSTRAINT campaigns_relaunched_from_key UNIQUE (relaunched_from);
