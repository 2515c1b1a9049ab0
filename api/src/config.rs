//! API configuration, read once from the environment at start-up.
//!
//! Secrets (`JWT_SECRET`, `WEBHOOK_SECRET`, `ADMIN_PASSWORD`, the provider token) are kept out
//! of `Debug` output so that a logged configuration never leaks them.

use std::fmt;
use std::time::Duration;

/// Default address of the API.
pub const DEFAULT_API_ADDR: &str = "127.0.0.1:8080";
/// Access tokens live 15 minutes: short enough that a leaked one expires soon.
const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Refresh tokens live 7 days.
const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// JSON bodies larger than this are refused with 413 before they are read whole.
const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// A CSV import is streamed, so it may be much larger than a JSON body.
const DEFAULT_MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// Shortest accepted signing and webhook secrets.
const MIN_SECRET_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Clone)]
pub struct ApiConfig {
    pub listen_addr: String,
    pub database_url: String,
    pub temporal_address: String,
    pub temporal_namespace: String,
    pub task_queue: String,
    pub message_2_task_queue: String,
    pub daily_message_limit: i32,
    pub jwt_secret: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub webhook_secret: String,
    /// The first super admin, created when no user exists.
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub provider_base_url: String,
    pub provider_token: String,
    pub provider_timeout: Duration,
    pub max_body_bytes: usize,
    pub max_import_bytes: usize,
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("listen_addr", &self.listen_addr)
            .field("temporal_address", &self.temporal_address)
            .field("temporal_namespace", &self.temporal_namespace)
            .field("task_queue", &self.task_queue)
            .field("message_2_task_queue", &self.message_2_task_queue)
            .field("daily_message_limit", &self.daily_message_limit)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("admin_email", &self.admin_email)
            .field("provider_base_url", &self.provider_base_url)
            .finish_non_exhaustive()
    }
}

impl ApiConfig {
    /// Reads the configuration from environment variables (the README lists them).
    pub fn from_env() -> Result<ApiConfig, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ApiConfig, ConfigError> {
        let required = |name: &'static str| lookup(name).ok_or(ConfigError::Missing(name));
        let secret = |name: &'static str| {
            let value = required(name)?;
            if value.len() < MIN_SECRET_LEN {
                return Err(ConfigError::Invalid {
                    name,
                    reason: format!("at least {MIN_SECRET_LEN} characters"),
                });
            }
            Ok(value)
        };
        let number = |name: &'static str, default: u64| match lookup(name) {
            None => Ok(default),
            Some(raw) => raw.parse::<u64>().map_err(|err| ConfigError::Invalid {
                name,
                reason: err.to_string(),
            }),
        };
        Ok(ApiConfig {
            listen_addr: lookup("API_ADDR").unwrap_or_else(|| DEFAULT_API_ADDR.to_owned()),
            database_url: required("DATABASE_URL")?,
            temporal_address: lookup("TEMPORAL_ADDRESS")
                .unwrap_or_else(|| "127.0.0.1:7233".to_owned()),
            temporal_namespace: lookup("TEMPORAL_NAMESPACE")
                .unwrap_or_else(|| "default".to_owned()),
            task_queue: lookup("TASK_QUEUE").unwrap_or_else(|| "campaign-engine".to_owned()),
            message_2_task_queue: lookup("MESSAGE_2_TASK_QUEUE")
                .unwrap_or_else(|| "campaign-engine-message-2".to_owned()),
            daily_message_limit: i32::try_from(number("DAILY_MESSAGE_LIMIT", 1000)?).map_err(
                |err| ConfigError::Invalid {
                    name: "DAILY_MESSAGE_LIMIT",
                    reason: err.to_string(),
                },
            )?,
            jwt_secret: secret("JWT_SECRET")?,
            access_token_ttl: Duration::from_secs(number(
                "ACCESS_TOKEN_TTL_SECS",
                DEFAULT_ACCESS_TOKEN_TTL.as_secs(),
            )?),
            refresh_token_ttl: Duration::from_secs(number(
                "REFRESH_TOKEN_TTL_SECS",
                DEFAULT_REFRESH_TOKEN_TTL.as_secs(),
            )?),
            webhook_secret: secret("WEBHOOK_SECRET")?,
            admin_email: lookup("ADMIN_EMAIL"),
            admin_password: lookup("ADMIN_PASSWORD"),
            provider_base_url: lookup("WASSENGER_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:3001".to_owned()),
            provider_token: lookup("WASSENGER_TOKEN").unwrap_or_else(|| "sandbox-token".to_owned()),
            provider_timeout: Duration::from_secs(number("PROVIDER_TIMEOUT_SECS", 30)?),
            max_body_bytes: number("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES as u64)? as usize,
            max_import_bytes: number("MAX_IMPORT_BYTES", DEFAULT_MAX_IMPORT_BYTES as u64)? as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    const BASE: [(&str, &str); 3] = [
        ("DATABASE_URL", "postgres://localhost/db"),
        ("JWT_SECRET", "a-long-enough-signing-secret"),
        ("WEBHOOK_SECRET", "a-long-enough-webhook-secret"),
    ];

    #[test]
    fn defaults_apply_and_secrets_stay_out_of_debug() {
        let config = ApiConfig::from_lookup(lookup(&BASE)).unwrap();
        assert_eq!(config.listen_addr, DEFAULT_API_ADDR);
        assert_eq!(config.access_token_ttl, DEFAULT_ACCESS_TOKEN_TTL);
        let debug = format!("{config:?}");
        assert!(!debug.contains("signing-secret") && !debug.contains("webhook-secret"));
    }

    #[test]
    fn short_or_missing_secrets_are_refused() {
        let mut vars = BASE.to_vec();
        vars[1] = ("JWT_SECRET", "short");
        assert!(matches!(
            ApiConfig::from_lookup(lookup(&vars)),
            Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                ..
            })
        ));
        assert_eq!(
            ApiConfig::from_lookup(lookup(&BASE[..2])).unwrap_err(),
            ConfigError::Missing("WEBHOOK_SECRET")
        );
    }
}
