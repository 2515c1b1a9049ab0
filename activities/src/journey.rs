//! The activities of a contact journey: send a message, record interactions, record the outcome.
//!
//! Sending is where exactly-once is won or lost, so [`JourneyActivities::send_message`] is
//! idempotent across retries and crashes: the store says whether an earlier attempt already got
//! the message accepted (then nothing is sent), and when an earlier attempt died between the
//! provider's acceptance and the database write, the provider is asked for the message by its
//! deterministic reference before sending again.

use crate::provider::{OutgoingMessage, ProviderError, WhatsAppProvider};
use crate::store::{DAILY_LIMIT_REASON, NewInteraction, SendPreparation, Store, StoreError};
use campaign_domain::retry::rate_limited_delay;
use campaign_domain::{InteractionType, JourneyState, MessageType, retry_delay};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// R12 retry settings, copied into each journey's input at launch (R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// `RETRY_BASE_DELAY`: attempt `n` waits `base × 2^(n-1)` before the next.
    pub retry_base_delay_ms: u64,
    /// The least a provider rate-limit answer waits.
    pub rate_limit_delay_ms: u64,
    /// How long one attempt may take before Temporal gives it to another worker (a worker that
    /// died mid-send is detected after this).
    pub attempt_timeout_ms: u64,
}

impl SendPolicy {
    pub fn retry_base_delay(&self) -> Duration {
        Duration::from_millis(self.retry_base_delay_ms)
    }

    pub fn attempt_timeout(&self) -> Duration {
        Duration::from_millis(self.attempt_timeout_ms)
    }
}

impl Default for SendPolicy {
    fn default() -> Self {
        SendPolicy {
            max_attempts: 3,
            retry_base_delay_ms: 60_000,
            rate_limit_delay_ms: 60_000,
            attempt_timeout_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessageInput {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub message_type: MessageType,
    pub policy: SendPolicy,
}

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub provider_message_id: String,
    /// When the provider accepted it (R2), Unix milliseconds.
    pub sent_at_ms: i64,
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

/// The provider reference of a message: the same for every attempt, so a retry can find out
/// whether an earlier attempt was accepted.
pub fn message_reference(campaign_id: i64, contact_id: i64, message_type: MessageType) -> String {
    format!("campaign-{campaign_id}-contact-{contact_id}-{message_type}")
}

/// Everything the journey activities need, shared by all activity tasks of a worker.
#[derive(Clone)]
pub struct JourneyActivities {
    store: Store,
    provider: Arc<dyn WhatsAppProvider>,
    daily_limit: i32,
}

impl JourneyActivities {
    pub fn new(store: Store, provider: Arc<dyn WhatsAppProvider>, daily_limit: i32) -> Self {
        JourneyActivities {
            store,
            provider,
            daily_limit,
        }
    }
}

fn permanent(reason: impl Into<String>) -> ActivityError {
    ApplicationFailure::builder(reason.into())
        .type_name("PermanentSendFailure".to_owned())
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

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

#[activities]
impl JourneyActivities {
    /// Sends Message 1 or Message 2 of one journey at most once (see the module docs).
    #[activity]
    pub async fn send_message(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: SendMessageInput,
    ) -> Result<SentMessage, ActivityError> {
        let attempt = ctx.info().attempt;
        let SendMessageInput {
            campaign_id,
            contact_id,
            message_type,
            policy,
        } = input;
        let prepared = match self
            .store
            .prepare_send(campaign_id, contact_id, message_type, self.daily_limit)
            .await
            .map_err(database)?
        {
            SendPreparation::Send(prepared) => prepared,
            SendPreparation::AlreadySent(accepted) => {
                tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                    "duplicate send attempt: message already accepted, not sending again");
                return Ok(SentMessage {
                    provider_message_id: accepted.provider_message_id,
                    sent_at_ms: millis(accepted.sent_at),
                });
            }
            SendPreparation::AlreadyFailed { reason } => return Err(permanent(reason)),
            SendPreparation::DailyLimitReached => {
                tracing::warn!(campaign_id, contact_id, %message_type, "send refused: daily limit reached");
                return Err(permanent(DAILY_LIMIT_REASON));
            }
        };

        let reference = message_reference(campaign_id, contact_id, message_type);
        if prepared.attempts > 1 {
            match self.provider.find_by_reference(&reference).await {
                Ok(Some(earlier)) => {
                    let accepted = self
                        .store
                        .mark_sent(prepared.message_id, &earlier.provider_message_id)
                        .await
                        .map_err(database)?;
                    tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                        "earlier attempt was accepted by the provider; recorded it instead of sending again");
                    return Ok(SentMessage {
                        provider_message_id: accepted.provider_message_id,
                        sent_at_ms: millis(accepted.sent_at),
                    });
                }
                Ok(None) => {}
                Err(err) => {
                    self.store
                        .note_send_error(prepared.message_id, &err.to_string())
                        .await
                        .map_err(database)?;
                    return Err(self
                        .retry_or_give_up(prepared.message_id, attempt, &policy, err)
                        .await);
                }
            }
        }

        let outgoing = OutgoingMessage {
            phone: prepared.phone,
            message: prepared.content,
            reference,
        };
        match self.provider.send_message(&outgoing).await {
            Ok(accepted) => {
                let accepted = self
                    .store
                    .mark_sent(prepared.message_id, &accepted.provider_message_id)
                    .await
                    .map_err(database)?;
                tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                    attempt, "message sent");
                Ok(SentMessage {
                    provider_message_id: accepted.provider_message_id,
                    sent_at_ms: millis(accepted.sent_at),
                })
            }
            Err(err) => {
                tracing::warn!(campaign_id, contact_id, %message_type, attempt, error = %err, "send failed");
                self.store
                    .note_send_error(prepared.message_id, &err.to_string())
                    .await
                    .map_err(database)?;
                Err(self
                    .retry_or_give_up(prepared.message_id, attempt, &policy, err)
                    .await)
            }
        }
    }

    /// Records interactions of one journey, deduplicated by provider message id (R6).
    #[activity]
    pub async fn record_interactions(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: RecordInteractionsInput,
    ) -> Result<u32, ActivityError> {
        let rows: Vec<NewInteraction> = input
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
            .collect();
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
    /// Turns a provider error into Temporal's next step: permanent errors and the last attempt
    /// fail the message for good; other errors retry after the R12 delay.
    async fn retry_or_give_up(
        &self,
        message_id: i64,
        attempt: u32,
        policy: &SendPolicy,
        err: ProviderError,
    ) -> ActivityError {
        let reason = match &err {
            ProviderError::Permanent { .. } => err.to_string(),
            _ if attempt >= policy.max_attempts => {
                format!("gave up after {attempt} attempts: {err}")
            }
            ProviderError::RateLimited { .. } => {
                let delay = rate_limited_delay(
                    attempt,
                    policy.retry_base_delay(),
                    Duration::from_millis(policy.rate_limit_delay_ms),
                );
                return ApplicationFailure::builder(err.to_string())
                    .type_name("RateLimited".to_owned())
                    .next_retry_delay(delay)
                    .build()
                    .into();
            }
            ProviderError::Retryable { .. } => {
                return ApplicationFailure::builder(err.to_string())
                    .type_name("RetryableSendFailure".to_owned())
                    .next_retry_delay(retry_delay(attempt, policy.retry_base_delay()))
                    .build()
                    .into();
            }
        };
        if let Err(store_err) = self.store.fail_message(message_id, &reason).await {
            return database(store_err);
        }
        permanent(reason)
    }
}
