-- Issue 25. R3's window, written once in SQL as it is once in Rust
-- (campaign_domain::classify_interaction): an interaction counts when it was received strictly
-- less than `window_ms` after Message 1 was accepted; one stamped before the acceptance
-- (provider clock skew) counts too. The store's queries call this function instead of repeating
-- the comparison, and a store test runs both over the same generated cases.
--
-- STABLE, not IMMUTABLE: adding an interval to a TIMESTAMPTZ is only stable in Postgres.
CREATE FUNCTION interaction_within_window(sent_at TIMESTAMPTZ, received_at TIMESTAMPTZ,
        window_ms BIGINT) RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN received_at < sent_at + window_ms * INTERVAL '1 millisecond';
