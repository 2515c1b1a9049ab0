//! The per-recipient report of a campaign: one line per contact of its audience with what
//! happened to them, read a keyset page at a time so a 100,000-contact report streams in
//! constant memory (the API writes each page as CSV while the next is read).

use crate::{Store, StoreError};
use campaign_domain::{FailureKind, InteractionType, JourneyState, Variant};
use chrono::{DateTime, Utc};

/// One contact of a campaign and what happened to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    pub contact_id: i64,
    pub phone: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The contact's variant of Message 1 (R25), once chosen.
    pub variant: Option<Variant>,
    pub state: JourneyState,
    pub message_1_sent_at: Option<DateTime<Utc>>,
    pub message_1_delivered_at: Option<DateTime<Utc>>,
    pub message_1_read_at: Option<DateTime<Utc>>,
    pub first_interaction_at: Option<DateTime<Utc>>,
    pub first_interaction_type: Option<InteractionType>,
    pub message_2_sent_at: Option<DateTime<Utc>>,
    pub failure_kind: Option<FailureKind>,
    pub failure_reason: Option<String>,
    /// When the contact opted out (R19), if they have not opted back in.
    pub opted_out_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Up to `limit` report lines of the campaign's contacts with ids above `after`, by id.
    /// Each page follows the journeys' primary key and the messages' (campaign, contact, type)
    /// key; `Err(NotFound)` when the campaign does not exist.
    pub async fn report_page(
        &self,
        campaign_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ReportLine>, StoreError> {
        let lines = sqlx::query_as!(
            ReportLine,
            r#"SELECT j.contact_id, k.phone, k.first_name, k.last_name,
                 j.variant AS "variant: Variant", j.state AS "state: JourneyState",
                 m1.sent_at AS message_1_sent_at, m1.delivered_at AS message_1_delivered_at,
                 m1.read_at AS message_1_read_at, j.first_interaction_at,
                 (SELECT i.interaction_type FROM interactions i
                   WHERE i.campaign_id = j.campaign_id AND i.contact_id = j.contact_id
                   ORDER BY i.received_at, i.id LIMIT 1) AS "first_interaction_type: InteractionType",
                 m2.sent_at AS message_2_sent_at,
                 j.failure_kind AS "failure_kind: FailureKind", j.failure_reason, k.opted_out_at
               FROM journeys j JOIN contacts k ON k.id = j.contact_id
               LEFT JOIN messages m1 ON m1.campaign_id = j.campaign_id
                 AND m1.contact_id = j.contact_id AND m1.message_type = 'message_1'
               LEFT JOIN messages m2 ON m2.campaign_id = j.campaign_id
                 AND m2.contact_id = j.contact_id AND m2.message_type = 'message_2'
               WHERE j.campaign_id = $1 AND j.contact_id > $2
               ORDER BY j.contact_id LIMIT $3"#,
            campaign_id,
            after,
            limit,
        )
        .fetch_all(&self.pool)
        .await?;
        if lines.is_empty() && after == 0 && self.campaign_status(campaign_id).await?.is_none() {
            return Err(StoreError::NotFound("campaign"));
        }
        Ok(lines)
    }
}
