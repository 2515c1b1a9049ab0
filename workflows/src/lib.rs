//! Temporal workflows of the campaign engine.
//!
//! Workflow code is replayed from history after every crash, so it holds no I/O, reads time only
//! from the workflow clock, races signals against timers with the SDK's deterministic `select!`,
//! and takes every duration from its input (R16): changing configuration never alters a journey
//! already running.

pub mod campaign;
pub mod consent;
pub mod journey;
pub mod protocol;
pub mod schedule;
pub mod verification;

pub use campaign::Campaign;
pub use consent::{ConfirmationInput, OptOutConfirmation};
pub use journey::{ContactJourney, DELIVERY_FAILURE_PATCH, SENDING_MESSAGE_2_PATCH};
pub use protocol::{
    CAMPAIGN_ID, CampaignInput, CampaignProgress, CampaignStatus, DeliveryFailure, Interaction,
    JOURNEY_STATE, JourneyInput, JourneyOutcome, JourneyStatus, TaskQueues,
};
pub use schedule::{
    LaunchScheduledInput, LaunchScheduledOutcome, ScheduledLaunch, ScheduledLaunchInput,
};
pub use verification::{VerifyNumbers, VerifyNumbersInput};

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Every patch of the workflow code, oldest first. A change to what a workflow does (its
/// commands: activities, timers, markers, search attributes) goes under a new patch, so that
/// workflows started by an earlier release replay as they ran (docs/OPERATIONS.md, "Deploying
/// while workflows run"). A worker may hold new ones back during a rolling deploy
/// (`WORKER_HELD_PATCHES`).
pub const PATCHES: &[&str] = &[DELIVERY_FAILURE_PATCH, SENDING_MESSAGE_2_PATCH];
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityOptions, LocalActivityOptions, WorkflowCancellationToken};

/// Longest a store-only activity attempt may take.
const BOOKKEEPING_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a local activity keeps retrying. The SDK gives up after 100 s when no limit is set,
/// where a regular activity retries for ever; a database outage or a long pacing wait must delay
/// a journey, not fail it. Far beyond any campaign's cutoff.
pub(crate) const LOCAL_RETRY_HORIZON: Duration = Duration::from_secs(30 * 24 * 3600);

/// Store-only activities retry until Postgres answers, so an outage delays a campaign but never
/// loses an interaction or an outcome.
fn bookkeeping_retry_policy() -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_millis(500))
        .maximum_interval(Duration::from_secs(30))
        .build()
}

/// Options of the store-only activities that run as regular activities: those that may take
/// long (cancelling thousands of journeys) or wait on purpose.
pub(crate) fn bookkeeping_options() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(BOOKKEEPING_ATTEMPT_TIMEOUT)
        .retry_policy(bookkeeping_retry_policy())
        .build()
}

/// Options of the short store-only activities, run as local activities: in the worker that runs
/// the workflow task, recorded as one marker event, with no task queue round trip and no
/// workflow task of their own. Long retries (an outage) wait on a durable timer.
pub(crate) fn local_bookkeeping_options() -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(BOOKKEEPING_ATTEMPT_TIMEOUT)
        .schedule_to_close_timeout(LOCAL_RETRY_HORIZON)
        .retry_policy(bookkeeping_retry_policy())
        .build()
}

/// Unix milliseconds of a workflow clock reading (0 before the first activation has a time).
pub(crate) fn unix_ms(time: Option<SystemTime>) -> i64 {
    time.and_then(|now| now.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since_epoch| since_epoch.as_millis() as i64)
}

/// Options whose activity runs to completion even when its workflow is being cancelled: the
/// closing bookkeeping a stop or cutoff must not cut short.
pub(crate) fn detached(mut options: ActivityOptions) -> ActivityOptions {
    options.cancellation_token = Some(WorkflowCancellationToken::new());
    options
}

/// [`detached`] for a local activity.
pub(crate) fn detached_local(mut options: LocalActivityOptions) -> LocalActivityOptions {
    options.cancellation_token = Some(WorkflowCancellationToken::new());
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_reading_is_unix_milliseconds() {
        let reading = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(unix_ms(Some(reading)), 1_700_000_000_123);
    }

    #[test]
    fn no_clock_reading_yet_is_zero() {
        assert_eq!(unix_ms(None), 0);
    }
}
