//! Prometheus metrics: requests, webhook events by type, signals sent, sends by outcome.
//!
//! Counters live in this process; sends happen in the workers, so sends by outcome are read
//! from the database (today's messages by status) when `/metrics` is scraped, which is right
//! whichever process made them.
//!
//! This module holds the registry and the request-counting middleware; `GET /metrics` is in
//! `routes::metrics`.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use campaign_domain::MessageStatus;
use prometheus::{Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use std::sync::Arc;

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

    /// Replaces the `sends_today` gauges with today's counts by status.
    pub fn set_sends_today(&self, counts: &[(MessageStatus, i64)]) {
        self.sends_today.reset();
        for (status, count) in counts {
            self.sends_today
                .with_label_values(&[status.as_str()])
                .set(*count);
        }
    }

    /// Every metric in Prometheus text format.
    pub fn encode(&self) -> prometheus::Result<Vec<u8>> {
        let mut body = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut body)?;
        Ok(body)
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
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics
        .http_requests
        .with_label_values(&[method.as_str(), route.as_str(), response.status().as_str()])
        .inc();
    response
}
