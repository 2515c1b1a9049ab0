//! A sign-in attempt as one transaction: it reads the failures that decide the throttle (R22),
//! opens the console session when there is one, and writes the attempt's audit row, all
//! together, so the row that the next attempt counts is committed with the outcome it records.
//!
//! The failures are counted from the audit log itself (`auth.login_failed` rows, within a day),
//! so they survive restarts and every API process sees the same ones. A success forgets the
//! failures of its own (email, client network) pair only: an operator signing in elsewhere
//! does not hand an attacker fresh guesses, and an attacker signing in to an account of their
//! own does not clear the other emails they failed on.
//!
//! Attempts from one client network are serialized by a transaction-scoped advisory lock taken
//! without waiting: a second attempt while one is being checked is refused rather than queued,
//! so a burst of parallel guesses (on one email or across many) cannot slip past the count
//! before the first failure is recorded, and no connection waits on the lock. Attempts from
//! other networks never contend with an attacker's.

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry};
use crate::sessions;
use campaign_domain::sign_in_throttle::{ClientNetwork, Failures, RecentFailures};
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, Transaction};

/// A sign-in under way, holding its client network's lock until [`SignInAttempt::finish`] (or
/// a drop, which rolls back and writes nothing).
pub struct SignInAttempt {
    tx: Transaction<'static, Postgres>,
}

impl std::fmt::Debug for SignInAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInAttempt").finish_non_exhaustive()
    }
}

/// The lock's name for a network; attempts whose address is unknown share one.
fn lock_key(network: Option<ClientNetwork>) -> String {
    network.map_or_else(|| "unknown".to_owned(), |network| network.to_string())
}

/// The recent failures of `label` (the normalized email) from `network`, and of every email
/// from `network`, each since that pair's last success. An unknown address counts as one
/// network of its own.
async fn recent_failures(
    executor: impl PgExecutor<'_>,
    label: &str,
    network: Option<ClientNetwork>,
) -> Result<RecentFailures, StoreError> {
    let (first, last) = network.map(|network| network.bounds()).unzip();
    let row = sqlx::query!(
        r#"WITH failing AS (
             SELECT f.actor_label, f.occurred_at FROM audit_log f
             WHERE f.action = 'auth.login_failed'
               AND (f.client_addr BETWEEN $2::text::inet AND $3::text::inet
                    OR ($2::text IS NULL AND f.client_addr IS NULL))
               AND f.occurred_at > now() - interval '1 day'
               AND NOT EXISTS (
                 SELECT 1 FROM audit_log s
                 WHERE s.action = 'auth.login' AND s.actor_label = f.actor_label
                   AND (s.client_addr BETWEEN $2::text::inet AND $3::text::inet
                        OR ($2::text IS NULL AND s.client_addr IS NULL))
                   AND s.occurred_at > f.occurred_at))
           SELECT count(*) FILTER (WHERE actor_label = $1) AS "pair_count!",
                  max(occurred_at) FILTER (WHERE actor_label = $1) AS pair_last_at,
                  count(DISTINCT actor_label) AS "network_count!",
                  max(occurred_at) AS network_last_at,
                  now() AS "now!"
           FROM failing"#,
        label,
        first.map(|addr| addr.to_string()),
        last.map(|addr| addr.to_string()),
    )
    .fetch_one(executor)
    .await?;
    Ok(RecentFailures {
        pair: Failures::new(row.pair_count, row.pair_last_at),
        network: Failures::new(row.network_count, row.network_last_at),
        now: row.now,
    })
}

impl Store {
    /// Starts an attempt to sign in from `network` (`None`: the address is unknown), or `None`
    /// when another attempt from the same network is being checked right now.
    pub async fn begin_sign_in(
        &self,
        network: Option<ClientNetwork>,
    ) -> Result<Option<SignInAttempt>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_xact_lock(hashtext('sign-in:' || $1)) AS "locked!""#,
            lock_key(network),
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(locked.then_some(SignInAttempt { tx }))
    }
}

