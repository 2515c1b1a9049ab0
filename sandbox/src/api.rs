//! HTTP surface: the Wassenger-compatible API under `/v1` and the sandbox controls under
//! `/sandbox`.
//!
//! Every error, including malformed JSON, oversized bodies and unknown routes, is answered with
//! Wassenger's error shape `{status, errorCode, message}`, so the engine's error classification
//! sees the same bodies it would see in production.

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::http::{ApiError, not_found};
use crate::meta;
use crate::state::AppState;

mod config;
mod controls;
mod messages;

use config::{get_config, set_config};
use controls::{clear_accepted, get_faults, list_accepted, set_faults};
use messages::{number_exists, search_messages, send_message};

/// Largest request body accepted. A WhatsApp text is at most 4096 characters (16 KiB of UTF-8),
/// so anything bigger is a client bug, answered `413`.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// All routes, sharing `state`.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/messages", post(send_message).get(search_messages))
        .route("/v1/numbers/exists", post(number_exists))
        .route("/sandbox/health", get(health))
        .route(
            "/sandbox/messages",
            get(list_accepted).delete(clear_accepted),
        )
        .route("/sandbox/faults", get(get_faults).post(set_faults))
        .route("/sandbox/config", get(get_config).post(set_config))
        .merge(meta::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed on this endpoint",
    )
}
