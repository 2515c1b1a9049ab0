//! The worker's Prometheus endpoint (`WORKER_METRICS_ADDR`): the Temporal SDK's metrics and the
//! engine's ([`EngineMetrics`]) on one registry, served by the SDK's exporter.
//!
//! Names follow Prometheus's conventions rather than the SDK's defaults: counters end in
//! `_total`, durations are in seconds with the unit in the name
//! (`temporal_workflow_task_schedule_to_start_latency_seconds`), so the SDK's series and ours
//! read alike in one query. docs/OPERATIONS.md lists them and the alerts built on them.

use campaign_activities::EngineMetrics;
use campaign_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::telemetry::metrics::CoreMeter;
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TelemetryOptions, start_prometheus_metric_exporter,
};
use tokio::task::AbortHandle;

/// How often the breaker and daily-quota gauges are read from the database. They are shared by
/// every worker (one row each), so each worker reports the same values and a scrape every 15 s
/// sees them at most this old.
const SENDING_STATE_INTERVAL: Duration = Duration::from_secs(15);

/// The metrics side of a running worker.
pub struct WorkerMetrics {
    /// For the SDK's runtime: its meter, or none without an endpoint.
    pub telemetry: TelemetryOptions,
    /// The engine's instruments, on the same meter.
    pub engine: EngineMetrics,
    /// The endpoint's server and the gauges' watch, stopped with the worker.
    tasks: Vec<AbortHandle>,
}

impl WorkerMetrics {
    /// Starts the endpoint on `addr`, or records nothing when it is `None`.
    pub fn start(addr: Option<SocketAddr>) -> anyhow::Result<WorkerMetrics> {
        let Some(addr) = addr else {
            return Ok(WorkerMetrics {
                telemetry: TelemetryOptions::default(),
                engine: EngineMetrics::disabled(),
                tasks: Vec::new(),
            });
        };
        let started = start_prometheus_metric_exporter(
            PrometheusExporterOptions::builder()
                .socket_addr(addr)
                .counters_total_suffix(true)
                .use_seconds_for_durations(true)
                .unit_suffix(true)
                .build(),
        )?;
        tracing::info!(addr = %started.bound_addr, "serving metrics on /metrics");
        let meter: Arc<dyn CoreMeter> = started.meter;
        Ok(WorkerMetrics {
            telemetry: TelemetryOptions::builder().metrics(meter.clone()).build(),
            engine: EngineMetrics::new(meter),
            tasks: vec![started.abort_handle],
        })
    }

    /// Keeps the breaker and daily-quota gauges current until the worker stops; a worker
    /// without an endpoint has nothing to keep.
    pub fn watch_sending_state(&mut self, store: Store, daily_limit: i32) {
        if self.tasks.is_empty() {
            return;
        }
        let engine = self.engine.clone();
        let limit = u64::try_from(daily_limit).unwrap_or_default();
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(SENDING_STATE_INTERVAL);
            loop {
                every.tick().await;
                match tokio::try_join!(store.sending_paused_until(), store.sent_today()) {
                    Ok((paused_until, sent_today)) => engine.sending_state(
                        paused_until.is_some(),
                        u64::try_from(sent_today).unwrap_or_default(),
                        limit,
                    ),
                    Err(err) => tracing::warn!(%err, "metrics: cannot read the sending state"),
                }
            }
        });
        self.tasks.push(task.abort_handle());
    }
}

impl Drop for WorkerMetrics {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
