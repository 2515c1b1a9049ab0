//! Receipts: the provider's word that it accepted the message sent with a reference (a status
//! webhook echoing it). On the Cloud API, which cannot search sent messages, they stand in for
//! that search when a retry after a crash asks whether an earlier attempt got through.

use super::AcceptedSend;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};

impl Store {
    /// Keeps the provider's word that it accepted the message sent with `reference` as
    /// `provider_message_id` (a status webhook echoing our reference). The first receipt of a
    /// reference stays.
    pub async fn record_receipt(
        &self,
        reference: &str,
        provider_message_id: &str,
        accepted_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            "INSERT INTO provider_receipts (reference, provider_message_id, accepted_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            reference,
            provider_message_id,
            accepted_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The acceptance a receipt shows for `reference`, as the message `message_id`.
    pub async fn receipt(
        &self,
        message_id: i64,
        reference: &str,
    ) -> Result<Option<AcceptedSend>, StoreError> {
        let row = sqlx::query!(
            "SELECT provider_message_id, accepted_at FROM provider_receipts WHERE reference = $1",
            reference,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| AcceptedSend {
            message_id,
            provider_message_id: row.provider_message_id,
            sent_at: row.accepted_at,
        }))
    }
}
