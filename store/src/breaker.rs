//! The shared circuit breaker (R13): provider errors from any worker feed one row, which pauses
//! every send when they come too many in a row, too many in a window, or carry a ban risk.
//! Each answer updates the row in one statement, so concurrent workers count every error.

use super::{Store, StoreError};
use campaign_domain::BreakerPolicy;
use chrono::{DateTime, Utc};

/// One provider answer, as the circuit breaker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Accepted,
    Error { ban_risk: bool, reason: String },
}

impl Store {
    /// When sending is paused by the circuit breaker (R13), until when.
    pub async fn sending_paused_until(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar!(
            "SELECT paused_until FROM sending_circuit WHERE paused_until > now()"
        )
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    /// Feeds one provider answer to the shared circuit breaker (R13). A success resets the run of
    /// consecutive errors; a ban-risk error, `consecutive_limit` errors in a row or
    /// `window_limit` errors within `window` pause every send for `pause`. Returns the pause end
    /// when this answer started (or extended) a pause.
    pub async fn record_send_result(
        &self,
        result: SendResult,
        breaker: &BreakerPolicy,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let SendResult::Error { ban_risk, reason } = result else {
            sqlx::query!(
                "UPDATE sending_circuit SET consecutive_errors = 0, updated_at = now() \
                 WHERE consecutive_errors > 0"
            )
            .execute(&self.pool)
            .await?;
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let errors = sqlx::query!(
            r#"UPDATE sending_circuit SET consecutive_errors = consecutive_errors + 1, updated_at = now(),
                 recent_errors = array_append(ARRAY(SELECT e FROM unnest(recent_errors) e
                   WHERE e > now() - make_interval(secs => $1)), now())
               RETURNING consecutive_errors, cardinality(recent_errors) AS "recent!""#,
            breaker.window.as_secs_f64(),
        )
        .fetch_one(&mut *tx)
        .await?;
        let trips = ban_risk
            || errors.consecutive_errors >= breaker.consecutive_limit
            || errors.recent >= breaker.window_limit;
        let paused = if trips {
            Some(
                sqlx::query_scalar!(
                    r#"UPDATE sending_circuit
                       SET paused_until = greatest(paused_until, now() + make_interval(secs => $1)),
                         pause_reason = $2, consecutive_errors = 0, recent_errors = '{}'
                       RETURNING paused_until AS "paused_until!""#,
                    breaker.pause.as_secs_f64(),
                    reason,
                )
                .fetch_one(&mut *tx)
                .await?,
            )
        } else {
            None
        };
        tx.commit().await?;
        if let Some(until) = paused {
            tracing::warn!(%until, %reason, ban_risk, "sending paused by the circuit breaker");
        }
        Ok(paused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;
    use std::time::Duration;

    const PAUSE: Duration = Duration::from_secs(30 * 60);

    fn policy(consecutive_limit: i32, window_limit: i32) -> BreakerPolicy {
        BreakerPolicy {
            pause: PAUSE,
            consecutive_limit,
            window_limit,
            window: Duration::from_secs(60),
        }
    }

    fn error() -> SendResult {
        SendResult::Error {
            ban_risk: false,
            reason: "provider error".to_owned(),
        }
    }

    /// Feeds `results` in order and returns each answer's pause, if it started one.
    async fn feed(
        store: &Store,
        breaker: &BreakerPolicy,
        results: Vec<SendResult>,
    ) -> Vec<Option<DateTime<Utc>>> {
        let mut pauses = Vec::new();
        for result in results {
            pauses.push(store.record_send_result(result, breaker).await.unwrap());
        }
        pauses
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn consecutive_errors_pause_every_send_for_the_pause_length(pool: PgPool) {
        let store = Store::from_pool(pool);
        let before = Utc::now();
        let pauses = feed(&store, &policy(3, 100), vec![error(), error(), error()]).await;
        assert_eq!(pauses[..2], [None, None]);
        let until = pauses[2].expect("the third error in a row trips the breaker");
        let pause = chrono::Duration::from_std(PAUSE).unwrap();
        assert!(
            until >= before + pause && until <= Utc::now() + pause,
            "{until}"
        );
        assert_eq!(store.sending_paused_until().await.unwrap(), Some(until));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_success_resets_the_run_of_errors(pool: PgPool) {
        let store = Store::from_pool(pool);
        let results = vec![error(), error(), SendResult::Accepted, error(), error()];
        let pauses = feed(&store, &policy(3, 100), results).await;
        assert!(pauses.iter().all(Option::is_none), "{pauses:?}");
        assert_eq!(store.sending_paused_until().await.unwrap(), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn errors_within_the_window_trip_it_even_between_successes(pool: PgPool) {
        let store = Store::from_pool(pool);
        let results = vec![
            error(),
            SendResult::Accepted,
            error(),
            SendResult::Accepted,
            error(),
        ];
        let pauses = feed(&store, &policy(100, 3), results).await;
        assert_eq!(pauses[..4], [None, None, None, None]);
        assert!(
            pauses[4].is_some(),
            "the third error in the window trips it"
        );
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_ban_risk_trips_it_at_once(pool: PgPool) {
        let store = Store::from_pool(pool);
        let ban_risk = SendResult::Error {
            ban_risk: true,
            reason: "number flagged".to_owned(),
        };
        let pauses = feed(&store, &policy(100, 100), vec![ban_risk]).await;
        assert!(pauses[0].is_some());
        assert!(store.sending_paused_until().await.unwrap().is_some());
    }
}
