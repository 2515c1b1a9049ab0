-- Issue 27, R24. No contact receives more than `max_message_1` Message 1s in a rolling window of
-- `days` days, across campaigns (the cap is in each campaign's settings snapshot, R16). A launch
-- leaves capped contacts out and counts them, as it counts opt-outs; a send refused by the cap
-- right before its call fails with the new kind `frequency_capped`.
--
-- The kind lists are FailureKind::ALL's names, exactly; a store test compares them.

ALTER TABLE messages DROP CONSTRAINT messages_failure_kind_check,
    ADD CONSTRAINT messages_failure_kind_check CHECK (failure_kind IN (
        'invalid_number', 'undeliverable', 'limited', 'opted_out', 'window_closed',
        'template_rejected', 'template_paused', 'rate_limited', 'auth', 'provider_down',
        'daily_limit', 'cutoff', 'frequency_capped', 'unknown'));
ALTER TABLE journeys DROP CONSTRAINT journeys_failure_kind_check,
    ADD CONSTRAINT journeys_failure_kind_check CHECK (failure_kind IN (
        'invalid_number', 'undeliverable', 'limited', 'opted_out', 'window_closed',
        'template_rejected', 'template_paused', 'rate_limited', 'auth', 'provider_down',
        'daily_limit', 'cutoff', 'frequency_capped', 'unknown'));

ALTER TABLE campaigns ADD COLUMN capped_excluded INTEGER NOT NULL DEFAULT 0,
    ADD CONSTRAINT campaigns_capped_excluded_check CHECK (capped_excluded >= 0);

-- The Message 1s a contact received from `since` on, as the cap counts them: the call was made
-- (it may still be in flight: the contact may have it) and the message did not fail. A contact
-- has few messages, so `messages_contact_idx` serves it.
CREATE FUNCTION message_1s_received_since(contact BIGINT, since TIMESTAMPTZ) RETURNS BIGINT
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT count(*) FROM messages m WHERE m.contact_id = contact
        AND m.message_type = 'message_1' AND coalesce(m.first_call_at, m.sent_at) >= since
        AND m.status <> 'failed');