impl SignInAttempt {
    /// The recent failures that decide this attempt (see [`recent_failures`]).
    pub async fn recent_failures(
        &mut self,
        label: &str,
        network: Option<ClientNetwork>,
    ) -> Result<RecentFailures, StoreError> {
        recent_failures(&mut *self.tx, label, network).await
    }

    /// Opens a console session for the signed-in user, committed with the attempt's audit row.
    pub async fn open_session(
        &mut self,
        user_id: i64,
        token_digest: &[u8],
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sessions::open(&mut *self.tx, user_id, token_digest, expires_at).await
    }

    /// Records the attempt's outcome and commits.
    pub async fn finish(mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit::record(&mut *self.tx, entry).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Actor;
    use crate::audit::AuditAction;
    use sqlx::PgPool;
    use std::net::IpAddr;

    fn addr(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    async fn record(store: &Store, action: AuditAction, label: &str, from: &str) {
        let actor = if action == AuditAction::AuthLogin {
            Actor::user(1, label)
        } else {
            Actor::anonymous(label)
        };
        store
            .record_audit(&AuditEntry::new(actor, action).from_addr(Some(addr(from))))
            .await
            .unwrap();
    }

    async fn recent(store: &Store, label: &str, from: &str) -> (u32, u32) {
        let network = Some(ClientNetwork::of(addr(from)));
        let recent = recent_failures(store.pool(), label, network).await.unwrap();
        let count = |failures: Option<Failures>| failures.map_or(0, |f| f.count.get());
        (count(recent.pair), count(recent.network))
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn failures_count_by_pair_and_network_since_the_pairs_success(pool: PgPool) {
        let store = Store::from_pool(pool);
        for _ in 0..3 {
            record(
                &store,
                AuditAction::AuthLoginFailed,
                "a@example.com",
                "192.0.2.1",
            )
            .await;
        }
        record(
            &store,
            AuditAction::AuthLoginFailed,
            "b@example.com",
            "192.0.2.1",
        )
        .await;
        // Another address of the same IPv6 /64 is the same network.
        record(
            &store,
            AuditAction::AuthLoginFailed,
            "a@example.com",
            "2001:db8::1",
        )
        .await;
        assert_eq!(recent(&store, "a@example.com", "192.0.2.1").await, (3, 2));
        assert_eq!(recent(&store, "a@example.com", "192.0.2.9").await, (0, 0));
        assert_eq!(
            recent(&store, "a@example.com", "2001:db8::ffff").await,
            (1, 1)
        );

        // A success elsewhere forgets nothing here; a success of the pair forgets its failures.
        record(
            &store,
            AuditAction::AuthLogin,
            "a@example.com",
            "198.51.100.1",
        )
        .await;
        assert_eq!(recent(&store, "a@example.com", "192.0.2.1").await, (3, 2));
        record(&store, AuditAction::AuthLogin, "a@example.com", "192.0.2.1").await;
        assert_eq!(recent(&store, "a@example.com", "192.0.2.1").await, (0, 1));
        assert_eq!(recent(&store, "b@example.com", "192.0.2.1").await, (1, 1));
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_second_attempt_from_the_network_is_refused_while_one_is_checked(pool: PgPool) {
        let store = Store::from_pool(pool);
        let network = |text| Some(ClientNetwork::of(addr(text)));
        let first = store.begin_sign_in(network("2001:db8::1")).await.unwrap();
        assert!(first.is_some());
        assert!(
            store
                .begin_sign_in(network("2001:db8::2"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .begin_sign_in(network("192.0.2.1"))
                .await
                .unwrap()
                .is_some()
        );
        let done = AuditEntry::new(
            Actor::anonymous("a@example.com"),
            AuditAction::AuthLoginFailed,
        );
        first.unwrap().finish(&done).await.unwrap();
        assert!(
            store
                .begin_sign_in(network("2001:db8::2"))
                .await
                .unwrap()
                .is_some()
        );
    }
}
