//! `GET /health`: `{status, database, temporal, provider}`, 503 when the database or Temporal is
//! down, so a load balancer stops sending traffic an instance cannot serve. A provider marked
//! down (it refused our credentials, SPEC §7) makes the status `degraded` but answers 200: the
//! instance still serves the console and the webhooks, and every campaign waits paused.

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
    /// `up`, or `down` since the provider refused our credentials (until an operator resumes a
    /// campaign); `unknown` when the database cannot say.
    #[schema(value_type = String, example = "up")]
    provider: &'static str,
    /// Why the provider is down.
    provider_reason: Option<String>,
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
    let provider_down = if database_up {
        context.store.provider_down().await.ok()
    } else {
        None
    };
    let (provider, provider_reason) = match provider_down {
        Some(Some(down)) => ("down", Some(down.reason)),
        Some(None) => ("up", None),
        None => ("unknown", None),
    };
    let healthy = database_up && temporal_up;
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let report = HealthReport {
        status: if healthy && provider == "up" {
            "ok"
        } else {
            "degraded"
        },
        database: up(database_up),
        temporal: up(temporal_up),
        provider,
        provider_reason,
    };
    (status, ApiJson(report))
}
