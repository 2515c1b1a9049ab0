-- Issue 23. Meta's per-user marketing limit (error 131049) ends a journey `limited`: neither
-- the contact's fault nor a ban signal, counted apart from `failed`, never retried inside the
-- campaign. And every failure now has a kind (campaign_domain::FailureKind), stored beside its
-- text, so statistics, the API and the console switch on the kind instead of reading the text.
--
-- The kind lists below are FailureKind::ALL's names, exactly; a store test compares them.

-- The journey's new final state.
ALTER TABLE journeys DROP CONSTRAINT journeys_state_check, ADD CONSTRAINT journeys_state_check CHECK (state IN (
    'queued', 'sending_message_1', 'awaiting_interaction', 'sending_message_2',
    'message_2_sent', 'no_interaction', 'late_interaction', 'failed', 'cancelled', 'opted_out',
    'limited'));
CREATE OR REPLACE FUNCTION journey_state_is_final(state TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN state IN ('message_2_sent', 'no_interaction', 'late_interaction', 'failed', 'cancelled',
        'opted_out', 'limited');
-- Its predicate calls the function: rebuilt so it agrees with the new definition.
REINDEX INDEX journeys_open_idx;

-- A message's kind goes with its `error`: set on a failed message (always) and on a pending one
-- whose last attempt failed and will be retried; cleared when the provider accepts it.
ALTER TABLE messages
    ADD COLUMN failure_kind TEXT,
    ADD CONSTRAINT messages_failure_kind_check CHECK (failure_kind IN (
        'invalid_number', 'undeliverable', 'limited', 'opted_out', 'window_closed',
        'template_rejected', 'template_paused', 'rate_limited', 'auth', 'provider_down',
        'daily_limit', 'cutoff', 'unknown'));
-- Failures recorded before kinds existed: the engine's own reasons are known texts
-- (domain/src/sending.rs); a provider's text stays unclassified.
UPDATE messages SET failure_kind = CASE error
        WHEN 'daily message limit reached' THEN 'daily_limit'
        WHEN 'contact opted out' THEN 'opted_out'
        ELSE 'unknown' END
    WHERE status = 'failed';
ALTER TABLE messages
    ADD CONSTRAINT messages_failed_has_kind_check
        CHECK (status <> 'failed' OR failure_kind IS NOT NULL),
    ADD CONSTRAINT messages_accepted_has_no_kind_check
        CHECK (status NOT IN ('sent', 'delivered', 'read') OR failure_kind IS NULL);

-- Why a journey ended `failed` or `limited`, beside its `failure_reason`.
ALTER TABLE journeys
    ADD COLUMN failure_kind TEXT,
    ADD CONSTRAINT journeys_failure_kind_check CHECK (failure_kind IN (
        'invalid_number', 'undeliverable', 'limited', 'opted_out', 'window_closed',
        'template_rejected', 'template_paused', 'rate_limited', 'auth', 'provider_down',
        'daily_limit', 'cutoff', 'unknown'));
UPDATE journeys j SET failure_kind = CASE
        WHEN j.failure_reason = 'campaign cutoff' THEN 'cutoff'
        ELSE coalesce((SELECT m.failure_kind FROM messages m
            WHERE m.campaign_id = j.campaign_id AND m.contact_id = j.contact_id
              AND m.status = 'failed' ORDER BY m.message_type DESC LIMIT 1), 'unknown') END
    WHERE j.state = 'failed';
ALTER TABLE journeys
    ADD CONSTRAINT journeys_failure_kind_state_check
        CHECK (failure_kind IS NULL OR state IN ('failed', 'limited'));

ALTER TABLE campaign_counters ADD COLUMN limited INTEGER NOT NULL DEFAULT 0;

CREATE OR REPLACE VIEW campaign_counter_totals AS
SELECT c.id AS campaign_id, t.*
FROM campaigns c CROSS JOIN LATERAL (
    SELECT coalesce(sum(k.messages_sent), 0)::integer AS messages_sent,
        coalesce(sum(k.messages_delivered), 0)::integer AS messages_delivered,
        coalesce(sum(k.messages_read), 0)::integer AS messages_read,
        coalesce(sum(k.messages_failed), 0)::integer AS messages_failed,
        coalesce(sum(k.interactions), 0)::integer AS interactions,
        coalesce(sum(k.message_2_sent), 0)::integer AS message_2_sent,
        coalesce(sum(k.no_interaction), 0)::integer AS no_interaction,
        coalesce(sum(k.late_interaction), 0)::integer AS late_interaction,
        coalesce(sum(k.failed), 0)::integer AS failed,
        coalesce(sum(k.cancelled), 0)::integer AS cancelled,
        coalesce(sum(k.opted_out), 0)::integer AS opted_out,
        coalesce(sum(k.limited), 0)::integer AS limited
    FROM campaign_counters k WHERE k.campaign_id = c.id) t;

CREATE OR REPLACE FUNCTION campaign_final_stats(c campaigns) RETURNS JSONB
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT jsonb_build_object(
        'total_contacts', c.total_contacts, 'messages_sent', t.messages_sent,
        'messages_delivered', t.messages_delivered, 'messages_read', t.messages_read,
        'messages_failed', t.messages_failed, 'interactions', t.interactions,
        'message_2_sent', t.message_2_sent, 'no_interaction', t.no_interaction,
        'late_interaction', t.late_interaction, 'failed', t.failed, 'cancelled', t.cancelled,
        'opted_out', t.opted_out, 'limited', t.limited)
        FROM campaign_counter_totals t WHERE t.campaign_id = c.id);

-- Monitoring counts failed messages by kind.
CREATE INDEX messages_failed_kind_idx ON messages (failure_kind, created_at DESC)
    WHERE status = 'failed';
