//! Lookups of the webhook bridge: which journey an inbound message belongs to.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How much later than a reply's stamp a Message 1 may have started and still be the one it
/// answers: the provider stamps whole seconds (up to 1 s early), and its clock is not ours.
const ATTRIBUTION_SLACK: Duration = Duration::from_secs(2);

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

    /// The journey an inbound message from this phone belongs to (SPEC §7): the quoted
    /// one while it is open and its contact has this phone, else the one whose Message 1 reached
    /// this phone most recently before the message was sent (open or not: a closed one records
    /// the reply as late).
    ///
    /// A Message 1 may have reached the phone from the moment its first provider call started,
    /// before the database shows it accepted: a worker that died between the provider's
    /// acceptance and its record leaves the message unrecorded until a retry finds it at the
    /// provider, and the contact may answer meanwhile. So journeys count from that call, and a
    /// reply from a phone with a Message 1 on its way reaches that journey. Provider times have
    /// whole seconds, and come from another clock than ours, hence [`ATTRIBUTION_SLACK`].
    pub async fn journey_for_interaction(
        &self,
        phone: &str,
        quoted: Option<(i64, i64)>,
        received_at: DateTime<Utc>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT j.campaign_id, j.contact_id FROM contacts k \
             JOIN journeys j ON j.contact_id = k.id \
             LEFT JOIN messages m1 ON m1.campaign_id = j.campaign_id AND m1.contact_id = j.contact_id \
               AND m1.message_type = 'message_1' \
             CROSS JOIN LATERAL (SELECT coalesce(j.campaign_id = $2 AND j.contact_id = $3 \
               AND NOT journey_state_is_final(j.state), false) AS open_and_quoted, \
               coalesce(m1.first_call_at, j.message_1_sent_at) AS reachable_from) q \
             WHERE k.phone = $1 AND (q.reachable_from IS NOT NULL OR q.open_and_quoted) \
             ORDER BY q.open_and_quoted DESC, \
               (q.reachable_from <= $4 + make_interval(secs => $5)) DESC NULLS LAST, \
               q.reachable_from DESC NULLS LAST LIMIT 1",
        )
        .bind(phone)
        .bind(quoted.map(|(campaign_id, _)| campaign_id))
        .bind(quoted.map(|(_, contact_id)| contact_id))
        .bind(received_at)
        .bind(ATTRIBUTION_SLACK.as_secs_f64())
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
