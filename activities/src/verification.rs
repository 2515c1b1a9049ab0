//! The activity of the `VerifyNumbers` workflow: asks the provider whether contacts' numbers
//! have WhatsApp and records the answers.
//!
//! A bulk check may cover thousands of contacts and outlive an API restart, so it runs as a
//! workflow of small batches: a batch whose provider call fails is retried by Temporal, and a
//! retried batch simply checks its numbers again (recording an answer twice changes nothing).

use campaign_provider::WhatsAppProvider;
use campaign_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// What one batch found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationTally {
    pub on_whatsapp: u32,
    pub not_on_whatsapp: u32,
    /// Numbers the provider refused to check (e.g. malformed for it); left unverified.
    pub refused: u32,
}

#[derive(Clone)]
pub struct VerificationActivities {
    store: Store,
    provider: Arc<dyn WhatsAppProvider>,
}

impl VerificationActivities {
    pub fn new(store: Store, provider: Arc<dyn WhatsAppProvider>) -> Self {
        VerificationActivities { store, provider }
    }
}

fn retryable(reason: impl Into<String>) -> ActivityError {
    ApplicationFailure::builder(reason.into())
        .type_name("VerificationUnavailable".to_owned())
        .build()
        .into()
}

#[activities]
impl VerificationActivities {
    /// Checks and records the numbers of `contact_ids` (contacts deleted meanwhile are skipped).
    /// Fails, to be retried, when the provider or the database is unavailable.
    #[activity]
    #[tracing::instrument(name = "verify_numbers", skip_all, fields(contacts = contact_ids.len()))]
    pub async fn verify_numbers(
        self: Arc<Self>,
        _ctx: ActivityContext,
        contact_ids: Vec<i64>,
    ) -> Result<VerificationTally, ActivityError> {
        let contacts = self
            .store
            .contact_phones(&contact_ids)
            .await
            .map_err(|err| retryable(err.to_string()))?;
        let mut tally = VerificationTally::default();
        for (contact_id, phone) in contacts {
            let exists = match self.provider.number_exists(&phone).await {
                Ok(exists) => exists,
                Err(err) if err.is_retryable() => return Err(retryable(err.reason().to_owned())),
                Err(err) => {
                    tracing::warn!(contact_id, reason = err.reason(), "WhatsApp check refused");
                    tally.refused += 1;
                    continue;
                }
            };
            match self
                .store
                .set_whatsapp_verified(contact_id, exists, None)
                .await
            {
                Ok(_) => {}
                Err(campaign_store::StoreError::NotFound(_)) => continue,
                Err(err) => return Err(retryable(err.to_string())),
            }
            if exists {
                tally.on_whatsapp += 1;
            } else {
                tally.not_on_whatsapp += 1;
            }
        }
        Ok(tally)
    }
}
