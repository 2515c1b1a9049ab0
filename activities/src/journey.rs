//! The activities of a contact journey: send a message, record interactions, record the outcome.
//!
//! Sending is where exactly-once is won or lost, so [`JourneyActivities::send_message`] is
//! idempotent across retries and crashes: the store says whether an earlier attempt already got
//! the message accepted (then nothing is sent), and when an earlier attempt died between the
//! provider's acceptance and the database write, the provider is asked for the message by its
//! deterministic reference before sending again.

use campaign_domain::retry::rate_limited_delay;
use campaign_domain::sending::{
    DAILY_LIMIT_REASON, JOURNEY_CLOSED_REASON, OPTED_OUT_REASON, WINDOW_CLOSED_REASON,
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
use tracing::Instrument;

mod answers;
use answers::{limited, opted_out, paused, prepared_ids};

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
}

impl JourneyActivities {
    pub fn new(
        store: Store,
        provider: Arc<dyn WhatsAppProvider>,
        daily_limit: i32,
        breaker: BreakerPolicy,
        call_timeout: Duration,
    ) -> Self {
        JourneyActivities {
            store,
            provider,
            daily_limit,
            breaker,
            call_timeout,
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
    pub async fn send_message(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SendMessageInput,
    ) -> Result<SentMessage, ActivityError> {
        // Every line the send logs carries the journey's ids (see `campaign_runtime::telemetry`).
        let span = tracing::info_span!(
            "send_message",
            campaign_id = input.campaign_id,
            contact_id = input.contact_id,
            message_type = %input.message_type,
        );
        let sending = self.send_once(input).instrument(span);
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
        Ok(recorded)
    }

    /// Records a journey's final state (idempotent: a final journey keeps its state).
    #[activity]
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
        Ok(())
    }
}

impl JourneyActivities {
    /// One attempt of [`JourneyActivities::send_message`].
    async fn send_once(&self, input: SendMessageInput) -> Result<SentMessage, ActivityError> {
        // Temporal's timeouts do not stop this code: a provider call still in flight when the
        // attempt is given to another worker could land after that worker's reference lookup and
        // be a second send. So every call has a bound, recorded with its attempt, and a retry
        // waits until that bound has passed before it looks the message up.
        let deadline = Instant::now()
            + Duration::from_millis(input.policy.attempt_timeout_ms)
                .saturating_sub(DEADLINE_MARGIN);
        let SendMessageInput {
            campaign_id,
            contact_id,
            message_type,
            policy,
            pacing,
            quiet_hours,
        } = input;
        let prepared = match self
            .store
            .prepare_send(campaign_id, contact_id, message_type)
            .await
            .map_err(database)?
        {
            SendPreparation::Send(prepared) => *prepared,
            SendPreparation::AlreadySent(accepted) => {
                tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                    "duplicate send attempt: message already accepted, not sending again");
                let mut sent = sent(accepted);
                if message_type == MessageType::Message1 {
                    sent.answered_at_ms = self
                        .store
                        .first_interaction_at(campaign_id, contact_id)
                        .await
                        .map_err(database)?
                        .map(|at| at.timestamp_millis());
                }
                return Ok(sent);
            }
            // A retry meets the outcome its first attempt decided, `limited` and opted out too.
            SendPreparation::AlreadyFailed { kind, reason } => {
                return Err(match kind {
                    FailureKind::Limited => limited(reason),
                    FailureKind::OptedOut => opted_out(),
                    _ => permanent(reason),
                });
            }
            SendPreparation::JourneyClosed => {
                tracing::info!(campaign_id, contact_id, %message_type, "send skipped: journey already closed");
                return Err(permanent(JOURNEY_CLOSED_REASON));
            }
            SendPreparation::CampaignPaused { reason } => {
                return Err(paused(&reason));
            }
            SendPreparation::Unsendable { kind, reason } => {
                tracing::warn!(campaign_id, contact_id, %message_type, %kind, %reason, "send refused: cannot be composed");
                return Err(permanent(reason));
            }
        };

