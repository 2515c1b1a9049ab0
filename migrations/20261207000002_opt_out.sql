-- R19 Opt-out. A contact who writes STOP is opted out until they write START; operators see it
-- and filter on it but cannot clear it. Each consent change is a row of `consent_changes`, keyed
-- by the provider id of the message that made it, so a redelivered webhook changes nothing; the
-- contact's current consent is the latest change by the time the contact wrote it, so webhooks
-- arriving out of order still leave the contact as their last message said.

CREATE TABLE consent_changes (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id           BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    change               TEXT NOT NULL,
    provider_message_id  TEXT NOT NULL,
    received_at          TIMESTAMPTZ NOT NULL,
    recorded_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The change opted out a contact who accepted messages until then: only such a change is
    -- confirmed, so a STOP repeated (or an auto-responder answering the confirmation) gets none.
    confirmation_due     BOOLEAN NOT NULL DEFAULT false,
    -- The optional confirmation text answering an opt-out (OPT_OUT_CONFIRMATION), sent once:
    -- its provider call is counted before it is made (a retry then asks the provider by
    -- reference first), its ledger unit consumed once.
    confirmation_attempts      INTEGER NOT NULL DEFAULT 0,
    confirmation_ledger_day    DATE,
    confirmation_provider_id   TEXT,
    confirmation_sent_at       TIMESTAMPTZ,
    confirmation_error         TEXT,
    CONSTRAINT consent_changes_change_check CHECK (change IN ('opt_out', 'opt_in')),
    CONSTRAINT consent_changes_provider_message_id_key UNIQUE (provider_message_id)
);
CREATE INDEX consent_changes_contact_idx ON consent_changes (contact_id, received_at DESC);

ALTER TABLE contacts
    ADD COLUMN opted_out_at TIMESTAMPTZ,
    -- The provider id of the message that opted the contact out.
    ADD COLUMN opt_out_message_id TEXT,
    -- The consent change in force: the latest by the time the contact wrote it (NULL: none).
    ADD COLUMN consent_change_id BIGINT REFERENCES consent_changes (id) ON DELETE SET NULL,
    ADD CONSTRAINT contacts_opt_out_source_check
        CHECK (opted_out_at IS NULL OR opt_out_message_id IS NOT NULL);
CREATE INDEX contacts_opted_out_idx ON contacts (opted_out_at) WHERE opted_out_at IS NOT NULL;

-- Only the contact changes their consent: an update that moves `opted_out_at` without a new
-- consent change in force (an edit, an import) is refused.
CREATE FUNCTION contacts_keep_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.opted_out_at IS DISTINCT FROM OLD.opted_out_at
       AND NEW.consent_change_id IS NOT DISTINCT FROM OLD.consent_change_id THEN
        RAISE EXCEPTION 'the consent of contact % is changed only by the contact', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'contacts_consent_by_contact_check';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contacts_keep_consent BEFORE UPDATE OF opted_out_at ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_keep_consent();

-- The journey's new final state.
ALTER TABLE journeys DROP CONSTRAINT journeys_state_check, ADD CONSTRAINT journeys_state_check CHECK (state IN (
    'queued', 'sending_message_1', 'awaiting_interaction', 'sending_message_2',
    'message_2_sent', 'no_interaction', 'late_interaction', 'failed', 'cancelled', 'opted_out'));
CREATE OR REPLACE FUNCTION journey_state_is_final(state TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN state IN ('message_2_sent', 'no_interaction', 'late_interaction', 'failed', 'cancelled',
        'opted_out');
-- Its predicate calls the function: rebuilt so it agrees with the new definition.
REINDEX INDEX journeys_open_idx;

ALTER TABLE campaign_counters ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;

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
        coalesce(sum(k.opted_out), 0)::integer AS opted_out
    FROM campaign_counters k WHERE k.campaign_id = c.id) t;

CREATE OR REPLACE FUNCTION campaign_final_stats(c campaigns) RETURNS JSONB
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT jsonb_build_object(
        'total_contacts', c.total_contacts, 'messages_sent', t.messages_sent,
        'messages_delivered', t.messages_delivered, 'messages_read', t.messages_read,
        'messages_failed', t.messages_failed, 'interactions', t.interactions,
        'message_2_sent', t.message_2_sent, 'no_interaction', t.no_interaction,
        'late_interaction', t.late_interaction, 'failed', t.failed, 'cancelled', t.cancelled,
        'opted_out', t.opted_out)
        FROM campaign_counter_totals t WHERE t.campaign_id = c.id);

-- How many contacts of the audience a launch left out because they had opted out.
ALTER TABLE campaigns ADD COLUMN opted_out_excluded INTEGER NOT NULL DEFAULT 0;
