//! HTTP API of the campaign engine. For now the health check and the campaign [`operations`]
//! (launch, stop, retry, relaunch); the routes of SPEC section 6 come with the API issue, over the
//! same [`Store`] the activities use.

pub mod operations;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use campaign_activities::Store;

/// The router of the API, mounted under `/api/v1`.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .with_state(store)
}

/// `{status, database}`; 503 when Postgres does not answer.
async fn health(State(store): State<Store>) -> impl IntoResponse {
    let database_up = sqlx_ping(&store).await;
    let status = if database_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if database_up { "ok" } else { "degraded" },
        "database": if database_up { "up" } else { "down" },
    });
    (status, Json(body))
}

async fn sqlx_ping(store: &Store) -> bool {
    store.ping().await.is_ok()
}
