//! Configuration pieces both processes read from the environment, once, at start-up.
//!
//! Each process assembles its own configuration from these pieces, so a variable means the same
//! thing, has the same default and is refused with the same message in the worker and the API.
//! Durations that shape a campaign (window, cutoff, pacing, retries) are not configuration: they
//! are copied into each campaign at launch (R16).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// R10: provider sends allowed per UTC day across all campaigns.
pub const DEFAULT_DAILY_MESSAGE_LIMIT: i32 = 1000;
pub const DEFAULT_TASK_QUEUE: &str = "campaign-engine";
pub const DEFAULT_MESSAGE_2_TASK_QUEUE: &str = "campaign-engine-message-2";
const DEFAULT_TEMPORAL_ADDRESS: &str = "127.0.0.1:7233";
const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:3001";
const DEFAULT_SANDBOX_TOKEN: &str = "sandbox-token";
const DEFAULT_WASSENGER_URL: &str = "https://api.wassenger.com";
/// How long one provider call may take: long enough for Wassenger's slow answers, short enough
/// that a send attempt (60 s by default) keeps time for a retry.
const DEFAULT_PROVIDER_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A variable's value by name.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Where variables come from: the process environment, or a map in tests.
pub struct Env<'a> {
    lookup: Lookup<'a>,
}

impl Env<'static> {
    pub fn process() -> Env<'static> {
        Env::new(|name| std::env::var(name).ok())
    }

    /// Variables from `(name, value)` pairs, as tests give them.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env<'static> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Env::new(move |name| vars.get(name).cloned())
    }
}

impl<'a> Env<'a> {
    pub fn new(lookup: impl Fn(&str) -> Option<String> + 'a) -> Env<'a> {
        Env {
            lookup: Box::new(lookup),
        }
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn or(&self, name: &str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    /// `name` parsed as a `T`, or `default` when unset.
    pub fn parsed<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|err: T::Err| ConfigError::Invalid {
                name,
                reason: err.to_string(),
            }),
        }
    }

    /// A duration given in (possibly fractional) seconds.
    pub fn seconds(&self, name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        let secs = self.parsed(name, default.as_secs_f64())?;
        Duration::try_from_secs_f64(secs).map_err(|err| ConfigError::Invalid {
            name,
            reason: err.to_string(),
        })
    }

    /// A secret of at least `min_len` characters.
    pub fn secret(&self, name: &'static str, min_len: usize) -> Result<Secret, ConfigError> {
        let value = self.required(name)?;
        if value.len() < min_len {
            return Err(ConfigError::Invalid {
                name,
                reason: format!("at least {min_len} characters"),
            });
        }
        Ok(Secret(value))
    }
}

/// A value that must never reach a log: `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// The Temporal frontend and namespace (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`), and the
/// engine's two task queues (`TASK_QUEUE`, `MESSAGE_2_TASK_QUEUE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporalConfig {
    pub address: String,
    pub namespace: String,
    pub task_queue: String,
    pub message_2_task_queue: String,
}

impl TemporalConfig {
    pub fn from_env(env: &Env) -> TemporalConfig {
        TemporalConfig {
            address: env.or("TEMPORAL_ADDRESS", DEFAULT_TEMPORAL_ADDRESS),
            namespace: env.or("TEMPORAL_NAMESPACE", "default"),
            task_queue: env.or("TASK_QUEUE", DEFAULT_TASK_QUEUE),
            message_2_task_queue: env.or("MESSAGE_2_TASK_QUEUE", DEFAULT_MESSAGE_2_TASK_QUEUE),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// The local sandbox server speaking Wassenger's API (the default).
    Sandbox,
    Wassenger,
}

/// The WhatsApp provider (`WHATSAPP_PROVIDER`, `WASSENGER_BASE_URL`, `WASSENGER_TOKEN`,
/// `PROVIDER_TIMEOUT_SECS`); the sandbox needs no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: String,
    pub token: Secret,
    pub timeout: Duration,
}

impl ProviderConfig {
    pub fn from_env(env: &Env) -> Result<ProviderConfig, ConfigError> {
        let kind = match env.or("WHATSAPP_PROVIDER", "sandbox").as_str() {
            "sandbox" => ProviderKind::Sandbox,
            "wassenger" => ProviderKind::Wassenger,
            other => {
                return Err(ConfigError::Invalid {
                    name: "WHATSAPP_PROVIDER",
                    reason: format!("`{other}` is neither `sandbox` nor `wassenger`"),
                });
            }
        };
        let (default_url, default_token) = match kind {
            ProviderKind::Sandbox => (DEFAULT_SANDBOX_URL, Some(DEFAULT_SANDBOX_TOKEN)),
            ProviderKind::Wassenger => (DEFAULT_WASSENGER_URL, None),
        };
        let token = env
            .optional("WASSENGER_TOKEN")
            .or_else(|| default_token.map(str::to_owned))
            .ok_or(ConfigError::Missing("WASSENGER_TOKEN"))?;
        Ok(ProviderConfig {
            kind,
            base_url: env.or("WASSENGER_BASE_URL", default_url),
            token: Secret(token),
            timeout: env.seconds("PROVIDER_TIMEOUT_SECS", DEFAULT_PROVIDER_TIMEOUT)?,
        })
    }
}

/// R10's daily limit (`DAILY_MESSAGE_LIMIT`): the worker enforces it, the API checks a launch
/// against it.
pub fn daily_message_limit(env: &Env) -> Result<i32, ConfigError> {
    env.parsed("DAILY_MESSAGE_LIMIT", DEFAULT_DAILY_MESSAGE_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_is_the_default_and_its_token_stays_out_of_debug() {
        let provider = ProviderConfig::from_env(&Env::from_pairs(&[])).unwrap();
        assert_eq!(provider.kind, ProviderKind::Sandbox);
        assert_eq!(provider.timeout, DEFAULT_PROVIDER_TIMEOUT);
        assert!(!format!("{provider:?}").contains(DEFAULT_SANDBOX_TOKEN));
        assert_eq!(daily_message_limit(&Env::from_pairs(&[])), Ok(1000));
    }

    #[test]
    fn wassenger_needs_a_token_and_bad_values_are_refused() {
        assert_eq!(
            ProviderConfig::from_env(&Env::from_pairs(&[("WHATSAPP_PROVIDER", "wassenger")])),
            Err(ConfigError::Missing("WASSENGER_TOKEN"))
        );
        assert!(matches!(
            daily_message_limit(&Env::from_pairs(&[("DAILY_MESSAGE_LIMIT", "many")])),
            Err(ConfigError::Invalid {
                name: "DAILY_MESSAGE_LIMIT",
                ..
            })
        ));
        assert!(matches!(
            Env::from_pairs(&[("PROVIDER_TIMEOUT_SECS", "-1")])
                .seconds("PROVIDER_TIMEOUT_SECS", DEFAULT_PROVIDER_TIMEOUT),
            Err(ConfigError::Invalid { .. })
        ));
        assert!(matches!(
            Env::from_pairs(&[("JWT_SECRET", "short")]).secret("JWT_SECRET", 16),
            Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                ..
            })
        ));
    }
}
