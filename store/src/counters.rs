//! A campaign's live counters (messages sent, delivered, read and failed, interactions, one per
//! final journey state). They sit on [`COUNTER_SHARDS`] rows per campaign (`campaign_counters`)
//! rather than on the campaign row, which every journey of the campaign would queue on; reads sum
//! them through the `campaign_counter_totals` view. Each change is written in the transaction of
//! the change it counts, so the sums always equal a recount of the rows.

use super::StoreError;
use campaign_domain::JourneyState;
use sqlx::PgConnection;

/// Counter rows per campaign (`campaign_counters_shard_check` allows shards 0 to 15): enough for
/// the journeys of one campaign to rarely wait on each other's row.
pub const COUNTER_SHARDS: i64 = 16;

/// The shard of a change about one contact.
pub(crate) fn shard_of(contact_id: i64) -> i16 {
    contact_id.rem_euclid(COUNTER_SHARDS) as i16
}

/// The shard of a change covering many contacts: any is right, since reads sum them all.
pub(crate) const BULK_SHARD: i16 = 0;

/// Changes to a campaign's counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CounterDelta {
    pub messages_sent: i32,
    pub messages_delivered: i32,
    pub messages_read: i32,
    pub messages_failed: i32,
    pub interactions: i32,
    pub message_2_sent: i32,
    pub no_interaction: i32,
    pub late_interaction: i32,
    pub failed: i32,
    pub cancelled: i32,
    pub opted_out: i32,
    pub limited: i32,
}

impl CounterDelta {
    /// Adds `by` to the counter of a journey state; states that are not final count nowhere.
    pub fn add_outcome(&mut self, state: JourneyState, by: i32) {
        let counter = match state {
            JourneyState::Message2Sent => &mut self.message_2_sent,
            JourneyState::NoInteraction => &mut self.no_interaction,
            JourneyState::LateInteraction => &mut self.late_interaction,
            JourneyState::Failed => &mut self.failed,
            JourneyState::Cancelled => &mut self.cancelled,
            JourneyState::OptedOut => &mut self.opted_out,
            JourneyState::Limited => &mut self.limited,
            JourneyState::Queued
            | JourneyState::SendingMessage1
            | JourneyState::AwaitingInteraction
            | JourneyState::SendingMessage2 => return,
        };
        *counter += by;
    }