        // Meta refuses a second message to one contact too soon after the first (131056):
        // Message 2 keeps the provider's pair interval after Message 1.
        let pair_interval =
            chrono::Duration::from_std(self.provider.pair_interval()).unwrap_or_default();
        if let Some(message_1_at) = prepared
            .message_1_sent_at
            .filter(|_| message_type == MessageType::Message2)
        {
            match (message_1_at + pair_interval - Utc::now()).to_std() {
                Ok(wait) if wait > PACING_HORIZON => {
                    return Err(wait_until(
                        message_1_at + pair_interval,
                        "keeping the provider's interval between two messages to a contact",
                    ));
                }
                Ok(wait) => tokio::time::sleep(wait).await,
                Err(_) => {}
            }
        }
        if let Some(until) = self.store.sending_paused_until().await.map_err(database)? {
            return Err(wait_until(until, "sending paused by the circuit breaker"));
        }
        // R21: checked before a pacing slot is taken, so a held send holds no slot. Message 2
        // answers a contact who just wrote and is never held.
        let quiet = quiet_hours.filter(|_| message_type == MessageType::Message1);
        if let Some(quiet) = quiet {
            let zone = quiet.zone_for(prepared.time_zone.as_deref());
            if let Some(open) = quiet.hours.next_open(Utc::now(), zone) {
                return Err(wait_until(open, "quiet hours in the contact's time zone"));
            }
        }
        let paced = pacing.filter(|p| message_type == MessageType::Message1 && p.interval_ms > 0);
        if let Some(pacing) = paced {
            match self
                .store
                .reserve_send_slot(campaign_id, &pacing, PACING_HORIZON)
                .await
                .map_err(database)?
            {
                SlotReservation::Granted { at } => {
                    if let Ok(wait) = (at - Utc::now()).to_std() {
                        tokio::time::sleep(wait).await;
                    }
                }
                SlotReservation::Wait { until } => {
                    return Err(wait_until(until, "waiting for a pacing slot"));
                }
            }
        }

        // A paced call waits here for the pacing gate (R11), which a late earlier call may have
        // moved past this send's slot.
        let (attempts, call_ends) = loop {
            let call_ends = deadline.min(Instant::now() + self.call_timeout);
            let call_bound =
                call_ends.saturating_duration_since(Instant::now()) + self.lookup_margin();
            let counted = self
                .store
                .count_attempt(
                    prepared.message_id,
                    self.daily_limit,
                    call_bound,
                    paced.as_ref().map(|pacing| (campaign_id, pacing)),
                )
                .await
                .map_err(database)?;
            let attempts = match counted {
                AttemptCount::Counted(attempts) => attempts,
                AttemptCount::PacingGate { until } => {
                    match (until - Utc::now()).to_std() {
                        Ok(wait) if wait > PACING_HORIZON => {
                            return Err(wait_until(until, "waiting for a pacing slot"));
                        }
                        Ok(wait) => tokio::time::sleep(wait).await,
                        Err(_) => {}
                    }
                    continue;
                }
                AttemptCount::EarlierCallInFlight { until } => {
                    return Err(wait_until(
                        until,
                        "waiting for an earlier attempt's provider call to end",
                    ));
                }
                AttemptCount::JourneyClosed => {
                    tracing::info!(campaign_id, contact_id, %message_type, "send skipped: journey closed while waiting for its slot");
                    return Err(permanent(JOURNEY_CLOSED_REASON));
                }
                AttemptCount::DailyLimitReached => {
                    tracing::warn!(campaign_id, contact_id, %message_type, "send refused: daily limit reached");
                    return Err(permanent(DAILY_LIMIT_REASON));
                }
                AttemptCount::OptedOut { called_before } => {
                    let reference = MessageReference::new(campaign_id, contact_id, message_type);
                    return self
                        .refuse_opted_out(prepared.message_id, &reference, called_before)
                        .await;
                }
            };
            break (attempts, call_ends);
        };
        let reference = MessageReference::new(campaign_id, contact_id, message_type).to_string();
        if attempts > 1 {
            match self
                .earlier_acceptance(prepared.message_id, &reference)
                .await?
            {
                Ok(Some(earlier)) => {
                    let accepted = self
                        .store
                        .mark_sent(
                            prepared.message_id,
                            &earlier.provider_message_id,
                            earlier.accepted_at,
                        )
                        .await
                        .map_err(database)?;
                    tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                        "earlier attempt was accepted by the provider; recorded it instead of sending again");
                    return Ok(sent(accepted));
                }
                Ok(None) => {}
                Err(err) => {
                    return Err(self
                        .after_failure(prepared.message_id, attempts, &policy, err)
                        .await);
                }
            }
        }
        // The attempt count is in the database, so a failure that could not be recorded on the
        // last attempt never turns into one more provider call (R12).
        if attempts > i32::try_from(policy.max_attempts).unwrap_or(i32::MAX) {
            let reason = format!("gave up after {} attempts", policy.max_attempts);
            // The last attempt's outcome was never recorded: why it failed is unknown.
            self.store
                .fail_message(prepared.message_id, FailureKind::Unknown, &reason)
                .await
                .map_err(database)?;
            return Err(permanent(reason));
        }
        let Some(time_left) = call_ends.checked_duration_since(Instant::now()) else {
            // The pacing wait or the lookup used up this attempt's time: no call was made, so it
            // is not one.
            self.store
                .uncount_attempt(prepared.message_id)
                .await
                .map_err(database)?;
            return Err(ApplicationFailure::builder(
                "no time left in this attempt for the provider call",
            )
            .type_name("AttemptOutOfTime".to_owned())
            .next_retry_delay(Duration::ZERO)
            .build()
            .into());
        };

