//! Errors in Wassenger's shape `{status, errorCode, message}`, and the responses of injected
//! faults: every failure the sandbox answers goes through here, so the engine's error
//! classification sees the bodies it would see in production.

use axum::Json;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::IgnoredAny;
use serde_json::json;

use crate::state::InjectedFailure;

/// `Retry-After` (seconds) sent with every `429`, so clients can exercise their handling of it.
const RATE_LIMIT_RETRY_AFTER_SECS: u64 = 1;

/// An error answered in Wassenger's shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({
            "status": self.status.as_u16(),
            "errorCode": self.code,
            "message": self.message,
        }));
        with_retry_after((self.status, body).into_response())
    }
}

/// Adds `Retry-After` to `429` responses.
fn with_retry_after(mut response: Response) -> Response {
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RATE_LIMIT_RETRY_AFTER_SECS));
    }
    response
}

/// The response for a failure chosen by the fault injector.
pub(crate) fn injected_response(failure: InjectedFailure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match failure.body {
        Some(body) => {
            let content_type = if serde_json::from_str::<IgnoredAny>(&body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            with_retry_after((status, [(CONTENT_TYPE, content_type)], body).into_response())
        }
        None => {
            let (code, message) = match status.as_u16() {
                429 => (
                    "rate_limit_exceeded",
                    "Too many requests: rate limit exceeded, retry later",
                ),
                401 => ("unauthorized", "Invalid or missing API token"),
                500..=599 => ("internal_error", "Internal server error (injected)"),
                _ => ("injected_error", "Request failed (injected)"),
            };
            ApiError::new(status, code, message).into_response()
        }
    }
}

pub(crate) fn invalid_phone(raw: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_phone",
        format!(
            "Invalid phone number {raw:?}: expected E.164 digits with an optional leading +, \
             8 to 15 digits long"
        ),
    )
}
