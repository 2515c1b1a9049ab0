-- R11 spaces the provider calls themselves, not only the slots reserved for them: a send that
-- reaches its call late (a slow transaction, a loaded machine) must not bring the next call
-- closer. The call is counted only once the gates below have passed, in the same transaction,
-- which moves them on from that moment: the shared clock by one interval, the campaign's by one
-- interval, or by the interval and the batch pause after every `batch_size` calls. A gate
-- without a time is open.
ALTER TABLE send_clock
    ADD COLUMN gate_at TIMESTAMPTZ;
ALTER TABLE campaigns
    ADD COLUMN paced_calls INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN pacing_gate_at TIMESTAMPTZ;
