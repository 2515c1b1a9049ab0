-- R20 scheduled launch: a draft may wait for a launch time as `scheduled` (not editable), then
-- runs like any launch, or becomes `failed` with the reason when that launch is refused.
--
-- `scheduled_at` stays once the campaign has launched (or failed), saying it was scheduled and
-- for when; the scheduled launch recognises its own campaign by it, so a launch left over from an
-- earlier schedule (unscheduled, then scheduled again) changes nothing.

ALTER TABLE campaigns
    DROP CONSTRAINT campaigns_status_check,
    ADD CONSTRAINT campaigns_status_check
        CHECK (status IN ('draft', 'scheduled', 'running', 'completed', 'failed', 'cancelled')),
    ADD COLUMN scheduled_at TIMESTAMPTZ,
    ADD COLUMN failure_reason TEXT,
    ADD CONSTRAINT campaigns_scheduled_has_time_check
        CHECK (status <> 'scheduled' OR scheduled_at IS NOT NULL),
    ADD CONSTRAINT campaigns_failure_reason_check
        CHECK (failure_reason IS NULL OR (status = 'failed' AND char_length(failure_reason) BETWEEN 1 AND 500));
