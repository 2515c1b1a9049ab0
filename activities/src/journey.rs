//! The activities of a contact journey: send a message, record interactions, record the outcome.
//!
//! Sending is where exactly-once is won or lost, so [`JourneyActivities::send_message`] is
//! idempotent across retries and crashes: the store says whether an earlier attempt already got
//! the message accepted (then nothing is sent), and when an earlier attempt died between the
//! provider's acceptance and the database write, the provider is asked for the message by its
//! deterministic reference before sending again.

use campaign_domain::retry::rate_limited_delay;
use campaign_domain::sending::{
    DAILY_LIMIT_REASON, FREQUENCY_CAP_REASON, JOURNEY_CLOSED_REASON, OPTED_OUT_REASON,
    WINDOW_CLOSED_REASON,
};
use campaign_domain::{
    BreakerPolicy, ConsentChange, FailureKind, InteractionType, JourneyState, MessageReference,
    MessageType, Pacing, QuietHoursPolicy, SendPolicy, retry_delay,
};
use campaign_provider::{OutgoingContent, OutgoingMessage, ProviderError, WhatsAppProvider};
use campaign_store::{
    AcceptedSend, AttemptCount, NewInteraction, SendPreparation, SendResult, SlotReservation,
    Store, StoreError,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::metrics::{EngineMetrics, SendOutcome, SendWait};

mod answers;
mod send;
use answers::{limited, opted_out, prepared_ids};

/// A pacing slot further away than this is not reserved: the send waits as a delayed retry, so
/// no activity sleeps for long holding a worker slot (Message 1, a local activity, waits longer
/// ones on a durable timer).
pub const PACING_HORIZON: Duration = Duration::from_secs(5);
/// Time kept between the end of a provider call and the attempt's Temporal deadline, for
/// recording its result.
const DEADLINE_MARGIN: Duration = Duration::from_secs(1);
/// Shortest wait before asking again for a slot or whether the pause is over.
const MIN_WAIT: Duration = Duration::from_millis(50);
/// Time added to a provider call's bound before a retry may ask the provider whether the call
/// got through: a request cut off on our side may still be taken in by the provider a moment
/// later, and the lookup must not miss it and send again.
const CALL_END_MARGIN: Duration = Duration::from_secs(2);
/// How much longer than [`CALL_END_MARGIN`] a retry waits, on a provider without a search of
/// sent messages (Meta), before it trusts the receipts: the status webhook echoing our reference
/// arrives seconds after the provider's acceptance.
const RECEIPT_MARGIN: Duration = Duration::from_secs(20);
/// How long a send of a paused campaign (R13-like: a wait, not a failure) waits before it looks
/// again whether an operator resumed it.
pub const PAUSED_RECHECK: Duration = Duration::from_secs(10);
/// How often a send reports that its worker is alive.
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
/// How long a send may go without a heartbeat before Temporal gives it to another worker: a
/// worker that died mid-send is replaced in seconds, not after the attempt's whole timeout.
pub const SEND_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageInput {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub message_type: MessageType,
    pub policy: SendPolicy,
    /// R11 pacing of Message 1, when the campaign paces its sends.
    pub pacing: Option<Pacing>,
    /// R21 quiet hours of Message 1 (absent from sends scheduled before them).
    #[serde(default)]
    pub quiet_hours: Option<QuietHoursPolicy>,
}

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub provider_message_id: String,
    /// When the provider accepted it (R2), Unix milliseconds.
    pub sent_at_ms: i64,
    /// For a Message 1 accepted by an earlier run of the journey (a retry after its Message 2
    /// failed): when the contact first answered, so the journey can go straight to Message 2.
    #[serde(default)]
    pub answered_at_ms: Option<i64>,
}

