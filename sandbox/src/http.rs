//! What the sandbox's HTTP surfaces share, Wassenger's and Meta's controls alike: errors in
//! Wassenger's shape, lenient extractors and the JSON 404. A leaf beside the routers, so each
//! router uses it without importing the other.

mod error;
mod extract;

use axum::http::StatusCode;

pub(crate) use error::{ApiError, injected_response, invalid_phone};
pub(crate) use extract::{Authorized, JsonBody, query};

/// The answer to a path no endpoint serves.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such endpoint")
}
