-- One definition each of two things several statements of the store share, so they cannot drift
-- apart: the statistics a campaign keeps in `final_stats` when it ends, and the advisory lock a
-- launch or retry holds until it commits (the audience read waits on it, shared).

CREATE FUNCTION campaign_final_stats(c campaigns) RETURNS JSONB
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN jsonb_build_object(
        'total_contacts', c.total_contacts, 'messages_sent', c.messages_sent,
        'messages_delivered', c.messages_delivered, 'messages_read', c.messages_read,
        'messages_failed', c.messages_failed, 'interactions', c.interactions,
        'message_2_sent', c.message_2_sent, 'no_interaction', c.no_interaction,
        'late_interaction', c.late_interaction, 'failed', c.failed, 'cancelled', c.cancelled);

-- The two-key form keeps the launch lock apart from single-key advisory locks.
CREATE FUNCTION lock_campaign_launch(campaign_id BIGINT) RETURNS VOID
    LANGUAGE sql
    AS $$ SELECT pg_advisory_xact_lock(hashtext('campaign_launch'), (campaign_id % 2147483648)::int) $$;

CREATE FUNCTION wait_for_campaign_launch(campaign_id BIGINT) RETURNS VOID
    LANGUAGE sql
    AS $$ SELECT pg_advisory_xact_lock_shared(hashtext('campaign_launch'), (campaign_id % 2147483648)::int) $$;
