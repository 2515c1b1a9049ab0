-- The campaign workflow learns its journeys' progress from this table (one query per tick)
-- instead of a signal from every journey. The query counts only the journeys not yet final, so
-- this index holds only those: a tick costs the campaign's open journeys, not its audience.
CREATE INDEX journeys_open_idx ON journeys (campaign_id, state, contact_id)
    WHERE NOT journey_state_is_final(state);
