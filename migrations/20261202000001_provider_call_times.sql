-- Crash recovery of a send needs two facts about its provider calls.
--
-- `first_call_at`: when the first provider call of the message started. From that moment the
-- contact may have the message, so a reply is attributed to this journey even while the database
-- does not yet show the message accepted (a worker died between the acceptance and its record).
--
-- `call_ends_by`: while a call may still be in flight, the time by which it has certainly ended
-- (the call is bounded by it). A retry waits for it before asking the provider whether the call
-- got through, so the lookup never races a call still on its way and sends twice.
ALTER TABLE messages
    ADD COLUMN first_call_at TIMESTAMPTZ,
    ADD COLUMN call_ends_by TIMESTAMPTZ;

UPDATE messages SET first_call_at = coalesce(sent_at, created_at) WHERE attempts > 0;

-- A message that was called has a first call time (attempts can go back to 0 when a rate-limited
-- call is not counted, so the time may outlive the count).
ALTER TABLE messages
    ADD CONSTRAINT messages_called_since_first_call CHECK (attempts = 0 OR first_call_at IS NOT NULL);
