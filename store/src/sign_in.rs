//! A sign-in attempt as one transaction: it reads the failures that decide the throttle, opens
//! the console session when there is one, and writes the attempt's audit row (R22), all
//! together, so the row that the next attempt counts is committed with the outcome it records.
//!
//! Attempts on one email are serialized by a transaction-scoped advisory lock taken without
//! waiting: a second attempt while one is being checked is refused rather than queued, so a
//! burst of parallel guesses cannot slip past the count before the first failure is recorded,
//! and no connection waits on the lock.

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry, SignInFailures};
use crate::sessions;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use std::net::IpAddr;

/// A sign-in under way, holding its email's lock until [`SignInAttempt::finish`] (or a drop,
/// which rolls back and writes nothing).
pub struct SignInAttempt {
    tx: Transaction<'static, Postgres>,
}

impl std::fmt::Debug for SignInAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInAttempt").finish_non_exhaustive()
    }
}

impl Store {
    /// Starts an attempt to sign in as `label` (the normalized email), or `None` when another
    /// attempt for the same email is being checked right now.
    pub async fn begin_sign_in(&self, label: &str) -> Result<Option<SignInAttempt>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_xact_lock(hashtext('sign-in:' || $1)) AS "locked!""#,
            label,
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(locked.then_some(SignInAttempt { tx }))
    }
}

impl SignInAttempt {
    /// Consecutive failures of this email, and from `client_addr` when known.
    pub async fn failures(
        &mut self,
        label: &str,
        client_addr: Option<IpAddr>,
    ) -> Result<(SignInFailures, Option<SignInFailures>), StoreError> {
        let of_label = audit::sign_in_failures_of_label(&mut *self.tx, label).await?;
        let from_addr = match client_addr {
            Some(addr) => Some(audit::sign_in_failures_from_addr(&mut *self.tx, addr).await?),
            None => None,
        };
        Ok((of_label, from_addr))
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
