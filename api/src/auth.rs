//! Authentication: argon2id password hashes, JWT access and refresh tokens, and the
//! extractors that guard routes.
//!
//! Tokens carry their kind so a refresh token cannot be used as an access token. Every
//! authenticated request re-reads the user, so deactivating a user or changing a role takes
//! effect at once rather than when the token expires.

use crate::audit::{ClientAddr, origin_of};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::sign_in::{Via, sign_in};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use campaign_domain::{AuditAction, AuditTarget, Role};
use campaign_store::users::User as UserRow;
use chrono::{DateTime, Utc};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Signing keys and token lifetimes.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    kind: TokenKind,
    iat: u64,
    exp: u64,
}

impl JwtKeys {
    pub fn new(secret: &str, access_ttl: Duration, refresh_ttl: Duration) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            access_ttl,
            refresh_ttl,
        }
    }

    /// A new access token for `user_id`.
    pub fn access_token(&self, user_id: i64) -> ApiResult<String> {
        self.issue(user_id, TokenKind::Access)
    }

    /// Seconds an access token lives.
    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl.as_secs()
    }

    fn issue(&self, user_id: i64, kind: TokenKind) -> ApiResult<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let ttl = match kind {
            TokenKind::Access => self.access_ttl,
            TokenKind::Refresh => self.refresh_ttl,
        };
        let claims = Claims {
            sub: user_id.to_string(),
            kind,
            iat: now,
            exp: now + ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::default(), &claims, &self.encoding)
            .map_err(|err| ApiError::Internal(err.into()))
    }

    /// The user id of a valid, unexpired token of `kind`.
    fn verify(&self, token: &str, kind: TokenKind) -> ApiResult<i64> {
        let mut validation = Validation::default();
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| ApiError::Unauthorized("invalid or expired token"))?
            .claims;
        if claims.kind != kind {
            return Err(ApiError::Unauthorized("wrong kind of token"));
        }
        claims
            .sub
            .parse()
            .map_err(|_| ApiError::Unauthorized("invalid token subject"))
    }
}

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

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(me))
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

// No `Debug`: the password must not reach a log by accident.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    #[schema(value_type = String, example = "bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

fn tokens(context: &ApiContext, user: UserRow) -> ApiResult<TokenResponse> {
    Ok(TokenResponse {
        access_token: context.keys.issue(user.id, TokenKind::Access)?,
        refresh_token: context.keys.issue(user.id, TokenKind::Refresh)?,
        token_type: "bearer",
        expires_in: context.keys.access_ttl.as_secs(),
        user: user.into(),
    })
}

/// A well-formed argon2id hash of a random password: checked when the email is unknown, so the
/// answer takes as long as for a known one and does not reveal which emails exist.
pub(crate) const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Ck4yb0T0pG1U5nQx2m3S3vnZ8o4B7rX0j6bQ5aPq2E";

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Access and refresh tokens", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong email or password, or inactive user", body = ErrorBody),
        (status = 422, description = "Body of the wrong shape", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this email or from this address (`too_many_attempts`): try again after `Retry-After` seconds",
            body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before the next attempt"))),
    )
)]
async fn login(
    State(context): State<ApiContext>,
    ClientAddr(client_addr): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    let user = sign_in(
        &context,
        &request.email,
        request.password,
        client_addr,
        Via::Token,
        None,
    )
    .await?;
    Ok(ApiJson(tokens(&context, user)?))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    operation_id = "refresh_tokens",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New access and refresh tokens", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Invalid or expired refresh token, or inactive user", body = ErrorBody),
        (status = 422, description = "Body of the wrong shape", body = ErrorBody),
    )
)]
async fn refresh(
    State(context): State<ApiContext>,
    ClientAddr(client_addr): ClientAddr,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<ApiJson<TokenResponse>> {
    let user_id = context
        .keys
        .verify(&request.refresh_token, TokenKind::Refresh)?;
    let user = active_user(&context, user_id).await?;
    let tokens = tokens(&context, user.clone())?;
    context
        .store
        .record_audit(
            &origin_of(&user, client_addr)
                .entry(AuditAction::AuthRefresh)
                .target(AuditTarget::User, user.id)
                .summary(serde_json::json!({ "via": "token" })),
        )
        .await?;
    Ok(ApiJson(tokens))
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    operation_id = "current_user",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The authenticated user", body = User),
        (status = 401, description = "Missing, invalid or expired access token", body = ErrorBody),
    )
)]
async fn me(AuthUser(user): AuthUser) -> ApiJson<User> {
    ApiJson(user.into())
}
