//! `GET /metrics`: the Prometheus scrape, with today's sends by status read from the database
//! at each scrape (see [`crate::metrics`]).

use crate::context::ApiContext;
use crate::error::{ApiError, ErrorBody};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(render))
}

/// `GET /metrics`: Prometheus text format.
#[utoipa::path(
    get,
    path = "/api/v1/metrics",
    tag = "metrics",
    operation_id = "metrics",
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 500, description = "The metrics could not be encoded", body = ErrorBody),
    )
)]
async fn render(State(context): State<ApiContext>) -> Response {
    match context.store.messages_by_status_today().await {
        Ok(counts) => context.metrics.set_sends_today(&counts),
        Err(err) => tracing::warn!(%err, "metrics: cannot read today's sends"),
    }
    match context.metrics.encode() {
        Ok(body) => ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response(),
        Err(err) => ApiError::Internal(err.into()).into_response(),
    }
}
