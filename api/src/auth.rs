//! Authentication: argon2id password hashes, the first super admin, and the extractors that
//! guard routes (the tokens themselves are in [`crate::tokens`], the routes that issue them in
//! `routes::auth`).
//!
//! Every authenticated request re-reads the user, so deactivating a user or changing a role
//! takes effect at once rather than when the token expires.

use crate::context::ApiContext;
use crate::error::{ApiError, ApiResult};
use crate::tokens::TokenKind;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use campaign_domain::Role;
use campaign_store::users::User as UserRow;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Hashes a password with argon2id off the async runtime (it takes tens of milliseconds by
/// design).
pub async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| ApiError::Internal(anyhow::anyhow!("hashing a password: {err}")))
    })
    .await
    .map_err(|err| ApiError::Internal(err.into()))?
}

pub(crate) async fn password_matches(password: String, hash: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|err| ApiError::Internal(err.into()))
}

/// A password a user may set: long enough to resist guessing.
pub fn validate_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::Validation(
            "password must be at least 8 characters".to_owned(),
        ));
    }
    Ok(())
}

/// Creates the first super admin from `ADMIN_EMAIL` / `ADMIN_PASSWORD` when no user exists.
pub async fn bootstrap_admin(context: &ApiContext) -> anyhow::Result<()> {
    let (Some(email), Some(password)) = (
        context.config.admin_email.clone(),
        context
            .config
            .admin_password
            .clone()
            .map(|password| password.expose().to_owned()),
    ) else {
        if context.store.count_users().await? == 0 {
            tracing::warn!(
                "no user exists and ADMIN_EMAIL / ADMIN_PASSWORD are not set: nobody can log in"
            );
        }
        return Ok(());
    };
    validate_password(&password).map_err(|err| anyhow::anyhow!("ADMIN_PASSWORD: {err}"))?;
    let hash = hash_password(password)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if context.store.bootstrap_super_admin(&email, &hash).await? {
        tracing::info!(%email, "created the first super admin from ADMIN_EMAIL");
    }
    Ok(())
}

/// The authenticated, active user of a request (`Authorization: Bearer <access token>`).
#[derive(Debug, Clone)]
pub struct AuthUser(pub UserRow);

impl FromRequestParts<ApiContext> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, context: &ApiContext) -> ApiResult<Self> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let user_id = context.keys.verify(token.trim(), TokenKind::Access)?;
        active_user(context, user_id).await.map(AuthUser)
    }
}

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive
/// (RFC 7235), so the `token_type: "bearer"` the login answers can be echoed back as is.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// An authenticated `super_admin`; anyone else is refused with 403.
#[derive(Debug, Clone)]
pub struct SuperAdmin(pub UserRow);

impl FromRequestParts<ApiContext> for SuperAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, context: &ApiContext) -> ApiResult<Self> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, context).await?;
        if user.role != Role::SuperAdmin {
            return Err(ApiError::Forbidden);
        }
        Ok(SuperAdmin(user))
    }
}

/// The user `user_id`, if they may still act: a deactivated or deleted user is refused.
pub async fn active_user(context: &ApiContext, user_id: i64) -> ApiResult<UserRow> {
    match context.store.user(user_id).await {
        Ok(user) if user.is_active => Ok(user),
        Ok(_) => Err(ApiError::Unauthorized("user is inactive")),
        Err(campaign_store::StoreError::NotFound(_)) => {
            Err(ApiError::Unauthorized("user no longer exists"))
        }
        Err(err) => Err(err.into()),
    }
}

/// A user as the API shows it: never the password hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    id: i64,
    email: String,
    full_name: Option<String>,
    role: Role,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(user: UserRow) -> User {
        User {
            id: user.id,
            email: user.email,
            full_name: user.full_name,
            role: user.role,
            is_active: user.is_active,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// A well-formed argon2id hash of a random password: checked when the email is unknown, so the
/// answer takes as long as for a known one and does not reveal which emails exist.
pub(crate) const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ck4yb0T0pG1U5nQx2m3S3vnZ8o4B7rX0j6bQ5aPq2E";
