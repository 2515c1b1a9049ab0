-- The stages of a campaign's funnel that are not journey states (the console's funnel bars):
-- whether a contact's Message 1 was accepted by the provider, delivered or read (a read message
-- was delivered, a delivered one accepted: forward-only status, R7), or whether the contact
-- interacted inside the window. One definition for every query that lists or counts them.

CREATE FUNCTION journey_reached_stage(p_campaign_id BIGINT, p_contact_id BIGINT, p_stage TEXT)
RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT CASE p_stage
        WHEN 'interacted_in_window' THEN EXISTS (
            SELECT 1 FROM interactions i
            WHERE i.campaign_id = p_campaign_id AND i.contact_id = p_contact_id AND i.within_window)
        ELSE EXISTS (
            SELECT 1 FROM messages m
            WHERE m.campaign_id = p_campaign_id AND m.contact_id = p_contact_id
              AND m.message_type = 'message_1'
              AND m.status = ANY (CASE p_stage
                  WHEN 'message_1_sent' THEN ARRAY['sent', 'delivered', 'read']
                  WHEN 'message_1_delivered' THEN ARRAY['delivered', 'read']
                  WHEN 'message_1_read' THEN ARRAY['read']
                  ELSE ARRAY[]::TEXT[] END))
    END
$$;
