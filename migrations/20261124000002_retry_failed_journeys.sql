-- Retrying a campaign gives its failed journeys a new start: `failed` may go back to `queued`
-- (and nothing else leaves a final state, except the late-reply refinement of R4).
CREATE OR REPLACE FUNCTION journeys_keep_final_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF journey_state_is_final(OLD.state) AND NEW.state <> OLD.state
       AND NOT (OLD.state = 'no_interaction' AND NEW.state = 'late_interaction')
       AND NOT (OLD.state = 'failed' AND NEW.state = 'queued') THEN
        RAISE EXCEPTION 'journey (%, %) is final (%); cannot become %',
            OLD.campaign_id, OLD.contact_id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journeys_final_state_check';
    END IF;
    RETURN NEW;
END $$;
