-- R11 per-campaign pacing: Message 1 sends of the campaign so far and the earliest time its next
-- one may leave (a batch pause pushes it out after every `batch_size` sends).
ALTER TABLE campaigns
    ADD COLUMN paced_sends INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN pacing_next_at TIMESTAMPTZ;
