//! Lookups of the webhook bridge: which journey an inbound message belongs to.

use super::{Store, StoreError};

impl Store {
    /// The contact with this phone (E.164 with `+`), if any.
    pub async fn contact_id_by_phone(&self, phone: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM contacts WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The journey whose Message 1 reached this phone most recently: where an answer that quotes
    /// nothing belongs (SPEC section 7).
    pub async fn latest_message_1_journey(
        &self,
        phone: &str,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT j.campaign_id, j.contact_id FROM contacts k \
             JOIN journeys j ON j.contact_id = k.id \
             WHERE k.phone = $1 AND j.message_1_sent_at IS NOT NULL \
             ORDER BY j.message_1_sent_at DESC LIMIT 1",
        )
        .bind(phone)
        .fetch_optional(&self.pool)
        .await?)
    }
}

impl Store {
    /// Whether a message with this provider id has been recorded as accepted.
    pub async fn message_recorded(&self, provider_message_id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE provider_message_id = $1)",
        )
        .bind(provider_message_id)
        .fetch_one(&self.pool)
        .await?)
    }
}
