//! `GET /health`: `{status, database, temporal}`, 503 when either dependency is down, so a load
//! balancer stops sending traffic an instance cannot serve.

use crate::context::ApiContext;
use crate::error::ApiJson;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;
use temporalio_common::protos::grpc::health::v1::HealthCheckRequest;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(health))
}

/// `GET /health`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct HealthReport {
    /// `ok`, or `degraded` (answered with 503) when a dependency is down.
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
    /// `up` or `down`.
    #[schema(value_type = String, example = "up")]
    database: &'static str,
    /// `up` or `down`.
    #[schema(value_type = String, example = "up")]
    temporal: &'static str,
}

/// A dependency that takes longer than this to answer counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "health",
    operation_id = "health",
    responses(
        (status = 200, description = "The database and Temporal are up", body = HealthReport),
        (status = 503, description = "A dependency is down (`status` is `degraded`)", body = HealthReport),
    )
)]
async fn health(State(context): State<ApiContext>) -> (StatusCode, ApiJson<HealthReport>) {
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
    let report = HealthReport {
        status: if healthy { "ok" } else { "degraded" },
        database: up(database_up),
        temporal: up(temporal_up),
    };
    (status, ApiJson(report))
}