    /// Adds the changes to the campaign's `shard`, in the caller's transaction. Callers write
    /// the counters after locking the journey they count (never the other way round), so a
    /// bulk close holding many journeys cannot deadlock with a single journey's change.
    pub async fn apply(
        self,
        conn: &mut PgConnection,
        campaign_id: i64,
        shard: i16,
    ) -> Result<(), StoreError> {
        if self == CounterDelta::default() {
            return Ok(());
        }
        sqlx::query!(
            "INSERT INTO campaign_counters AS k (campaign_id, shard, messages_sent, messages_delivered, \
               messages_read, messages_failed, interactions, message_2_sent, no_interaction, \
               late_interaction, failed, cancelled, opted_out, limited) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (campaign_id, shard) DO UPDATE SET \
               messages_sent = k.messages_sent + EXCLUDED.messages_sent, \
               messages_delivered = k.messages_delivered + EXCLUDED.messages_delivered, \
               messages_read = k.messages_read + EXCLUDED.messages_read, \
               messages_failed = k.messages_failed + EXCLUDED.messages_failed, \
               interactions = k.interactions + EXCLUDED.interactions, \
               message_2_sent = k.message_2_sent + EXCLUDED.message_2_sent, \
               no_interaction = k.no_interaction + EXCLUDED.no_interaction, \
               late_interaction = k.late_interaction + EXCLUDED.late_interaction, \
               failed = k.failed + EXCLUDED.failed, cancelled = k.cancelled + EXCLUDED.cancelled, \
               opted_out = k.opted_out + EXCLUDED.opted_out, limited = k.limited + EXCLUDED.limited",
            campaign_id,
            shard,
            self.messages_sent,
            self.messages_delivered,
            self.messages_read,
            self.messages_failed,
            self.interactions,
            self.message_2_sent,
            self.no_interaction,
            self.late_interaction,
            self.failed,
            self.cancelled,
            self.opted_out,
            self.limited,
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows::{prepared_message, running_campaign};
    use crate::{NewInteraction, Store};
    use campaign_domain::{Closing, MessageStatus, MessageType};
    use chrono::Utc;
    use sqlx::PgPool;

    /// One contact's journey through the store's own writes, each in its own transaction:
    /// Message 1 accepted; read for contacts whose id is a multiple of 3; a reply and Message 2
    /// for even ids.
    async fn journey(store: Store, campaign_id: i64, contact_id: i64) {
        let message_1 =
            prepared_message(&store, campaign_id, contact_id, MessageType::Message1).await;
        let provider_id = format!("m1-{contact_id}");
        store
            .mark_sent(message_1, &provider_id, None)
            .await
            .unwrap();
        if contact_id % 3 == 0 {
            store
                .advance_message_status_at(&provider_id, MessageStatus::Read, Utc::now())
                .await
                .unwrap();
        }
        if contact_id % 2 == 0 {
            store
                .record_interactions(&[NewInteraction {
                    campaign_id: Some(campaign_id),
                    contact_id: Some(contact_id),
                    phone: "+33600000000".to_owned(),
                    interaction_type: "text".to_owned(),
                    provider_message_id: format!("in-{contact_id}"),
                    content: Some("Oui".to_owned()),
                    received_at: Utc::now(),
                    within_window: true,
                }])
                .await
                .unwrap();
            let message_2 =
                prepared_message(&store, campaign_id, contact_id, MessageType::Message2).await;
            store
                .mark_sent(message_2, &format!("m2-{contact_id}"), None)
                .await
                .unwrap();
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn concurrent_changes_from_one_campaigns_contacts_all_count(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        // Three contacts per shard: journeys race on each shard's first insert and its row.
        let (campaign_id, contacts) = running_campaign(&store, 3 * COUNTER_SHARDS as usize).await;
        let mut journeys = tokio::task::JoinSet::new();
        for &contact_id in &contacts {
            journeys.spawn(journey(store.clone(), campaign_id, contact_id));
        }
        while let Some(finished) = journeys.join_next().await {
            finished.unwrap();
        }
        // The statistics' `pending`, derived from the counters and the audience a launch
        // records, is the count of open journeys.
        sqlx::query("UPDATE campaigns SET total_contacts = $2 WHERE id = $1")
            .bind(campaign_id)
            .bind(contacts.len() as i32)
            .execute(&pool)
            .await
            .unwrap();
        let open = store
            .open_journeys(campaign_id, i64::MAX)
            .await
            .unwrap()
            .open;
        assert!(open > 0, "the silent contacts' journeys wait");
        let pending = store.campaign_stats(campaign_id).await.unwrap().pending;
        assert_eq!(u64::try_from(pending), Ok(open));
        // The cutoff ends the journeys still waiting, counted together on one shard.
        store
            .close_open_journeys(campaign_id, Closing::Cutoff)
            .await
            .unwrap();

        let shards: i64 =
            sqlx::query_scalar("SELECT count(*) FROM campaign_counters WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(shards, COUNTER_SHARDS);
        let count = |keep: fn(&i64) -> bool| contacts.iter().copied().filter(keep).count() as i32;
        let (all, replied, read) = (
            count(|_| true),
            count(|id| id % 2 == 0),
            count(|id| id % 3 == 0),
        );
        let stats = store.campaign_stats(campaign_id).await.unwrap();
        assert_eq!(
            [
                stats.messages_sent,
                stats.messages_delivered,
                stats.messages_read,
                stats.interactions,
                stats.message_2_sent,
                stats.no_interaction,
                stats.messages_failed + stats.failed + stats.cancelled + stats.late_interaction,
            ],
            [
                all + replied,
                read,
                read,
                replied,
                replied,
                all - replied,
                0
            ],
        );
    }

    /// Counters a campaign row held before the shards existed land on shard 0, and its final
    /// statistics read the same.
    #[sqlx::test(migrations = false)]
    async fn migrating_keeps_the_counters_of_existing_campaigns(pool: PgPool) {
        const SHARDED: i64 = 20261206000001;
        let migrate = |before: bool| {
            let pool = pool.clone();
            async move {
                for migration in crate::MIGRATOR.iter() {
                    if (migration.version < SHARDED) == before {
                        sqlx::raw_sql(&migration.sql).execute(&pool).await.unwrap();
                    }
                }
            }
        };
        migrate(true).await;
        let campaign_id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, message_1, message_2, status, total_contacts, \
               messages_sent, messages_delivered, messages_read, messages_failed, interactions, \
               message_2_sent, no_interaction, late_interaction, failed, cancelled) \
             VALUES ('old', 'Hello', 'Thanks', 'completed', 50, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \
             RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        let final_stats = "SELECT campaign_final_stats(c) FROM campaigns c WHERE id = $1";
        let before: serde_json::Value = sqlx::query_scalar(final_stats)
            .bind(campaign_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        migrate(false).await;

        let after: serde_json::Value = sqlx::query_scalar(final_stats)
            .bind(campaign_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        // Later migrations (opt-out, R19; Meta's limit, issue 23) add their counters: zero for
        // every earlier campaign.
        let mut expected = before;
        expected["opted_out"] = serde_json::json!(0);
        expected["limited"] = serde_json::json!(0);
        assert_eq!(after, expected);
        let shards: Vec<i16> =
            sqlx::query_scalar("SELECT shard FROM campaign_counters WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(shards, [0]);
        let stats = Store::from_pool(pool)
            .campaign_stats(campaign_id)
            .await
            .unwrap();
        assert_eq!(
            (stats.messages_sent, stats.cancelled, stats.pending),
            (1, 10, 10)
        );
    }
}
