//! The daily send ledger (R10): provider sends per UTC day across every campaign, never beyond
//! the daily limit. A message consumes its unit once, with its first provider call, through one
//! conditional upsert, so concurrent senders on any worker cannot overshoot the limit together.

use crate::{Store, StoreError};
use campaign_domain::MessageType;
use sqlx::PgExecutor;

/// Today's (UTC) provider sends so far.
pub(crate) async fn sent_today(executor: impl PgExecutor<'_>) -> Result<i32, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce((SELECT sent FROM daily_send_ledger
             WHERE day = (now() AT TIME ZONE 'UTC')::date), 0) AS "sent!""#
    )
    .fetch_one(executor)
    .await?)
}

impl Store {
    /// Today's (UTC) provider sends so far.
    pub async fn sent_today(&self) -> Result<i32, StoreError> {
        sent_today(&self.pool).await
    }
}

/// Consumes one of today's units for a message of `message_type` (`None`: a message outside
/// campaigns, such as an opt-out confirmation, counted in `sent` only), unless `daily_limit`
/// sends have been made today: returns whether it did.
pub(crate) async fn consume_unit(
    executor: impl PgExecutor<'_>,
    message_type: Option<MessageType>,
    daily_limit: i32,
) -> Result<bool, StoreError> {
    if daily_limit <= 0 {
        return Ok(false);
    }
    let consumed = sqlx::query_scalar!(
        "INSERT INTO daily_send_ledger AS l (day, sent, message_1, message_2) \
         VALUES ((now() AT TIME ZONE 'UTC')::date, 1, $2, $3) \
         ON CONFLICT (day) DO UPDATE SET sent = l.sent + 1, message_1 = l.message_1 + EXCLUDED.message_1, \
           message_2 = l.message_2 + EXCLUDED.message_2, updated_at = now() \
         WHERE l.sent < $1 RETURNING day",
        daily_limit,
        i32::from(message_type == Some(MessageType::Message1)),
        i32::from(message_type == Some(MessageType::Message2)),
    )
    .fetch_optional(executor)
    .await?;
    Ok(consumed.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows::{prepared_message, running_campaign};
    use crate::{AttemptCount, Store};
    use campaign_domain::MessageStatus;
    use sqlx::PgPool;
    use std::time::Duration;

    async fn today(pool: &PgPool) -> (i32, i32, i32) {
        let row = sqlx::query!(
            "SELECT sent, message_1, message_2 FROM daily_send_ledger \
             WHERE day = (now() AT TIME ZONE 'UTC')::date"
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (row.sent, row.message_1, row.message_2)
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn units_are_consumed_up_to_the_limit_and_no_further(pool: PgPool) {
        assert!(
            consume_unit(&pool, Some(MessageType::Message1), 2)
                .await
                .unwrap()
        );
        assert!(
            consume_unit(&pool, Some(MessageType::Message2), 2)
                .await
                .unwrap()
        );
        assert!(
            !consume_unit(&pool, Some(MessageType::Message1), 2)
                .await
                .unwrap()
        );
        assert_eq!(today(&pool).await, (2, 1, 1));
        assert_eq!(sent_today(&pool).await.unwrap(), 2);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_zero_limit_consumes_nothing(pool: PgPool) {
        assert!(
            !consume_unit(&pool, Some(MessageType::Message1), 0)
                .await
                .unwrap()
        );
        assert_eq!(sent_today(&pool).await.unwrap(), 0);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn concurrent_consumers_never_overshoot_the_limit(pool: PgPool) {
        let consumers: Vec<_> = (0..20)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    consume_unit(&pool, Some(MessageType::Message1), 5)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut consumed = 0;
        for consumer in consumers {
            consumed += i32::from(consumer.await.unwrap());
        }
        assert_eq!(consumed, 5);
        assert_eq!(today(&pool).await, (5, 5, 0));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_message_consumes_its_unit_once_however_many_calls(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        let (campaign_id, contacts) = running_campaign(&store, 1).await;
        let message_id =
            prepared_message(&store, campaign_id, contacts[0], MessageType::Message1).await;
        // A zero bound: each call has ended by the next attempt.
        for attempt in 1..=3 {
            assert_eq!(
                store
                    .count_attempt(message_id, 10, Duration::ZERO, None)
                    .await
                    .unwrap(),
                AttemptCount::Counted(attempt)
            );
        }
        assert_eq!(today(&pool).await, (1, 1, 0));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_message_past_the_limit_fails_without_a_call(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        let (campaign_id, contacts) = running_campaign(&store, 2).await;
        let first = prepared_message(&store, campaign_id, contacts[0], MessageType::Message1).await;
        let second =
            prepared_message(&store, campaign_id, contacts[1], MessageType::Message1).await;
        assert_eq!(
            store
                .count_attempt(first, 1, Duration::ZERO, None)
                .await
                .unwrap(),
            AttemptCount::Counted(1)
        );
        assert_eq!(
            store
                .count_attempt(second, 1, Duration::ZERO, None)
                .await
                .unwrap(),
            AttemptCount::DailyLimitReached
        );
        let refused = sqlx::query!(
            r#"SELECT status AS "status: MessageStatus", attempts FROM messages WHERE id = $1"#,
            second,
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            (refused.status, refused.attempts),
            (MessageStatus::Failed, 0)
        );
        assert_eq!(sent_today(&pool).await.unwrap(), 1);
    }
}