/// An interaction as a journey records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRecord {
    pub provider_message_id: String,
    pub interaction_type: InteractionType,
    pub phone: String,
    pub content: Option<String>,
    pub received_at_ms: i64,
    pub within_window: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordInteractionsInput {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub interactions: Vec<InteractionRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyOutcomeInput {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub state: JourneyState,
    pub reason: Option<String>,
}

/// Everything the journey activities need, shared by all activity tasks of a worker.
#[derive(Clone)]
pub struct JourneyActivities {
    store: Store,
    provider: Arc<dyn WhatsAppProvider>,
    daily_limit: i32,
    breaker: BreakerPolicy,
    /// The longest a provider call may take: the provider client's own request timeout.
    call_timeout: Duration,
    metrics: EngineMetrics,
}

impl JourneyActivities {
    pub fn new(
        store: Store,
        provider: Arc<dyn WhatsAppProvider>,
        daily_limit: i32,
        breaker: BreakerPolicy,
        call_timeout: Duration,
        metrics: EngineMetrics,
    ) -> Self {
        JourneyActivities {
            store,
            provider,
            daily_limit,
            breaker,
            call_timeout,
            metrics,
        }
    }
}

fn new_interactions(input: &RecordInteractionsInput) -> Vec<NewInteraction> {
    input
        .interactions
        .iter()
        .map(|interaction| NewInteraction {
            campaign_id: Some(input.campaign_id),
            contact_id: Some(input.contact_id),
            phone: interaction.phone.clone(),
            interaction_type: interaction.interaction_type.as_str().to_owned(),
            provider_message_id: interaction.provider_message_id.clone(),
            content: interaction.content.clone(),
            received_at: DateTime::from_timestamp_millis(interaction.received_at_ms)
                .unwrap_or_else(Utc::now),
            within_window: interaction.within_window,
        })
        .collect()
}

/// Failure type of permanent send errors: the journey's retry policy never retries it (R12).
pub const PERMANENT_SEND_FAILURE: &str = "PermanentSendFailure";
/// Failure type of a send refused because its contact opted out (R19): the journey ends
/// `opted_out`, not `failed`.
pub const CONTACT_OPTED_OUT: &str = "ContactOptedOut";
/// Failure type of a send Meta refused under its per-user marketing limit (131049, kind
/// [`FailureKind::Limited`]): never retried, the journey ends `limited`, not `failed`.
pub const CONTACT_LIMITED: &str = "ContactLimited";

fn permanent(reason: impl Into<String>) -> ActivityError {
    ApplicationFailure::builder(reason.into())
        .type_name(PERMANENT_SEND_FAILURE.to_owned())
        .non_retryable(true)
        .build()
        .into()
}

fn database(err: StoreError) -> ActivityError {
    ApplicationFailure::builder(err)
        .type_name("DatabaseError".to_owned())
        .build()
        .into()
}

// Each activity runs in a span carrying its journey's ids, so every line logged inside it (by the
// store, the provider client, the SDK) can be found by campaign and contact (docs/OPERATIONS.md).
#[activities]
impl JourneyActivities {
    /// Sends Message 1 or Message 2 of one journey at most once (see the module docs). Waits
    /// while the circuit breaker pauses sending (R13) and, for Message 1, for the end of the
    /// contact's quiet hours (R21) and for a pacing slot (R11): waiting is a retry with a delay,
    /// never a failed attempt. As a regular activity
    /// (Message 2) it heartbeats throughout, so that a worker that dies mid-send is replaced
    /// within [`SEND_HEARTBEAT_TIMEOUT`]; as a local activity (Message 1) its workflow task
    /// stands for it.
    #[activity]
    #[tracing::instrument(name = "send_message", skip_all, fields(
        campaign_id = input.campaign_id, contact_id = input.contact_id,
        message_type = %input.message_type))]
    pub async fn send_message(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SendMessageInput,
    ) -> Result<SentMessage, ActivityError> {
        let sending = self.send_once(input);
        tokio::pin!(sending);
        // The first heartbeat only after an interval: most sends end sooner, and a heartbeat is
        // a write on the Temporal server.
        loop {
            if let Ok(result) = tokio::time::timeout(HEARTBEAT_INTERVAL, &mut sending).await {
                return result;
            }
            let _ = ctx.record_heartbeat(()).await;
        }
    }

    /// Records interactions of one journey, deduplicated by provider message id (R6).
    #[activity]
    #[tracing::instrument(name = "record_interactions", skip_all,
        fields(campaign_id = input.campaign_id, contact_id = input.contact_id))]
    pub async fn record_interactions(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: RecordInteractionsInput,
    ) -> Result<u32, ActivityError> {
        let rows = new_interactions(&input);
        let inserted = self
            .store
            .record_interactions(&rows)
            .await
            .map_err(database)?;
        if inserted.len() < rows.len() {
            tracing::info!(
                campaign_id = input.campaign_id,
                contact_id = input.contact_id,
                duplicates = rows.len() - inserted.len(),
                "duplicate interactions ignored"
            );
        }
        Ok(inserted.len() as u32)
    }

    /// Records interactions that reached a journey after it had decided its outcome (see
    /// `Store::record_late_interaction`): a `no_interaction` journey becomes `late_interaction`
    /// (R4).
    #[activity]
    #[tracing::instrument(name = "record_late_interactions", skip_all,
        fields(campaign_id = input.campaign_id, contact_id = input.contact_id))]
    pub async fn record_late_interactions(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: RecordInteractionsInput,
    ) -> Result<u32, ActivityError> {
        let mut recorded = 0;
        for row in new_interactions(&input) {
            if self
                .store
                .record_late_interaction(&row)
                .await
                .map_err(database)?
            {
                recorded += 1;
            }
        }
        tracing::info!(recorded, "late interactions recorded");
        Ok(recorded)
    }

    /// Records a journey's final state (idempotent: a final journey keeps its state).
    #[activity]
    #[tracing::instrument(name = "record_outcome", skip_all,
        fields(campaign_id = input.campaign_id, contact_id = input.contact_id))]
    pub async fn record_outcome(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: JourneyOutcomeInput,
    ) -> Result<(), ActivityError> {
        self.store
            .finish_journey(
                input.campaign_id,
                input.contact_id,
                input.state,
                input.reason.as_deref(),
            )
            .await
            .map_err(database)?;
        tracing::info!(state = input.state.as_str(), "journey outcome recorded");
        Ok(())
    }
}
