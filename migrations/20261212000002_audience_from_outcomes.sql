-- Issue 27, R23. A campaign's audience is its categories and/or the contacts of earlier
-- campaigns at a chosen outcome, minus the outcome sets it excludes. The sets are rows of the
-- draft like its categories; once launched they are the record of whom the launch reached
-- (a relaunch copies them, so it reaches the same people).
--
-- The outcome list is campaign_domain::AudienceOutcome's names, exactly; a store test compares them.

CREATE TABLE campaign_audience_sets (
    campaign_id        BIGINT NOT NULL,
    source_campaign_id BIGINT NOT NULL,
    outcome            TEXT NOT NULL,
    failure_kind       TEXT,
    exclude            BOOLEAN NOT NULL,
    CONSTRAINT campaign_audience_sets_campaign_fkey FOREIGN KEY (campaign_id)
        REFERENCES campaigns (id) ON DELETE CASCADE,
    -- A campaign that is the source of another's audience cannot disappear under it.
    CONSTRAINT campaign_audience_sets_source_fkey FOREIGN KEY (source_campaign_id)
        REFERENCES campaigns (id) ON DELETE RESTRICT,
    CONSTRAINT campaign_audience_sets_key
        UNIQUE NULLS NOT DISTINCT (campaign_id, source_campaign_id, outcome, failure_kind, exclude),
    CONSTRAINT campaign_audience_sets_outcome_check CHECK (outcome IN (
        'replied_in_time', 'message_2_sent', 'no_interaction', 'late_interaction',
        'message_1_not_delivered', 'delivered_not_read', 'failed', 'limited', 'opted_out')),
    CONSTRAINT campaign_audience_sets_kind_check CHECK (failure_kind IS NULL OR outcome = 'failed'),
    CONSTRAINT campaign_audience_sets_opted_out_check CHECK (outcome <> 'opted_out' OR exclude),
    CONSTRAINT campaign_audience_sets_not_itself_check CHECK (source_campaign_id <> campaign_id)
);
CREATE INDEX campaign_audience_sets_source_idx ON campaign_audience_sets (source_campaign_id);

-- What each outcome selects among a campaign's journeys: the one definition the preview and the
-- launch share.
CREATE FUNCTION outcome_contacts(source BIGINT, outcome TEXT, kind TEXT)
    RETURNS TABLE (contact_id BIGINT)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT j.contact_id FROM journeys j WHERE j.campaign_id = source AND CASE outcome
        WHEN 'replied_in_time' THEN EXISTS (SELECT 1 FROM interactions i
            WHERE i.campaign_id = source AND i.contact_id = j.contact_id AND i.within_window)
        WHEN 'message_2_sent' THEN j.state = 'message_2_sent'
        WHEN 'no_interaction' THEN j.state = 'no_interaction'
        WHEN 'late_interaction' THEN j.state = 'late_interaction'
        WHEN 'message_1_not_delivered' THEN EXISTS (SELECT 1 FROM messages m
            WHERE m.campaign_id = source AND m.contact_id = j.contact_id
              AND m.message_type = 'message_1' AND m.status = 'sent')
        WHEN 'delivered_not_read' THEN EXISTS (SELECT 1 FROM messages m
            WHERE m.campaign_id = source AND m.contact_id = j.contact_id
              AND m.message_type = 'message_1' AND m.status = 'delivered')
        WHEN 'failed' THEN j.state = 'failed' AND (kind IS NULL OR j.failure_kind = kind)
        WHEN 'limited' THEN j.state = 'limited'
        WHEN 'opted_out' THEN j.state = 'opted_out'
        ELSE false END;
END;

-- The audience of `categories` and `sets` (a JSON array of {campaign_id, outcome, failure_kind,
-- exclude}): every contact of the categories and of the included sets, once, minus the contacts
-- of the excluded sets. Opt-outs and the frequency cap are applied by the callers, which count them.
CREATE FUNCTION audience_contacts(categories BIGINT[], sets JSONB)
    RETURNS TABLE (contact_id BIGINT)
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT cc.contact_id FROM contact_categories cc WHERE cc.category_id = ANY (categories)
    UNION
    SELECT o.contact_id
        FROM jsonb_to_recordset(sets) AS s(campaign_id BIGINT, outcome TEXT, failure_kind TEXT, exclude BOOLEAN)
        CROSS JOIN LATERAL outcome_contacts(s.campaign_id, s.outcome, s.failure_kind) o
        WHERE NOT s.exclude
    EXCEPT
    SELECT o.contact_id
        FROM jsonb_to_recordset(sets) AS s(campaign_id BIGINT, outcome TEXT, failure_kind TEXT, exclude BOOLEAN)
        CROSS JOIN LATERAL outcome_contacts(s.campaign_id, s.outcome, s.failure_kind) o
        WHERE s.exclude;
END;

-- A campaign's own audience sets as `audience_contacts` takes them.
CREATE FUNCTION campaign_audience_sets_json(campaign BIGINT) RETURNS JSONB
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('campaign_id', s.source_campaign_id,
            'outcome', s.outcome, 'failure_kind', s.failure_kind, 'exclude', s.exclude)), '[]'::jsonb)
        FROM campaign_audience_sets s WHERE s.campaign_id = campaign);
