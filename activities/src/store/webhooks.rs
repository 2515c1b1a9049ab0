//! Lookups of the webhook bridge: which journey an inbound message belongs to.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};

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

    /// The journey an inbound message from this phone belongs to (SPEC section 7): the quoted
    /// one while it is open and its contact has this phone, else the one whose Message 1
    /// reached this phone most recently before the message was sent (open or not: a closed one
    /// records the reply as late). Provider times have whole seconds, hence the second's slack.
    pub async fn journey_for_interaction(
        &self,
        phone: &str,
        quoted: Option<(i64, i64)>,
        received_at: DateTime<Utc>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT j.campaign_id, j.contact_id FROM contacts k \
             JOIN journeys j ON j.contact_id = k.id \
             CROSS JOIN LATERAL (SELECT coalesce(j.campaign_id = $2 AND j.contact_id = $3 \
               AND NOT journey_state_is_final(j.state), false) AS open_and_quoted) q \
             WHERE k.phone = $1 AND (j.message_1_sent_at IS NOT NULL OR q.open_and_quoted) \
             ORDER BY q.open_and_quoted DESC, \
               (j.message_1_sent_at <= $4 + interval '1 second') DESC NULLS LAST, \
               j.message_1_sent_at DESC NULLS LAST LIMIT 1",
        )
        .bind(phone)
        .bind(quoted.map(|(campaign_id, _)| campaign_id))
        .bind(quoted.map(|(_, contact_id)| contact_id))
        .bind(received_at)
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
