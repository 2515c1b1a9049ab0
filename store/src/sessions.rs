//! Console sessions (see `migrations/20261205000001_console_sessions.sql`): the store keeps the
//! digest of each session's secret, never the secret, and answers which active user a live
//! session belongs to.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};

impl Store {
    /// Opens a session for `user_id` whose secret digests to `token_digest`, valid until
    /// `expires_at`.
    pub async fn open_session(
        &self,
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

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

    /// Revokes the session whose secret digests to `token_digest`; whether a live one was found.
    pub async fn revoke_session(&self, token_digest: &[u8]) -> Result<bool, StoreError> {
        let revoked = sqlx::query!(
            "UPDATE console_sessions SET revoked_at = now() \
             WHERE token_digest = $1 AND revoked_at IS NULL",
            token_digest,
        )
        .execute(&self.pool)
        .await?;
        Ok(revoked.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    const DIGEST: [u8; 32] = [7; 32];

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_session_lives_until_it_expires_or_is_revoked(pool: PgPool) {
        let store = &Store::from_pool(pool);
        let user = store
            .create_user("session@example.com", "hash", None, "admin")
            .await
            .unwrap();
        let in_an_hour = Utc::now() + chrono::Duration::hours(1);
        store
            .open_session(user.id, &DIGEST, in_an_hour)
            .await
            .unwrap();
        assert_eq!(store.session_user(&DIGEST).await.unwrap(), Some(user.id));
        assert_eq!(store.session_user(&[8; 32]).await.unwrap(), None);

        assert!(store.revoke_session(&DIGEST).await.unwrap());
        assert_eq!(store.session_user(&DIGEST).await.unwrap(), None);
        assert!(
            !store.revoke_session(&DIGEST).await.unwrap(),
            "already revoked"
        );

        let expired = [9; 32];
        sqlx::query(
            "INSERT INTO console_sessions (user_id, token_digest, created_at, expires_at) \
             VALUES ($1, $2, now() - interval '2 hours', now() - interval '1 hour')",
        )
        .bind(user.id)
        .bind(&expired[..])
        .execute(store.pool())
        .await
        .unwrap();
        assert_eq!(store.session_user(&expired).await.unwrap(), None);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_digest_that_is_not_sha256_is_refused_by_the_database(pool: PgPool) {
        let store = Store::from_pool(pool);
        let user = store
            .create_user("short@example.com", "hash", None, "admin")
            .await
            .unwrap();
        let refused = store
            .open_session(user.id, b"short", Utc::now() + chrono::Duration::hours(1))
            .await;
        assert!(refused.is_err());
    }
}
