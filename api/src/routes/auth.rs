//! `/auth/login`, `/auth/refresh` and `/auth/me`: the token routes of API clients without a
//! browser (the console's cookie sessions are in [`crate::session`]).

use crate::audit::{ClientAddr, origin_of};
use crate::auth::{AuthUser, User, active_user};
use crate::context::ApiContext;
use crate::error::{ApiJson, ApiResult, ErrorBody};
use crate::openapi::MalformedJson;
use crate::sign_in::{Via, sign_in};
use crate::tokens::TokenKind;
use axum::extract::State;
use campaign_domain::{AuditAction, AuditTarget};
use campaign_store::users::User as UserRow;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(me))
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
        expires_in: context.keys.access_ttl_secs(),
        user: user.into(),
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Access and refresh tokens", body = TokenResponse),
        (status = 400, response = MalformedJson),
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
        (status = 400, response = MalformedJson),
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
    )
)]
async fn me(AuthUser(user): AuthUser) -> ApiJson<User> {
    ApiJson(user.into())
}
