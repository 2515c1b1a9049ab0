//! Request extractors: JSON bodies and query strings parsed into Wassenger-shaped `400`s, and
//! the API token check of the `/v1` endpoints.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::state::AppState;

/// Header carrying the API token. Like the real API, `Authorization: <token>` (with or without
/// `Bearer `) is accepted as well.
const TOKEN_HEADER: &str = "Token";

/// A JSON body parsed leniently (any or no content type) into Wassenger-shaped `400`s.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_body"
            };
            ApiError::new(rejection.status(), code, rejection.body_text())
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|err| {
            ApiError::bad_request("invalid_body", format!("invalid JSON body: {err}"))
        })
    }
}

/// Query string parsing with Wassenger-shaped `400`s.
pub(crate) fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(value)| value)
        .map_err(|rejection| ApiError::bad_request("invalid_query", rejection.body_text()))
}

/// Proof that the request carried the configured API token.
pub(crate) struct Authorized;

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        let presented = header(TOKEN_HEADER).or_else(|| {
            header(AUTHORIZATION.as_str())
                .map(|value| value.strip_prefix("Bearer ").unwrap_or(value))
        });
        match presented {
            Some(token) if token == state.token() => Ok(Self),
            _ => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Invalid or missing API token",
            )),
        }
    }
}
