//! Worker configuration, read once from the environment at start-up.
//!
//! Durations that shape a campaign (window, cutoff, pacing, retries) are *not* here: they are
//! copied into each campaign at launch (R16). This is only how the process connects and limits.

use std::time::Duration;

/// R10: provider sends allowed per UTC day across all campaigns.
pub const DEFAULT_DAILY_MESSAGE_LIMIT: i32 = 1000;
pub const DEFAULT_TASK_QUEUE: &str = "campaign-engine";
pub const DEFAULT_MESSAGE_2_TASK_QUEUE: &str = "campaign-engine-message-2";
const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:3001";
const DEFAULT_SANDBOX_TOKEN: &str = "sandbox-token";
const DEFAULT_WASSENGER_URL: &str = "https://api.wassenger.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// The local sandbox server speaking Wassenger's API (the default).
    Sandbox,
    Wassenger,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Everything the worker process needs. `Debug` never shows the provider token.
#[derive(Clone)]
pub struct WorkerConfig {
    pub database_url: String,
    pub temporal_address: String,
    pub temporal_namespace: String,
    pub task_queue: String,
    pub message_2_task_queue: String,
    pub identity: String,
    pub provider: ProviderKind,
    pub provider_base_url: String,
    pub provider_token: String,
    pub provider_timeout: Duration,
    pub daily_message_limit: i32,
    pub graceful_shutdown: Duration,
    /// R13: how long sending pauses when the circuit breaker trips.
    pub breaker_pause: Duration,
}

impl std::fmt::Debug for WorkerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerConfig")
            .field("temporal_address", &self.temporal_address)
            .field("temporal_namespace", &self.temporal_namespace)
            .field("task_queue", &self.task_queue)
            .field("message_2_task_queue", &self.message_2_task_queue)
            .field("provider", &self.provider)
            .field("provider_base_url", &self.provider_base_url)
            .field("daily_message_limit", &self.daily_message_limit)
            .field("breaker_pause", &self.breaker_pause)
            .finish_non_exhaustive()
    }
}

impl WorkerConfig {
    /// Reads the configuration from environment variables (see the README for the list).
    pub fn from_env() -> Result<WorkerConfig, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests can supply variables without touching
    /// the process environment.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<WorkerConfig, ConfigError> {
        let provider = match lookup("WHATSAPP_PROVIDER").as_deref().unwrap_or("sandbox") {
            "sandbox" => ProviderKind::Sandbox,
            "wassenger" => ProviderKind::Wassenger,
            other => {
                return Err(ConfigError::Invalid {
                    name: "WHATSAPP_PROVIDER",
                    reason: format!("`{other}` is neither `sandbox` nor `wassenger`"),
                });
            }
        };
        let (default_url, default_token) = match provider {
            ProviderKind::Sandbox => (DEFAULT_SANDBOX_URL, Some(DEFAULT_SANDBOX_TOKEN)),
            ProviderKind::Wassenger => (DEFAULT_WASSENGER_URL, None),
        };
        let provider_token = lookup("WASSENGER_TOKEN")
            .or_else(|| default_token.map(str::to_owned))
            .ok_or(ConfigError::Missing("WASSENGER_TOKEN"))?;
        Ok(WorkerConfig {
            database_url: lookup("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))?,
            temporal_address: lookup("TEMPORAL_ADDRESS")
                .unwrap_or_else(|| "127.0.0.1:7233".to_owned()),
            temporal_namespace: lookup("TEMPORAL_NAMESPACE")
                .unwrap_or_else(|| "default".to_owned()),
            task_queue: lookup("TASK_QUEUE").unwrap_or_else(|| DEFAULT_TASK_QUEUE.to_owned()),
            message_2_task_queue: lookup("MESSAGE_2_TASK_QUEUE")
                .unwrap_or_else(|| DEFAULT_MESSAGE_2_TASK_QUEUE.to_owned()),
            identity: lookup("WORKER_IDENTITY")
                .unwrap_or_else(|| format!("campaign-worker-{}", std::process::id())),
            provider,
            provider_base_url: lookup("WASSENGER_BASE_URL")
                .unwrap_or_else(|| default_url.to_owned()),
            provider_token,
            provider_timeout: Duration::from_secs(parse(&lookup, "PROVIDER_TIMEOUT_SECS", 15)?),
            daily_message_limit: parse(
                &lookup,
                "DAILY_MESSAGE_LIMIT",
                DEFAULT_DAILY_MESSAGE_LIMIT,
            )?,
            graceful_shutdown: Duration::from_secs(parse(&lookup, "GRACEFUL_SHUTDOWN_SECS", 20)?),
            breaker_pause: Duration::from_secs_f64(parse(&lookup, "BREAKER_PAUSE_SECS", 1800.0)?),
        })
    }
}

fn parse<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match lookup(name) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|err: T::Err| ConfigError::Invalid {
            name,
            reason: err.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WorkerConfig::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn sandbox_is_the_default_provider() {
        let config = config(&[("DATABASE_URL", "postgres://x")]).unwrap();
        assert_eq!(config.provider, ProviderKind::Sandbox);
        assert_eq!(config.daily_message_limit, 1000);
        assert!(!format!("{config:?}").contains(DEFAULT_SANDBOX_TOKEN));
    }

    #[test]
    fn wassenger_needs_a_token_and_bad_numbers_are_refused() {
        assert!(matches!(
            config(&[("DATABASE_URL", "x"), ("WHATSAPP_PROVIDER", "wassenger")]),
            Err(ConfigError::Missing("WASSENGER_TOKEN"))
        ));
        assert!(matches!(
            config(&[("DATABASE_URL", "x"), ("DAILY_MESSAGE_LIMIT", "many")]),
            Err(ConfigError::Invalid {
                name: "DAILY_MESSAGE_LIMIT",
                ..
            })
        ));
        assert!(matches!(
            config(&[]),
            Err(ConfigError::Missing("DATABASE_URL"))
        ));
    }
}
