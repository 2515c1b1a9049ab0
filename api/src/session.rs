//! Console sessions: how the web console stays logged in without a long-lived token that page
//! scripts could read.
//!
//! Logging in through `POST /auth/session` answers a short-lived access token, which the console
//! keeps in memory, and sets the session's secret in an `HttpOnly`, `SameSite=Strict` cookie
//! scoped to `/api/v1/auth/session`: the browser sends it to these routes only, and no script
//! ever sees it. `POST /auth/session/refresh` trades the cookie for a fresh access token;
//! `DELETE /auth/session` revokes the session server-side, so a copied cookie is worthless after
//! logout. The database keeps only the SHA-256 digest of each secret. API clients without a
//! browser keep using `/auth/login` and `/auth/refresh`.

use crate::audit::{ClientAddr, origin_of};
use crate::auth::{self, User};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::openapi::MalformedJson;
use crate::sign_in::{NewSession, Via, sign_in};
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use campaign_domain::{AuditAction, AuditTarget};
use campaign_store::users::User as UserRow;
use chrono::Utc;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Name of the cookie holding the session's secret.
pub const SESSION_COOKIE: &str = "console_session";
/// The only path the browser sends the cookie to.
const SESSION_COOKIE_PATH: &str = "/api/v1/auth/session";
/// Random bytes in a session secret: guessing one is out of reach.
const SECRET_BYTES: usize = 32;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(open, close))
        .routes(routes!(refresh))
}

// No `Debug`: the password must not reach a log by accident.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SessionLogin {
    #[schema(min_length = 1, format = "email")]
    pub email: String,
    #[schema(min_length = 1)]
    pub password: String,
}

/// What the console holds in memory: an access token and who it belongs to. The session's own
/// secret travels only in the cookie.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionAccess {
    pub access_token: String,
    #[schema(value_type = String, example = "bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

fn access(context: &ApiContext, user: UserRow) -> ApiResult<ApiJson<SessionAccess>> {
    Ok(ApiJson(SessionAccess {
        access_token: context.keys.access_token(user.id)?,
        token_type: "bearer",
        expires_in: context.keys.access_ttl_secs(),
        user: user.into(),
    }))
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The `Set-Cookie` value that stores `secret` for `max_age_secs` (0 deletes the cookie).
fn session_cookie(secret: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path={SESSION_COOKIE_PATH}; \
         Max-Age={max_age_secs}{secure}"
    ))
    .expect("a cookie of hex digits and fixed attributes is a valid header value")
}

