//! Users of the API: operators who log in (`admin`) and those who also manage users
//! (`super_admin`). Email uniqueness is case-insensitive, enforced by `users_email_key`.

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry, AuditTarget};
use campaign_domain::Role;
use chrono::{DateTime, Utc};

/// A user without the password hash: what the API may show.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user with the hash their password is checked against (no `Debug`, so the hash cannot be
/// logged by accident).
#[derive(Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub password_hash: Option<String>,
}

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM users"#)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        full_name: Option<&str>,
        role: Role,
        entry: &AuditEntry,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin().await?;
        let user = sqlx::query_as!(
            User,
            r#"INSERT INTO users (email, password_hash, full_name, role) VALUES ($1, $2, $3, $4)
               RETURNING id, email, full_name, role AS "role: Role", is_active, created_at, updated_at"#,
            email,
            password_hash,
            full_name,
            role.as_str(),
        )
        .fetch_one(&mut *tx)
        .await?;
        audit::record(&mut *tx, &entry.clone().target(AuditTarget::User, user.id)).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Creates the first super admin unless a user exists; returns whether it did. Serialized by
    /// an advisory lock so two API processes starting together create one.
    pub async fn bootstrap_super_admin(
        &self,
        email: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!("SELECT FROM pg_advisory_xact_lock(hashtext('bootstrap_super_admin'))")
            .execute(&mut *tx)
            .await?;
        let exists = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#)
            .fetch_one(&mut *tx)
            .await?;
        if exists {
            return Ok(false);
        }
        sqlx::query!(
            "INSERT INTO users (email, password_hash, full_name, role) \
             VALUES ($1, $2, 'Administrator', $3)",
            email,
            password_hash,
            Role::SuperAdmin.as_str(),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn user_credentials(
        &self,
        email: &str,
    ) -> Result<Option<UserCredentials>, StoreError> {
        let row = sqlx::query!(
            r#"SELECT id, email, full_name, role AS "role: Role", is_active, created_at, updated_at,
                 password_hash
               FROM users WHERE lower(email) = lower($1)"#,
            email,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| UserCredentials {
            user: User {
                id: row.id,
                email: row.email,
                full_name: row.full_name,
                role: row.role,
                is_active: row.is_active,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
            password_hash: row.password_hash,
        }))
    }

    pub async fn user(&self, id: i64) -> Result<User, StoreError> {
        sqlx::query_as!(
            User,
            r#"SELECT id, email, full_name, role AS "role: Role", is_active, created_at, updated_at
               FROM users WHERE id = $1"#,
            id,
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("user"))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        Ok(sqlx::query_as!(
            User,
            r#"SELECT id, email, full_name, role AS "role: Role", is_active, created_at, updated_at
               FROM users ORDER BY id"#
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn update_user(
        &self,
        id: i64,
        changes: UserChanges,
        entry: &AuditEntry,
    ) -> Result<User, StoreError> {
        let mut tx = self.pool.begin().await?;
        let user = sqlx::query_as!(
            User,
            "UPDATE users SET email = coalesce($2, email), full_name = coalesce($3, full_name), \
             role = coalesce($4, role), is_active = coalesce($5, is_active), \
             password_hash = coalesce($6, password_hash), updated_at = now() \
             WHERE id = $1 RETURNING id, email, full_name, role AS \"role: Role\", is_active, created_at, \
             updated_at",
            id,
            changes.email,
            changes.full_name,
            changes.role.map(Role::as_str),
            changes.is_active,
            changes.password_hash,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn delete_user(&self, id: i64, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query!("DELETE FROM users WHERE id = $1", id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound("user"));
        }
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
