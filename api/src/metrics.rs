//! Prometheus metrics: requests, webhook events by type, signals sent, sends by outcome.
//!
//! Counters live in this process; sends happen in the workers, so sends by outcome are read
//! from the database (today's messages by status) when `/metrics` is scraped, which is right
//! whichever process made them.

use crate::context::ApiContext;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub webhook_events: IntCounterVec,
    pub signals_sent: IntCounterVec,
    sends_today: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let counter = IntCounterVec::new(Opts::new(name, help), labels)
                .expect("metric names and labels are valid constants");
            registry
                .register(Box::new(counter.clone()))
                .expect("each metric is registered once");
            counter
        };
        let http_requests = counter(
            "http_requests_total",
            "HTTP requests by method, route and status",
            &["method", "route", "status"],
        );
        let webhook_events = counter(
            "webhook_events_total",
            "Provider webhook events received, by event type",
            &["event"],
        );
        let signals_sent = counter(
            "signals_sent_total",
            "Signals sent to workflows, by signal and result",
            &["signal", "result"],
        );
        let sends_today = IntGaugeVec::new(
            Opts::new("sends_today", "Messages of the current UTC day by status"),
            &["status"],
        )
        .expect("metric names and labels are valid constants");
        registry
            .register(Box::new(sends_today.clone()))
            .expect("each metric is registered once");
        Metrics {
            registry,
            http_requests,
            webhook_events,
            signals_sent,
            sends_today,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware counting every request by its route template (not its raw path, which would
/// make one series per id).
pub async fn count_requests(
    State(context): State<ApiContext>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    context
        .metrics
        .http_requests
        .with_label_values(&[method.as_str(), route.as_str(), response.status().as_str()])
        .inc();
    response
}

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
        (status = 500, description = "The metrics could not be encoded", body = crate::error::ErrorBody),
    )
)]
async fn render(State(context): State<ApiContext>) -> Response {
    match context.store.messages_by_status_today().await {
        Ok(counts) => {
            context.metrics.sends_today.reset();
            for (status, count) in counts {
                context
                    .metrics
                    .sends_today
                    .with_label_values(&[status.as_str()])
                    .set(count);
            }
        }
        Err(err) => tracing::warn!(%err, "metrics: cannot read today's sends"),
    }
    let mut body = Vec::new();
    if let Err(err) = TextEncoder::new().encode(&context.metrics.registry.gather(), &mut body) {
        return crate::error::ApiError::Internal(err.into()).into_response();
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