        let mut outgoing = OutgoingMessage {
            phone: prepared.phone,
            content: prepared.content,
            reference,
        };
        let mut answer = self.call(&outgoing, time_left).await;
        // Meta refuses free text outside the customer-service window (131047): Message 2 then
        // goes as the campaign's fallback template, in the same attempt.
        if let (Err(err), Some(fallback)) = (&answer, prepared.window_fallback)
            && err.kind() == FailureKind::WindowClosed
        {
            tracing::info!(campaign_id, contact_id, %message_type, "customer-service window closed: sending the fallback template");
            outgoing.content = fallback;
            let time_left = call_ends.saturating_duration_since(Instant::now());
            answer = self.call(&outgoing, time_left).await;
        }
        match answer {
            Ok(accepted) => {
                // An answer that did not say when: the acceptance was just now.
                let accepted_at = accepted.accepted_at.unwrap_or_else(Utc::now);
                let accepted = self
                    .store
                    .mark_sent(
                        prepared.message_id,
                        &accepted.provider_message_id,
                        Some(accepted_at),
                    )
                    .await
                    .map_err(database)?;
                self.store
                    .record_send_result(SendResult::Accepted, &self.breaker)
                    .await
                    .map_err(database)?;
                tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                    attempts, "message sent");
                Ok(sent(accepted))
            }
            Err(err) => {
                tracing::warn!(campaign_id, contact_id, %message_type, attempts, error = %err, "send failed");
                self.refused(
                    &prepared_ids(campaign_id, contact_id, prepared.message_id),
                    &outgoing,
                    attempts,
                    &policy,
                    err,
                )
                .await
            }
        }
    }
}

fn sent(accepted: AcceptedSend) -> SentMessage {
    SentMessage {
        provider_message_id: accepted.provider_message_id,
        sent_at_ms: accepted.sent_at.timestamp_millis(),
        answered_at_ms: None,
    }
}

/// A retry that is a wait, not a failure: sending is paused or the next pacing slot is later.
fn wait_until(until: DateTime<Utc>, why: &str) -> ActivityError {
    let delay = (until - Utc::now())
        .to_std()
        .unwrap_or_default()
        .max(MIN_WAIT);
    ApplicationFailure::builder(format!("{why} until {until}"))
        .type_name("SendWaiting".to_owned())
        .next_retry_delay(delay)
        .category(temporalio_common::error::ApplicationErrorCategory::Benign)
        .build()
        .into()
}