/// The session secret the request's `Cookie` headers carry, if any.
fn session_secret(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/session",
    tag = "auth",
    operation_id = "open_session",
    request_body = SessionLogin,
    responses(
        (status = 200, description = "An access token; the session's secret is set in an HttpOnly cookie",
            body = SessionAccess,
            headers(("Set-Cookie" = String, description = "console_session, HttpOnly, SameSite=Strict, Path=/api/v1/auth/session"))),
        (status = 400, response = MalformedJson),
        (status = 401, description = "Wrong email or password, or inactive user", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Body of the wrong shape", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this email or from this address (`too_many_attempts`): try again after `Retry-After` seconds",
            body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before the next attempt"))),
    )
)]
async fn open(
    State(context): State<ApiContext>,
    ClientAddr(client_addr): ClientAddr,
    ApiJson(login): ApiJson<SessionLogin>,
) -> ApiResult<impl IntoResponse> {
    let secret = new_secret();
    let ttl = context.config.refresh_token_ttl;
    let expires_at = Utc::now()
        + chrono::Duration::from_std(ttl).map_err(|err| ApiError::Internal(err.into()))?;
    let session = NewSession {
        token_digest: digest(&secret),
        expires_at,
    };
    let user = sign_in(
        &context,
        &login.email,
        login.password,
        client_addr,
        Via::Session,
        Some(session),
    )
    .await?;
    let cookie = session_cookie(&secret, ttl.as_secs(), context.config.session_cookie_secure);
    Ok((
        AppendHeaders([(SET_COOKIE, cookie)]),
        access(&context, user)?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/session/refresh",
    tag = "auth",
    operation_id = "refresh_session",
    responses(
        (status = 200, description = "A new access token for the session's user", body = SessionAccess),
        (status = 401, description = "No session cookie, or the session expired, was revoked, or its user is inactive", body = ErrorBody),
    )
)]
async fn refresh(
    State(context): State<ApiContext>,
    ClientAddr(client_addr): ClientAddr,
    headers: HeaderMap,
) -> ApiResult<ApiJson<SessionAccess>> {
    let secret = session_secret(&headers).ok_or(ApiError::Unauthorized("no session"))?;
    let user_id = context
        .store
        .session_user(&digest(secret))
        .await?
        .ok_or(ApiError::Unauthorized("session expired or revoked"))?;
    let user = auth::active_user(&context, user_id).await?;
    let entry = origin_of(&user, client_addr)
        .entry(AuditAction::AuthRefresh)
        .target(AuditTarget::User, user.id)
        .summary(serde_json::json!({ "via": "session" }));
    let access = access(&context, user)?;
    context.store.record_audit(&entry).await?;
    Ok(access)
}

#[utoipa::path(
    delete,
    path = "/api/v1/auth/session",
    tag = "auth",
    operation_id = "close_session",
    responses(
        (status = 204, description = "The session is revoked and its cookie cleared (also when there was none)"),
    )
)]
async fn close(
    State(context): State<ApiContext>,
    ClientAddr(client_addr): ClientAddr,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    if let Some(secret) = session_secret(&headers) {
        context
            .store
            .revoke_session(&digest(secret), client_addr)
            .await?;
    }
    let cleared = session_cookie("", 0, context.config.session_cookie_secure);
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, cleared)]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for cookie in cookies {
            headers.append(COOKIE, HeaderValue::from_str(cookie).unwrap());
        }
        headers
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(
            session_secret(&headers(&["theme=dark; console_session=abc123; lang=fr"])),
            Some("abc123")
        );
        assert_eq!(
            session_secret(&headers(&["a=1", "console_session=def"])),
            Some("def")
        );
        assert_eq!(session_secret(&headers(&["xconsole_session=abc"])), None);
        assert_eq!(session_secret(&headers(&["console_session="])), None);
        assert_eq!(session_secret(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_scoped_to_the_session_routes() {
        let cookie = session_cookie("00ff", 60, true);
        let text = cookie.to_str().unwrap();
        for attribute in [
            "console_session=00ff",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/api/v1/auth/session",
            "Max-Age=60",
            "Secure",
        ] {
            assert!(text.contains(attribute), "{text} lacks {attribute}");
        }
        assert!(
            !session_cookie("00ff", 60, false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }

    #[test]
    fn secrets_are_long_random_and_hex() {
        let (first, second) = (new_secret(), new_secret());
        assert_ne!(first, second);
        assert_eq!(first.len(), SECRET_BYTES * 2);
        assert!(first.bytes().all(|byte| byte.is_ascii_hexdigit()));
    }

    proptest! {
        /// Whatever else the browser sends, the session cookie comes back exactly as set.
        #[test]
        fn a_set_secret_is_read_back(
            secret in "[0-9a-f]{1,64}",
            before in proptest::collection::vec("[a-z]{1,8}=[a-z0-9]{0,8}", 0..4),
            after in proptest::collection::vec("[a-z]{1,8}=[a-z0-9]{0,8}", 0..4),
        ) {
            let mut cookies = before.clone();
            cookies.push(format!("{SESSION_COOKIE}={secret}"));
            cookies.extend(after);
            let line = cookies.join("; ");
            let sent = headers(&[&line]);
            prop_assert_eq!(session_secret(&sent), Some(secret.as_str()));
        }
    }
}
