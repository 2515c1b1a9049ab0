//! Worker configuration, read once from the environment at start-up.
//!
//! Durations that shape a campaign (window, cutoff, pacing, retries) are *not* here: they are
//! copied into each campaign at launch (R16). This is only how the process connects and limits.

use campaign_runtime::config::daily_message_limit;
use campaign_runtime::{ConfigError, Env, ProviderConfig, TemporalConfig};
use campaign_workflows::PATCHES;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

/// Where the worker serves Prometheus metrics (`GET /metrics`), e.g. `127.0.0.1:9464`: the
/// Temporal SDK's and the engine's, on one endpoint. Unset, the worker serves none and records
/// nothing.
pub const METRICS_ADDR_VAR: &str = "WORKER_METRICS_ADDR";

/// How long in-flight tasks may finish after a stop request before Temporal hands them on.
const DEFAULT_GRACEFUL_SHUTDOWN: Duration = Duration::from_secs(20);
/// R13: how long sending pauses when the circuit breaker trips.
const DEFAULT_BREAKER_PAUSE: Duration = Duration::from_secs(30 * 60);
/// Workflows kept in memory between their tasks. The SDK's default (1,000) is smaller than the
/// journeys a campaign keeps waiting at once; an evicted workflow is replayed from its whole
/// history on its next task. A cached journey costs a few kilobytes.
const DEFAULT_MAX_CACHED_WORKFLOWS: usize = 5_000;
/// Concurrent polls for workflow tasks, a fifth of them on the shared queue and the rest on this
/// worker's sticky queue. With the SDK's 5, workflow tasks of a 3,000-journey fan-out waited on
/// the sticky queue past its 10 s timeout (then on the shared one, 18 s more); with 10 none did.
/// More is not better: with 20, Message 2 latency under 2,000 replies at once doubled
/// (docs/PERFORMANCE.md, "Engine throughput").
const DEFAULT_WORKFLOW_POLLERS: usize = 10;

/// Everything the worker process needs. `Debug` never shows the provider token.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub database_url: String,
    pub temporal: TemporalConfig,
    pub identity: String,
    pub provider: ProviderConfig,
    pub daily_message_limit: i32,
    pub graceful_shutdown: Duration,
    pub breaker_pause: Duration,
    pub max_cached_workflows: usize,
    pub workflow_pollers: usize,
    /// Patches this worker does not activate for a workflow reaching them (see
    /// [`campaign_workflows::PATCHES`]): the first step of a rolling deploy of a patched change.
    pub held_patches: BTreeSet<&'static str>,
    /// See [`METRICS_ADDR_VAR`].
    pub metrics_addr: Option<SocketAddr>,
}

impl WorkerConfig {
    /// Reads the configuration from `env` (the README lists the variables).
    pub fn from_env(env: &Env) -> Result<WorkerConfig, ConfigError> {
        Ok(WorkerConfig {
            database_url: env.required("DATABASE_URL")?,
            temporal: TemporalConfig::from_env(env),
            identity: env
                .optional("WORKER_IDENTITY")
                .unwrap_or_else(|| format!("campaign-worker-{}", std::process::id())),
            provider: ProviderConfig::from_env(env)?,
            daily_message_limit: daily_message_limit(env)?,
            graceful_shutdown: env.seconds("GRACEFUL_SHUTDOWN_SECS", DEFAULT_GRACEFUL_SHUTDOWN)?,
            breaker_pause: env.seconds("BREAKER_PAUSE_SECS", DEFAULT_BREAKER_PAUSE)?,
            max_cached_workflows: env
                .parsed("WORKER_MAX_CACHED_WORKFLOWS", DEFAULT_MAX_CACHED_WORKFLOWS)?,
            workflow_pollers: env.parsed("WORKER_WORKFLOW_POLLERS", DEFAULT_WORKFLOW_POLLERS)?,
            held_patches: held_patches(env)?,
            metrics_addr: metrics_addr(env)?,
        })
    }
}

/// `WORKER_HELD_PATCHES`: comma-separated patch ids, each one of the workflow code's; a typo
/// would otherwise hold nothing back, silently.
fn held_patches(env: &Env) -> Result<BTreeSet<&'static str>, ConfigError> {
    const NAME: &str = "WORKER_HELD_PATCHES";
    let Some(list) = env.optional(NAME) else {
        return Ok(BTreeSet::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            PATCHES
                .iter()
                .copied()
                .find(|known| *known == id)
                .ok_or_else(|| ConfigError::Invalid {
                    name: NAME,
                    reason: format!(
                        "{id} is not a patch of this release ({})",
                        PATCHES.join(", ")
                    ),
                })
        })
        .collect()
}

/// `WORKER_METRICS_ADDR`, when set.
fn metrics_addr(env: &Env) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(raw) = env.optional(METRICS_ADDR_VAR) else {
        return Ok(None);
    };
    raw.parse().map(Some).map_err(|err| ConfigError::Invalid {
        name: METRICS_ADDR_VAR,
        reason: format!("`{raw}` is not an address and port: {err}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_database_is_required() {
        let env = Env::new(|name| (name == "DATABASE_URL").then(|| "postgres://x".to_owned()));
        let config = WorkerConfig::from_env(&env).unwrap();
        assert_eq!(config.breaker_pause, DEFAULT_BREAKER_PAUSE);
        assert_eq!(config.temporal.task_queue, "campaign-engine");
        assert_eq!(config.metrics_addr, None);
        assert!(matches!(
            WorkerConfig::from_env(&Env::new(|_| None)),
            Err(ConfigError::Missing("DATABASE_URL"))
        ));
        assert!(config.held_patches.is_empty());
    }

    fn with_held(list: &'static str) -> Result<WorkerConfig, ConfigError> {
        WorkerConfig::from_env(&Env::new(move |name| match name {
            "DATABASE_URL" => Some("postgres://x".to_owned()),
            "WORKER_HELD_PATCHES" => Some(list.to_owned()),
            _ => None,
        }))
    }

    #[test]
    fn held_patches_are_patches_of_this_release() {
        let held = with_held(" publish-sending-message-2 ,")
            .unwrap()
            .held_patches;
        assert_eq!(
            held,
            BTreeSet::from([campaign_workflows::SENDING_MESSAGE_2_PATCH])
        );
        assert!(matches!(
            with_held("publish-sending-message-two"),
            Err(ConfigError::Invalid {
                name: "WORKER_HELD_PATCHES",
                ..
            })
        ));
    }

    #[test]
    fn metrics_are_served_on_the_address_given() {
        let with = |value: &'static str| {
            WorkerConfig::from_env(&Env::from_pairs(&[
                ("DATABASE_URL", "postgres://x"),
                (METRICS_ADDR_VAR, value),
            ]))
        };
        assert_eq!(
            with("127.0.0.1:9464").unwrap().metrics_addr,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        assert!(matches!(
            with("9464"),
            Err(ConfigError::Invalid {
                name: METRICS_ADDR_VAR,
                ..
            })
        ));
    }
}
