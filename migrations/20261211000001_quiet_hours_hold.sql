-- Issue 26 (R21): a Message 1 held by quiet hours waits for its contact's zone to open and holds
-- no place in the campaign's sliding window, so contacts in open zones keep sending. The send
-- writes when the hold ends; the window counts a journey held until a later time as not sending.
-- No clearing is needed: once the time passes, the journey counts again, which is when its send
-- is retried.
ALTER TABLE journeys ADD COLUMN message_1_held_until TIMESTAMPTZ;

-- The window's count stays an index-only read (see 20261206000002_open_journeys_index.sql).
DROP INDEX journeys_open_idx;
CREATE INDEX journeys_open_idx ON journeys (campaign_id, state, contact_id)
    INCLUDE (message_1_held_until)
    WHERE NOT journey_state_is_final(state);
