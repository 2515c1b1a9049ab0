//! Journeys, one per (campaign, contact): the audience a campaign workflow reads page by page
//! and each journey's final state.
//!
//! A final state is written once and counted once on its campaign's outcome counters, in the
//! same transaction: every journey ending goes through [`Store::finish_journey`]'s path, except
//! the closing of a whole campaign's open journeys, which counts its batch the same way.

use super::{Store, StoreError};
use crate::counters::{BULK_SHARD, CounterDelta, shard_of};
use campaign_domain::sending::CUTOFF_REASON;
use campaign_domain::{Closing, JourneyState};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

impl Store {
    /// Ends a journey in a final state and counts it on its campaign, once: a journey already
    /// final is left alone (except the late-reply refinement R4 allows).
    pub async fn finish_journey(
        &self,
        campaign_id: i64,
        contact_id: i64,
        state: JourneyState,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed =
            Self::finish_journey_in(&mut tx, campaign_id, contact_id, state, reason).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// [`Store::finish_journey`] inside the caller's transaction, so a journey's end commits with
    /// the change that caused it (an accepted Message 2, a failed message, a late reply).
    pub(crate) async fn finish_journey_in(
        tx: &mut Transaction<'_, Postgres>,
        campaign_id: i64,
        contact_id: i64,
        state: JourneyState,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        if !state.is_final() {
            return Err(StoreError::NotFound("final journey state"));
        }
        let previous = sqlx::query_scalar!(
            r#"UPDATE journeys j SET state = $3, failure_reason = coalesce($4, j.failure_reason), updated_at = now()
               FROM (SELECT state FROM journeys WHERE campaign_id = $1 AND contact_id = $2 FOR UPDATE) AS old
               WHERE j.campaign_id = $1 AND j.contact_id = $2
                 AND (NOT journey_state_is_final(j.state) OR (j.state = 'no_interaction' AND $3 = 'late_interaction'))
               RETURNING old.state AS "previous!: JourneyState""#,
            campaign_id,
            contact_id,
            state.as_str(),
            reason,
        )
        .fetch_optional(&mut **tx)
        .await?;
        let Some(previous) = previous else {
            return Ok(false);
        };
        let mut counts = CounterDelta::default();
        counts.add_outcome(state, 1);
        counts.add_outcome(previous, -1);
        counts.apply(tx, campaign_id, shard_of(contact_id)).await?;
        Ok(true)
    }

    /// Closes every journey of a campaign not yet final, counting each once: at the cutoff (R9)
    /// a journey that never sent Message 1 fails ("campaign cutoff") and one still waiting ends
    /// `no_interaction` (a Message 2 already on its way is left to finish); on stop every one is
    /// `cancelled`. Returns the contacts whose journey workflow may still be running.
    pub async fn close_open_journeys(
        &self,
        campaign_id: i64,
        closing: Closing,
    ) -> Result<Vec<i64>, StoreError> {
        let cutoff = closing == Closing::Cutoff;
        let reason = cutoff.then_some(CUTOFF_REASON);
        let mut tx = self.pool.begin().await?;
        let closed = sqlx::query!(
            r#"WITH old AS (SELECT contact_id, state FROM journeys WHERE campaign_id = $1
                   AND NOT journey_state_is_final(state) FOR UPDATE),
                 next AS (SELECT contact_id, state AS old_state,
                   CASE WHEN NOT $3 THEN 'cancelled'
                        WHEN state = 'awaiting_interaction' THEN 'no_interaction'
                        ELSE 'failed' END AS new_state
                   FROM old WHERE NOT ($3 AND state = 'sending_message_2'))
               UPDATE journeys j SET state = next.new_state,
                 failure_reason = CASE WHEN next.new_state = 'failed' THEN $2 ELSE j.failure_reason END,
                 updated_at = now()
               FROM next WHERE j.campaign_id = $1 AND j.contact_id = next.contact_id
               RETURNING j.contact_id, next.old_state AS "old_state!: JourneyState",
                 j.state AS "new_state: JourneyState""#,
            campaign_id,
            reason,
            cutoff,
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut counts = CounterDelta::default();
        for journey in &closed {
            counts.add_outcome(journey.new_state, 1);
        }
        counts.apply(&mut tx, campaign_id, BULK_SHARD).await?;
        tx.commit().await?;
        Ok(closed
            .into_iter()
            .filter(|journey| journey.old_state != JourneyState::Queued)
            .map(|journey| journey.contact_id)
            .collect())
    }

    /// Journeys of the campaign not yet in a final state.
    pub async fn open_journey_count(&self, campaign_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM journeys
               WHERE campaign_id = $1 AND NOT journey_state_is_final(state)"#,
            campaign_id,
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// When the contact first interacted during this journey, if they have.
    pub async fn first_interaction_at(
        &self,
        campaign_id: i64,
        contact_id: i64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar!(
            "SELECT first_interaction_at FROM journeys WHERE campaign_id = $1 AND contact_id = $2",
            campaign_id,
            contact_id,
        )
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    /// The next `limit` contacts of a campaign's audience still `queued`, by contact id; none
    /// when the campaign is not running. It first waits for a launch or retry of the campaign
    /// that is still deciding ([`crate::PendingStart`]), so a workflow started just before its
    /// launch commits reads the committed audience, and one whose launch rolled back reads
    /// nothing.
    pub async fn queued_audience_page(
        &self,
        campaign_id: i64,
        after_contact_id: i64,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!("SELECT FROM wait_for_campaign_launch($1)", campaign_id)
            .execute(&mut *tx)
            .await?;
        let page = sqlx::query_scalar!(
            "SELECT j.contact_id FROM journeys j JOIN campaigns c ON c.id = j.campaign_id \
             WHERE j.campaign_id = $1 AND c.status = 'running' AND j.contact_id > $2 AND j.state = 'queued' \
             ORDER BY j.contact_id LIMIT $3",
            campaign_id,
            after_contact_id,
            limit,
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(page)
    }
}
