//! The pacing clock (R11): Message 1 sends leave at least a pacing interval apart across every
//! campaign and worker (one shared clock row), and each campaign pauses after every batch.
//! Slots are reserved under the clock row's lock, so two workers never get the same one.

use super::{Store, StoreError};
use campaign_domain::Pacing;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// What [`Store::reserve_send_slot`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotReservation {
    /// Send at this time, not before.
    Granted { at: DateTime<Utc> },
    /// No slot soon enough: ask again at `until`.
    Wait { until: DateTime<Utc> },
}

impl Store {
    /// Reserves the next Message 1 send slot (R11): at least `pacing.interval` after the previous
    /// slot of any campaign on any worker (one shared clock row), and after a `batch_pause` once
    /// the campaign has used `batch_size` slots. A slot further than `horizon` away is not
    /// reserved: the caller waits and asks again, so no send holds a slot it cannot use soon.
    pub async fn reserve_send_slot(
        &self,
        campaign_id: i64,
        pacing: &Pacing,
        horizon: Duration,
    ) -> Result<SlotReservation, StoreError> {
        let mut tx = self.pool.begin().await?;
        let clock =
            sqlx::query!(r#"SELECT next_send_at, now() AS "now!" FROM send_clock FOR UPDATE"#)
                .fetch_one(&mut *tx)
                .await?;
        let campaign = sqlx::query!(
            "SELECT pacing_next_at, paced_sends FROM campaigns WHERE id = $1 FOR NO KEY UPDATE",
            campaign_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("campaign"))?;
        let now = clock.now;
        let slot = clock
            .next_send_at
            .max(campaign.pacing_next_at.unwrap_or(now))
            .max(now);
        if slot - now > chrono::Duration::from_std(horizon).unwrap_or(chrono::Duration::MAX) {
            tx.rollback().await?;
            return Ok(SlotReservation::Wait { until: slot });
        }
        let interval = chrono::Duration::milliseconds(pacing.interval_ms as i64);
        let paced_sends = campaign.paced_sends + 1;
        let batch_done = pacing.batch_size > 0 && paced_sends % pacing.batch_size as i32 == 0;
        let campaign_next = if batch_done {
            slot + interval + chrono::Duration::milliseconds(pacing.batch_pause_ms as i64)
        } else {
            slot + interval
        };
        sqlx::query!("UPDATE send_clock SET next_send_at = $1", slot + interval)
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "UPDATE campaigns SET pacing_next_at = $2, paced_sends = $3 WHERE id = $1",
            campaign_id,
            campaign_next,
            paced_sends,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SlotReservation::Granted { at: slot })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows::running_campaign;
    use sqlx::PgPool;

    const HORIZON: Duration = Duration::from_secs(3600);

    fn pacing(interval_ms: u64, batch_size: u32, batch_pause_ms: u64) -> Pacing {
        Pacing {
            interval_ms,
            batch_size,
            batch_pause_ms,
        }
    }

    async fn granted(store: &Store, campaign_id: i64, pacing: &Pacing) -> DateTime<Utc> {
        match store
            .reserve_send_slot(campaign_id, pacing, HORIZON)
            .await
            .unwrap()
        {
            SlotReservation::Granted { at } => at,
            wait => panic!("expected a slot, got {wait:?}"),
        }
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn slots_are_an_interval_apart_across_campaigns(pool: PgPool) {
        let store = Store::from_pool(pool);
        let (first, _) = running_campaign(&store, 0).await;
        let (second, _) = running_campaign(&store, 0).await;
        let every_second = pacing(1000, 0, 0);
        let start = granted(&store, first, &every_second).await;
        let slots = [
            granted(&store, second, &every_second).await,
            granted(&store, first, &every_second).await,
            granted(&store, second, &every_second).await,
        ];
        let offsets: Vec<i64> = slots
            .iter()
            .map(|slot| (*slot - start).num_milliseconds())
            .collect();
        assert_eq!(offsets, [1000, 2000, 3000]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_campaign_pauses_after_each_batch(pool: PgPool) {
        let store = Store::from_pool(pool);
        let (campaign_id, _) = running_campaign(&store, 0).await;
        let batches_of_two = pacing(1000, 2, 10_000);
        let start = granted(&store, campaign_id, &batches_of_two).await;
        let mut offsets = Vec::new();
        for _ in 0..3 {
            let slot = granted(&store, campaign_id, &batches_of_two).await;
            offsets.push((slot - start).num_milliseconds());
        }
        assert_eq!(offsets, [1000, 12_000, 13_000]);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_slot_beyond_the_horizon_is_not_reserved(pool: PgPool) {
        let store = Store::from_pool(pool);
        let (campaign_id, _) = running_campaign(&store, 0).await;
        let slow = pacing(60_000, 0, 0);
        let first = granted(&store, campaign_id, &slow).await;
        let horizon = Duration::from_secs(30);
        let answers = [
            store
                .reserve_send_slot(campaign_id, &slow, horizon)
                .await
                .unwrap(),
            store
                .reserve_send_slot(campaign_id, &slow, horizon)
                .await
                .unwrap(),
        ];
        let next = first + chrono::Duration::milliseconds(60_000);
        // Waiting reserves nothing: the slot asked for again is the same one.
        assert_eq!(answers, [SlotReservation::Wait { until: next }; 2]);
    }
}
