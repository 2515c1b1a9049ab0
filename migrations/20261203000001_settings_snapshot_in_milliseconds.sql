-- A launched campaign's settings snapshot takes the shape the workflow runs with (milliseconds,
-- nested send policy and pacing), so the row and the workflow hold one typed snapshot (R16).
-- Drafts keep the operator's overrides, which are unchanged.
UPDATE campaigns SET settings = jsonb_build_object(
    'interaction_window_ms', round((settings ->> 'interaction_window_secs')::float8 * 1000)::bigint,
    'cutoff_ms', round((settings ->> 'cutoff_secs')::float8 * 1000)::bigint,
    'max_in_flight', (settings ->> 'max_in_flight')::bigint,
    'send_policy', jsonb_build_object(
        'max_attempts', (settings ->> 'max_send_attempts')::bigint,
        'retry_base_delay_ms', round((settings ->> 'retry_base_delay_secs')::float8 * 1000)::bigint,
        'rate_limit_delay_ms', round((settings ->> 'rate_limit_delay_secs')::float8 * 1000)::bigint,
        'attempt_timeout_ms', round((settings ->> 'send_timeout_secs')::float8 * 1000)::bigint),
    'pacing', CASE
        WHEN (settings ->> 'send_interval_secs')::float8 > 0 OR (settings ->> 'batch_pause_secs')::float8 > 0
        THEN jsonb_build_object(
            'interval_ms', round((settings ->> 'send_interval_secs')::float8 * 1000)::bigint,
            'batch_size', (settings ->> 'batch_size')::bigint,
            'batch_pause_ms', round((settings ->> 'batch_pause_secs')::float8 * 1000)::bigint)
        ELSE 'null'::jsonb END,
    'overrides', coalesce(settings -> 'overrides', '{}'::jsonb))
WHERE status <> 'draft' AND settings ? 'interaction_window_secs';
