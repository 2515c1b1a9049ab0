//! `GET /health`: `{status, database, temporal}`, 503 when either dependency is down, so a load
//! balancer stops sending traffic an instance cannot serve.

use crate::context::ApiContext;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::time::Duration;
use temporalio_common::protos::grpc::health::v1::HealthCheckRequest;

/// A dependency that takes longer than this to answer counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "health",
    operation_id = "health",
    responses(
        (status = 200, description = "The database and Temporal are up", body = crate::openapi::HealthReport),
        (status = 503, description = "A dependency is down (`status` is `degraded`)", body = crate::openapi::HealthReport),
    )
)]
pub async fn health(State(context): State<ApiContext>) -> impl IntoResponse {
    let database = async {
        tokio::time::timeout(PROBE_TIMEOUT, context.store.ping())
            .await
            .is_ok_and(|ping| ping.is_ok())
    };
    let temporal = async {
        let request = tonic::Request::new(HealthCheckRequest {
            service: "temporal.api.workflowservice.v1.WorkflowService".to_owned(),
        });
        let mut health = context.temporal.connection().health_service();
        tokio::time::timeout(PROBE_TIMEOUT, health.check(request))
            .await
            .is_ok_and(|answer| answer.is_ok())
    };
    let (database_up, temporal_up) = tokio::join!(database, temporal);
    let up = |is_up: bool| if is_up { "up" } else { "down" };
    let healthy = database_up && temporal_up;
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if healthy { "ok" } else { "degraded" },
        "database": up(database_up),
        "temporal": up(temporal_up),
    });
    (status, Json(body))
}
