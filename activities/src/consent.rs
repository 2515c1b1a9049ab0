//! The opt-out confirmation (R19): the optional text (`OPT_OUT_CONFIRMATION`) answering a
//! contact's `STOP`, sent at most once per opt-out message, counted in the daily ledger.
//!
//! Like a campaign message, the call is counted in the database before it is made, so a retry
//! after a crash asks the provider by the confirmation's reference before calling again.

use campaign_domain::ConfirmationReference;
use campaign_provider::{OutgoingContent, OutgoingMessage, WhatsAppProvider};
use campaign_store::{ConfirmationStep, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationInput {
    pub contact_id: i64,
    pub consent_change_id: i64,
    /// The text, as configured when the contact opted out.
    pub text: String,
}

/// What became of a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationOutcome {
    Sent,
    /// The contact wrote `START` before it left: no confirmation of a withdrawn opt-out.
    OptedBackIn,
    /// Today's sends reached the daily limit (R10).
    DailyLimitReached,
}

#[derive(Clone)]
pub struct ConsentActivities {
    store: Store,
    provider: Arc<dyn WhatsAppProvider>,
    daily_limit: i32,
}

impl ConsentActivities {
    pub fn new(store: Store, provider: Arc<dyn WhatsAppProvider>, daily_limit: i32) -> Self {
        ConsentActivities {
            store,
            provider,
            daily_limit,
        }
    }
}

fn failure(kind: &str, message: String, retryable: bool) -> ActivityError {
    ApplicationFailure::builder(message)
        .type_name(kind.to_owned())
        .non_retryable(!retryable)
        .build()
        .into()
}

fn database(err: StoreError) -> ActivityError {
    failure("DatabaseError", err.to_string(), true)
}

#[activities]
impl ConsentActivities {
    /// Sends the confirmation of one opt-out, once (see the module docs).
    #[activity]
    #[tracing::instrument(name = "send_opt_out_confirmation", skip_all, fields(contact_id = input.contact_id))]
    pub async fn send_opt_out_confirmation(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: ConfirmationInput,
    ) -> Result<ConfirmationOutcome, ActivityError> {
        let id = input.consent_change_id;
        let (phone, attempts) = match self
            .store
            .prepare_confirmation(id, self.daily_limit)
            .await
            .map_err(database)?
        {
            ConfirmationStep::Send { phone, attempts } => (phone, attempts),
            ConfirmationStep::AlreadySent => return Ok(ConfirmationOutcome::Sent),
            ConfirmationStep::OptedBackIn => return Ok(ConfirmationOutcome::OptedBackIn),
            ConfirmationStep::DailyLimitReached => {
                return Ok(ConfirmationOutcome::DailyLimitReached);
            }
        };
        let reference = ConfirmationReference::new(input.contact_id, id).to_string();
        if attempts > 1 {
            let earlier = self
                .provider
                .find_by_reference(&reference)
                .await
                .map_err(|err| failure("ProviderLookupFailed", err.to_string(), true))?;
            if let Some(earlier) = earlier {
                self.store
                    .mark_confirmation_sent(id, &earlier.provider_message_id)
                    .await
                    .map_err(database)?;
                return Ok(ConfirmationOutcome::Sent);
            }
        }
        let outgoing = OutgoingMessage {
            phone,
            content: OutgoingContent::text(input.text),
            reference,
        };
        match self.provider.send_message(&outgoing).await {
            Ok(accepted) => {
                self.store
                    .mark_confirmation_sent(id, &accepted.provider_message_id)
                    .await
                    .map_err(database)?;
                tracing::info!(consent_change_id = id, "opt-out confirmation sent");
                Ok(ConfirmationOutcome::Sent)
            }
            Err(err) => {
                self.store
                    .note_confirmation_error(id, &err.to_string())
                    .await
                    .map_err(database)?;
                tracing::warn!(consent_change_id = id, error = %err, "opt-out confirmation failed");
                let permanent = matches!(err, campaign_provider::ProviderError::Permanent { .. });
                Err(failure("ConfirmationFailed", err.to_string(), !permanent))
            }
        }
    }
}
