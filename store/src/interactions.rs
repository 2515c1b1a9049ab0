//! Contact interactions (R6): what a contact sent back, recorded once per provider message id,
//! attributed to the journey it answers, and counted on that journey's campaign.
//!
//! Attribution and recording are separate steps because the webhook bridge decides between them
//! whether the journey's workflow still waits for the answer (it is signalled) or has already
//! decided (the answer is late, [`Store::record_late_interaction`]).

use super::{Store, StoreError};
use crate::counters::{CounterDelta, shard_of};
use campaign_domain::{CampaignSettings, JourneyState, MessageType};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use std::time::Duration;

/// How much later than a reply's stamp a Message 1 may have started and still be the one it
/// answers: the provider stamps whole seconds (up to 1 s early), and its clock is not ours.
const ATTRIBUTION_SLACK: Duration = Duration::from_secs(2);

/// A message we sent, by the journey it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentMessageRef {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub message_type: MessageType,
}

/// A contact interaction to record (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub phone: String,
    pub interaction_type: String,
    pub provider_message_id: String,
    pub content: Option<String>,
    pub received_at: DateTime<Utc>,
    pub within_window: bool,
}

impl Store {
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
        let journey = sqlx::query!(
            "SELECT j.campaign_id, j.contact_id FROM contacts k \
             JOIN journeys j ON j.contact_id = k.id \
             LEFT JOIN messages m1 ON m1.campaign_id = j.campaign_id AND m1.contact_id = j.contact_id \
               AND m1.message_type = 'message_1' \
             CROSS JOIN LATERAL (SELECT coalesce(j.campaign_id = $2 AND j.contact_id = $3 \
               AND NOT journey_state_is_final(j.state), false) AS open_and_quoted, \
               coalesce(m1.first_call_at, j.message_1_sent_at) AS reachable_from) q \
             WHERE k.phone = $1 AND (q.reachable_from IS NOT NULL OR q.open_and_quoted) \
             ORDER BY q.open_and_quoted DESC, \
               (q.reachable_from <= $4::timestamptz + make_interval(secs => $5)) DESC NULLS LAST, \
               q.reachable_from DESC NULLS LAST LIMIT 1",
            phone,
            quoted.map(|(campaign_id, _)| campaign_id),
            quoted.map(|(_, contact_id)| contact_id),
            received_at,
            ATTRIBUTION_SLACK.as_secs_f64(),
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(journey.map(|journey| (journey.campaign_id, journey.contact_id)))
    }

    /// The journey and message type of the message we sent with this provider id (a reply's
    /// `context.id` on Meta names it), when it is ours.
    pub async fn sent_message(
        &self,
        provider_message_id: &str,
    ) -> Result<Option<SentMessageRef>, StoreError> {
        Ok(sqlx::query_as!(
            SentMessageRef,
            r#"SELECT campaign_id, contact_id, message_type AS "message_type: MessageType"
               FROM messages WHERE provider_message_id = $1"#,
            provider_message_id,
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Records interactions, deduplicated by provider message id (R6). Returns the provider ids
    /// that were new.
    pub async fn record_interactions(
        &self,
        interactions: &[NewInteraction],
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = record_interactions_in(&mut tx, interactions).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// Records, in one transaction, an interaction that reached its journey after the journey's
    /// workflow had decided (a late reply, or a second one after Message 2). `within_window` is
    /// worked out here, whatever the caller passed: true only for a journey that answered within
    /// its window (Message 2) and an interaction stamped inside that window. A journey that
    /// decided there was no answer keeps that decision, so a reply stamped (in whole seconds)
    /// just before the window's end but delivered after it is late, and a `no_interaction`
    /// journey becomes `late_interaction` (R4). Returns whether the interaction was new.
    pub async fn record_late_interaction(
        &self,
        interaction: &NewInteraction,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut late = NewInteraction {
            within_window: false,
            ..interaction.clone()
        };
        let mut journey_state = None;
        if let (Some(campaign_id), Some(contact_id)) = (late.campaign_id, late.contact_id) {
            let journey = sqlx::query!(
                r#"SELECT j.state AS "state: JourneyState",
                     coalesce(j.state IN ('sending_message_2', 'message_2_sent')
                       AND interaction_within_window(j.message_1_sent_at, $3,
                         (c.settings ->> $4)::bigint), false)
                       AS "within_window!"
                   FROM journeys j JOIN campaigns c ON c.id = j.campaign_id
                   WHERE j.campaign_id = $1 AND j.contact_id = $2 FOR UPDATE OF j"#,
                campaign_id,
                contact_id,
                late.received_at,
                CampaignSettings::INTERACTION_WINDOW_KEY,
            )
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(journey) = journey {
                late.within_window = journey.within_window;
                journey_state = Some(journey.state);
            }
        }
        let new = !record_interactions_in(&mut tx, std::slice::from_ref(&late))
            .await?
            .is_empty();
        let was_unanswered = journey_state == Some(JourneyState::NoInteraction);
        if let (true, Some(campaign_id), Some(contact_id)) =
            (new && was_unanswered, late.campaign_id, late.contact_id)
        {
            Self::finish_journey_in(
                &mut tx,
                campaign_id,
                contact_id,
                JourneyState::LateInteraction,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(new)
    }
}

async fn record_interactions_in(
    tx: &mut Transaction<'_, Postgres>,
    interactions: &[NewInteraction],
) -> Result<Vec<String>, StoreError> {
    let mut inserted = Vec::new();
    for interaction in interactions {
        // A campaign or contact deleted since the lookup is recorded as unknown rather
        // than refused: the interaction itself must not be lost, and is counted only on a
        // campaign that still exists.
        let new = sqlx::query!(
            "INSERT INTO interactions (campaign_id, contact_id, phone, interaction_type, provider_message_id, \
             content, received_at, within_window) \
             VALUES ((SELECT id FROM campaigns WHERE id = $1), (SELECT id FROM contacts WHERE id = $2), \
             $3, $4, $5, $6, $7, $8) \
             ON CONFLICT ON CONSTRAINT interactions_provider_message_id_key DO NOTHING \
             RETURNING provider_message_id, campaign_id, contact_id",
            interaction.campaign_id,
            interaction.contact_id,
            interaction.phone,
            interaction.interaction_type,
            interaction.provider_message_id,
            interaction.content,
            interaction.received_at,
            interaction.within_window,
        )
        .fetch_optional(&mut **tx)
        .await?;
        let Some(recorded) = new else {
            continue;
        };
        if let (Some(campaign_id), Some(contact_id)) = (recorded.campaign_id, recorded.contact_id) {
            sqlx::query!(
                "UPDATE journeys SET first_interaction_at = LEAST(coalesce(first_interaction_at, $3), $3), \
                 updated_at = now() WHERE campaign_id = $1 AND contact_id = $2",
                campaign_id,
                contact_id,
                interaction.received_at,
            )
            .execute(&mut **tx)
            .await?;
            CounterDelta {
                interactions: 1,
                ..CounterDelta::default()
            }
            .apply(tx, campaign_id, shard_of(contact_id))
            .await?;
        }
        inserted.push(recorded.provider_message_id);
    }
    Ok(inserted)
}
