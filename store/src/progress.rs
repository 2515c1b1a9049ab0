//! A campaign's progress as its workflow sees it: how many of the journeys it released are still
//! sending Message 1 (its sliding window), how many wait for an interaction, and how many are not
//! final. The journeys' rows are the source: each journey writes its state there in the same
//! transaction as its message or outcome, so the count is exact without any report from them.

use super::{Store, StoreError};
use campaign_domain::{JourneyState, OpenJourneys};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

impl Store {
    /// The open journeys of `campaign_id`; its release has reached `released_through_contact_id`
    /// (the audience is released in contact id order). Reads `journeys_open_idx` only.
    pub async fn open_journeys(
        &self,
        campaign_id: i64,
        released_through_contact_id: i64,
    ) -> Result<OpenJourneys, StoreError> {
        let row = sqlx::query!(
            r#"SELECT
                 count(*) FILTER (WHERE state IN ('queued', 'sending_message_1')
                                    AND contact_id <= $2
                                    AND (message_1_held_until IS NULL
                                         OR message_1_held_until <= now()))
                     AS "sending_message_1!",
                 count(*) FILTER (WHERE state IN ('awaiting_interaction', 'sending_message_2'))
                     AS "waiting!",
                 count(*) AS "open!"
               FROM journeys
               WHERE campaign_id = $1 AND NOT journey_state_is_final(state)"#,
            campaign_id,
            released_through_contact_id,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(OpenJourneys {
            sending_message_1: row.sending_message_1.max(0) as u64,
            waiting: row.waiting.max(0) as u64,
            open: row.open.max(0) as u64,
        })
    }

    /// Notes that the Message 1 of (`campaign_id`, `contact_id`) waits for quiet hours to end at
    /// `until` (R21): until then it is not counted as sending, so it holds no place in the window.
    pub async fn hold_message_1_until(
        &self,
        campaign_id: i64,
        contact_id: i64,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE journeys SET message_1_held_until = $3 WHERE campaign_id = $1 AND contact_id = $2",
            campaign_id,
            contact_id,
            until,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many journeys of `campaign_id` ended in each final state.
    pub async fn final_journey_states(
        &self,
        campaign_id: i64,
    ) -> Result<BTreeMap<JourneyState, u64>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT state AS "state: JourneyState", count(*) AS "count!" FROM journeys
               WHERE campaign_id = $1 AND journey_state_is_final(state) GROUP BY state"#,
            campaign_id,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.state, row.count.max(0) as u64))
            .collect())
    }
}
