//! Journeys, one per (campaign, contact): the audience a campaign workflow reads page by page
//! and each journey's final state.
//!
//! A final state is written once and counted once on its campaign's outcome counters, in the
//! same transaction: every journey ending goes through [`Store::finish_journey`]'s path, except
//! the closing of a whole campaign's open journeys, which counts its batch the same way.

use super::{Store, StoreError};
use crate::counters::{BULK_SHARD, CounterDelta, shard_of};
use campaign_domain::sending::CUTOFF_REASON;
use campaign_domain::{Closing, FailureKind, JourneyState};
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
        Self::end_journey_in(tx, campaign_id, contact_id, state, reason, None).await
    }

    /// Ends a journey like [`Store::finish_journey_in`], keeping `kind` as the failure kind of a
    /// journey that ends `failed` or `limited`. Without one, a `limited` journey's kind is
    /// `limited` and a `failed` one's `unknown`: the kind is never missing where a failure is.
    pub(crate) async fn end_journey_in(
        tx: &mut Transaction<'_, Postgres>,
        campaign_id: i64,
        contact_id: i64,
        state: JourneyState,
        reason: Option<&str>,
        kind: Option<FailureKind>,
    ) -> Result<bool, StoreError> {
        if !state.is_final() {
            return Err(StoreError::NotFound("final journey state"));
        }
        let kind = match state {
            JourneyState::Limited => Some(kind.unwrap_or(FailureKind::Limited)),
            JourneyState::Failed => Some(kind.unwrap_or(FailureKind::Unknown)),
            _ => None,
        };
        let previous = sqlx::query_scalar!(
            r#"UPDATE journeys j SET state = $3, failure_reason = coalesce($4, j.failure_reason),
                 failure_kind = $5, updated_at = now()
               FROM (SELECT state FROM journeys WHERE campaign_id = $1 AND contact_id = $2 FOR UPDATE) AS old
               WHERE j.campaign_id = $1 AND j.contact_id = $2
                 AND (NOT journey_state_is_final(j.state) OR (j.state = 'no_interaction' AND $3 = 'late_interaction'))
               RETURNING old.state AS "previous!: JourneyState""#,
            campaign_id,
            contact_id,
            state.as_str(),
            reason,
            kind.map(FailureKind::as_str),
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
    /// a journey that never sent Message 1 fails ("campaign cutoff", kind `cutoff`) and one still waiting ends
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
                 failure_kind = CASE WHEN next.new_state = 'failed' THEN $4 END,
                 updated_at = now()
               FROM next WHERE j.campaign_id = $1 AND j.contact_id = next.contact_id
               RETURNING j.contact_id, next.old_state AS "old_state!: JourneyState",
                 j.state AS "new_state: JourneyState""#,
            campaign_id,
            reason,
            cutoff,
            FailureKind::Cutoff.as_str(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows::{prepared_message, running_campaign};
    use campaign_domain::{CampaignState, MessageType};
    use sqlx::PgPool;

    /// Meta's per-user marketing limit (131049) ends a journey `limited`, counted apart from
    /// `failed` in the statistics, the funnel and the final statistics; a campaign whose
    /// journeys all failed or were limited has not failed (R8).
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_limited_journey_counts_apart_from_failed(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        let (campaign_id, contacts) = running_campaign(&store, 2).await;
        sqlx::query("UPDATE campaigns SET total_contacts = 2 WHERE id = $1")
            .bind(campaign_id)
            .execute(&pool)
            .await
            .unwrap();
        let (limited, failed) = (contacts[0], contacts[1]);
        for (contact_id, kind, reason) in [
            (limited, FailureKind::Limited, "(#131049) not delivered"),
            (
                failed,
                FailureKind::Undeliverable,
                "(#131026) undeliverable",
            ),
        ] {
            let message =
                prepared_message(&store, campaign_id, contact_id, MessageType::Message1).await;
            store.fail_message(message, kind, reason).await.unwrap();
        }

        let stats = store.campaign_stats(campaign_id).await.unwrap();
        assert_eq!(
            (
                stats.limited,
                stats.failed,
                stats.messages_failed,
                stats.pending
            ),
            (1, 1, 2, 0)
        );
        let funnel = store.campaign_funnel(campaign_id).await.unwrap();
        assert_eq!((funnel.limited, funnel.failed), (1, 1));
        let journeys: Vec<(i64, JourneyState, Option<FailureKind>, Option<String>)> =
            sqlx::query_as(
                "SELECT contact_id, state, failure_kind, failure_reason FROM journeys \
                 WHERE campaign_id = $1 ORDER BY contact_id",
            )
            .bind(campaign_id)
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(
            journeys,
            [
                (
                    limited,
                    JourneyState::Limited,
                    Some(FailureKind::Limited),
                    Some("(#131049) not delivered".to_owned())
                ),
                (
                    failed,
                    JourneyState::Failed,
                    Some(FailureKind::Undeliverable),
                    Some("(#131026) undeliverable".to_owned())
                ),
            ]
        );

        assert_eq!(
            store.complete_campaign(campaign_id).await.unwrap(),
            CampaignState::Completed
        );
        let final_stats: serde_json::Value =
            sqlx::query_scalar("SELECT final_stats FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (&final_stats["limited"], &final_stats["failed"]),
            (&serde_json::json!(1), &serde_json::json!(1))
        );
    }

    /// The cutoff's own refusal has its kind, like a provider's.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_cutoff_fails_unsent_journeys_with_its_kind(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        let (campaign_id, _) = running_campaign(&store, 1).await;
        store
            .close_open_journeys(campaign_id, Closing::Cutoff)
            .await
            .unwrap();
        let kind: Option<FailureKind> =
            sqlx::query_scalar("SELECT failure_kind FROM journeys WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(kind, Some(FailureKind::Cutoff));
    }
}
