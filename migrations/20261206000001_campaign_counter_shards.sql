-- A campaign's live counters move off its `campaigns` row onto sharded rows summed on read.
-- Every message, interaction and outcome used to increment that one row, so on a durable
-- database all journeys of a campaign queued on its lock and on the WAL flush taken while holding
-- it. A write now goes to one of 16 rows of its campaign, the contact id modulo 16
-- (campaign_store::counters::COUNTER_SHARDS); a write covering many contacts (closing open
-- journeys, a retry's decrements) goes to shard 0. Only the sum of a campaign's shards means
-- something: a shard alone may even be negative (a journey counted `no_interaction` on shard 0
-- by a bulk close, refined to `late_interaction` on its contact's shard). `total_contacts` stays
-- on the campaign: it is written once, at launch.

CREATE TABLE campaign_counters (
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    shard              SMALLINT NOT NULL,
    messages_sent      INTEGER NOT NULL DEFAULT 0,
    messages_delivered INTEGER NOT NULL DEFAULT 0,
    messages_read      INTEGER NOT NULL DEFAULT 0,
    messages_failed    INTEGER NOT NULL DEFAULT 0,
    interactions       INTEGER NOT NULL DEFAULT 0,
    message_2_sent     INTEGER NOT NULL DEFAULT 0,
    no_interaction     INTEGER NOT NULL DEFAULT 0,
    late_interaction   INTEGER NOT NULL DEFAULT 0,
    failed             INTEGER NOT NULL DEFAULT 0,
    cancelled          INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT campaign_counters_pkey PRIMARY KEY (campaign_id, shard),
    -- 16 shards per campaign.
    CONSTRAINT campaign_counters_shard_check CHECK (shard BETWEEN 0 AND 15)
);

INSERT INTO campaign_counters (campaign_id, shard, messages_sent, messages_delivered, messages_read,
    messages_failed, interactions, message_2_sent, no_interaction, late_interaction, failed, cancelled)
SELECT id, 0, messages_sent, messages_delivered, messages_read, messages_failed, interactions,
    message_2_sent, no_interaction, late_interaction, failed, cancelled
FROM campaigns;

-- The one definition of a campaign's counters: its shards summed (at most 16 rows, read by
-- primary key), zeros for a campaign without any.
CREATE VIEW campaign_counter_totals AS
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
        coalesce(sum(k.cancelled), 0)::integer AS cancelled
    FROM campaign_counters k WHERE k.campaign_id = c.id) t;

-- Same keys and values as before, from the summed counters. Replaced before the columns go, as
-- the old body depends on them.
CREATE OR REPLACE FUNCTION campaign_final_stats(c campaigns) RETURNS JSONB
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT jsonb_build_object(
        'total_contacts', c.total_contacts, 'messages_sent', t.messages_sent,
        'messages_delivered', t.messages_delivered, 'messages_read', t.messages_read,
        'messages_failed', t.messages_failed, 'interactions', t.interactions,
        'message_2_sent', t.message_2_sent, 'no_interaction', t.no_interaction,
        'late_interaction', t.late_interaction, 'failed', t.failed, 'cancelled', t.cancelled)
        FROM campaign_counter_totals t WHERE t.campaign_id = c.id);

ALTER TABLE campaigns
    DROP COLUMN messages_sent,
    DROP COLUMN messages_delivered,
    DROP COLUMN messages_read,
    DROP COLUMN messages_failed,
    DROP COLUMN interactions,
    DROP COLUMN message_2_sent,
    DROP COLUMN no_interaction,
    DROP COLUMN late_interaction,
    DROP COLUMN failed,
    DROP COLUMN cancelled;
