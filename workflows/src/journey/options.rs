//! How a journey's sends are scheduled: Message 1 as a local activity, Message 2 as a regular
//! one on its own queue, both under R12's retry policy. Kept apart from the journey's flow so the
//! scheduling choices (and why) read on their own.

use campaign_activities::{
    PACING_HORIZON, PERMANENT_SEND_FAILURE, SEND_HEARTBEAT_TIMEOUT, SendMessageInput,
};
use campaign_domain::{MessageType, SendPolicy};
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_sdk::{ActivityOptions, LocalActivityOptions};

use crate::LOCAL_RETRY_HORIZON;
use crate::protocol::JourneyInput;

/// First wait before retrying a send that ended without saying when to retry (its worker died,
/// or the database failed) ...
const UNEXPLAINED_RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// ... doubling up to this: a dead worker's send is picked up in seconds, a database outage is
/// asked again every few seconds.
const UNEXPLAINED_RETRY_MAX_INTERVAL: Duration = Duration::from_secs(10);

pub(super) fn send_input(input: &JourneyInput, message_type: MessageType) -> SendMessageInput {
    SendMessageInput {
        campaign_id: input.campaign_id,
        contact_id: input.contact_id,
        message_type,
        policy: input.send_policy,
        pacing: input
            .pacing
            .filter(|_| message_type == MessageType::Message1),
        quiet_hours: input
            .quiet_hours
            .clone()
            .filter(|_| message_type == MessageType::Message1),
    }
}

/// Message 1 is sent by a local activity, in the workflow task that released the journey: its
/// result is a marker in the same history write that starts the window timer, where a regular
/// activity costs three more writes and a second workflow task (no-reply journeys are most of a
/// campaign). Message 2 stays a regular activity on its own queue and slots (R11). A wait longer
/// than [`PACING_HORIZON`] (pacing slot, breaker pause) becomes a durable timer instead of
/// holding the workflow task open. A worker that dies mid-send loses its workflow task, which
/// Temporal hands to another worker after the task timeout; the send's attempt count and
/// reference lookup keep that retry from sending twice, as for any retry.
pub(super) fn message_1_options(policy: &SendPolicy) -> LocalActivityOptions {
    LocalActivityOptions::builder()
        .start_to_close_timeout(policy.attempt_timeout())
        .schedule_to_close_timeout(LOCAL_RETRY_HORIZON)
        .timer_backoff_threshold(PACING_HORIZON)
        .retry_policy(send_retry_policy())
        .build()
}

/// Message 2: a regular activity on its own queue, heartbeating (see the worker's module docs).
pub(super) fn message_2_options(policy: &SendPolicy, task_queue: &str) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(policy.attempt_timeout())
        .task_queue(task_queue.to_owned())
        .heartbeat_timeout(SEND_HEARTBEAT_TIMEOUT)
        .retry_policy(send_retry_policy())
        .build()
}

/// R12 as a Temporal retry policy. The activity sets each delay explicitly from the same formula
/// (at least the rate-limit minimum after a 429) and gives up after `max_attempts` provider
/// calls, counted in the database: waiting for a pacing slot or the end of a breaker pause is a
/// retry too, and must not use up attempts, so Temporal's own count is unbounded. The policy's
/// own intervals apply only where the activity could not say: a worker that died (its heartbeats
/// stopped) or a database error, both retried within seconds.
pub(super) fn send_retry_policy() -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(UNEXPLAINED_RETRY_INTERVAL)
        .backoff_coefficient(2.0)
        .maximum_interval(UNEXPLAINED_RETRY_MAX_INTERVAL)
        .non_retryable_error_types([PERMANENT_SEND_FAILURE])
        .build()
}
