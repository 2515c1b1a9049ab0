//! Console sessions (see `migrations/20261205000001_console_sessions.sql`): the store keeps the
//! digest of each session's secret, never the secret, and answers which active user a live
//! session belongs to.

use super::{Store, StoreError};
use crate::audit::{self, Actor, AuditAction, AuditEntry, AuditTarget};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use std::net::IpAddr;

/// Opens a session for `user_id` whose secret digests to `token_digest`, valid until
/// `expires_at`, on the sign-in's transaction (see [`crate::sign_in`]).
pub async fn open(
    executor: impl PgExecutor<'_>,
    user_id: i64,
    token_digest: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO console_sessions (user_id, token_digest, expires_at) VALUES ($1, $2, $3)",
        user_id,
        token_digest,
        expires_at,
    )
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    /// The user of the live (unexpired, unrevoked) session whose secret digests to
    /// `token_digest`.
    pub async fn session_user(&self, token_digest: &[u8]) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar!(
            "SELECT user_id FROM console_sessions \
             WHERE token_digest = $1 AND revoked_at IS NULL AND expires_at > now()",
            token_digest,
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Revokes the session whose secret digests to `token_digest` and audits the logout (R22)
    /// in the same transaction; whether a live one was found.
    pub async fn revoke_session(
        &self,
        token_digest: &[u8],
        client_addr: Option<IpAddr>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let revoked = sqlx::query!(
            "UPDATE console_sessions s SET revoked_at = now() FROM users u \
             WHERE s.token_digest = $1 AND s.revoked_at IS NULL AND u.id = s.user_id \
             RETURNING s.id, u.id AS user_id, u.email",
            token_digest,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(revoked) = revoked else {
            return Ok(false);
        };
        let entry = AuditEntry::new(
            Actor::user(revoked.user_id, revoked.email),
            AuditAction::AuthLogout,
        )
        .target(AuditTarget::Session, revoked.id)
        .from_addr(client_addr);
        audit::record(&mut *tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    const DIGEST: [u8; 32] = [7; 32];

    async fn test_user(store: &Store, email: &str) -> i64 {
        sqlx::query_scalar("INSERT INTO users (email, password_hash, role) VALUES ($1, 'hash', 'admin') RETURNING id")
            .bind(email)
            .fetch_one(store.pool())
            .await
            .unwrap()
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_session_lives_until_it_expires_or_is_revoked(pool: PgPool) {
        let store = &Store::from_pool(pool);
        let user = test_user(store, "session@example.com").await;
        let in_an_hour = Utc::now() + chrono::Duration::hours(1);
        open(store.pool(), user, &DIGEST, in_an_hour).await.unwrap();
        assert_eq!(store.session_user(&DIGEST).await.unwrap(), Some(user));
        assert_eq!(store.session_user(&[8; 32]).await.unwrap(), None);

        assert!(store.revoke_session(&DIGEST, None).await.unwrap());
        assert_eq!(store.session_user(&DIGEST).await.unwrap(), None);
        assert!(
            !store.revoke_session(&DIGEST, None).await.unwrap(),
            "already revoked"
        );

        let expired = [9; 32];
        sqlx::query(
            "INSERT INTO console_sessions (user_id, token_digest, created_at, expires_at) \
             VALUES ($1, $2, now() - interval '2 hours', now() - interval '1 hour')",
        )
        .bind(user)
        .bind(&expired[..])
        .execute(store.pool())
        .await
        .unwrap();
        assert_eq!(store.session_user(&expired).await.unwrap(), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_digest_that_is_not_sha256_is_refused_by_the_database(pool: PgPool) {
        let store = Store::from_pool(pool);
        let user = test_user(&store, "short@example.com").await;
        let refused = open(
            store.pool(),
            user,
            b"short",
            Utc::now() + chrono::Duration::hours(1),
        )
        .await;
        assert!(refused.is_err());
    }
}
