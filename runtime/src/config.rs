//! Configuration pieces both processes read from the environment, once, at start-up.
//!
//! Each process assembles its own configuration from these pieces, so a variable means the same
//! thing, has the same default and is refused with the same message in the worker and the API.
//! Durations that shape a campaign (window, cutoff, pacing, retries) are not configuration: they
//! are copied into each campaign at launch (R16).

use campaign_domain::Channel;
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
/// Meta's Graph API, which serves the WhatsApp Cloud API.
const DEFAULT_META_GRAPH_URL: &str = "https://graph.facebook.com";
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
    /// Meta's WhatsApp Cloud API (or the sandbox speaking it, at `META_GRAPH_URL`).
    Meta,
}

/// The WhatsApp provider (`WHATSAPP_PROVIDER`, `WASSENGER_BASE_URL`, `WASSENGER_TOKEN`,
/// `PROVIDER_TIMEOUT_SECS`, and on Meta the `META_*` variables); the sandbox needs no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub base_url: String,
    pub token: Secret,
    pub timeout: Duration,
    /// Meta's settings, when `kind` is [`ProviderKind::Meta`].
    pub meta: Option<MetaConfig>,
}

/// Meta's WhatsApp Cloud API: where it is, who we are on it, and the secrets of its webhooks.
/// Each is required on that provider: a missing one stops the process at start, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaConfig {
    /// `META_GRAPH_URL`, e.g. `https://graph.facebook.com` (the sandbox's address locally).
    pub graph_url: String,
    /// `META_GRAPH_VERSION`, e.g. `v23.0`.
    pub graph_version: String,
    pub phone_number_id: String,
    /// The WhatsApp Business Account, whose template catalog is read.
    pub waba_id: String,
    /// A system user's access token (`META_ACCESS_TOKEN`), sent as a bearer token.
    pub access_token: Secret,
    /// `META_APP_SECRET`: webhooks are signed with it (`X-Hub-Signature-256`).
    pub app_secret: Secret,
    /// `META_VERIFY_TOKEN`: the webhook subscription handshake echoes it.
    pub verify_token: Secret,
    /// `META_MESSAGING_LIMIT`: the business's limit of contacts reached per 24 hours, instead of
    /// the one read from the account.
    pub messaging_limit: Option<i32>,
}

impl MetaConfig {
    fn from_env(env: &Env) -> Result<MetaConfig, ConfigError> {
        let messaging_limit = match env.optional("META_MESSAGING_LIMIT") {
            None => None,
            Some(raw) => Some(
                raw.trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|limit| *limit > 0)
                    .ok_or(ConfigError::Invalid {
                        name: "META_MESSAGING_LIMIT",
                        reason: "a positive number of contacts".to_owned(),
                    })?,
            ),
        };
        Ok(MetaConfig {
            graph_url: env.or("META_GRAPH_URL", DEFAULT_META_GRAPH_URL),
            graph_version: env.required("META_GRAPH_VERSION")?,
            phone_number_id: env.required("META_PHONE_NUMBER_ID")?,
            waba_id: env.required("META_WABA_ID")?,
            access_token: Secret(env.required("META_ACCESS_TOKEN")?),
            app_secret: Secret(env.required("META_APP_SECRET")?),
            verify_token: Secret(env.required("META_VERIFY_TOKEN")?),
            messaging_limit,
        })
    }
}

impl ProviderConfig {
    /// What this provider takes as Message 1: free text, or approved templates within the
    /// business's messaging limit (Meta).
    pub fn channel(&self) -> Channel {
        match &self.meta {
            Some(meta) => Channel::Templates {
                messaging_limit: meta.messaging_limit,
            },
            None => Channel::FreeText,
        }
    }

    pub fn from_env(env: &Env) -> Result<ProviderConfig, ConfigError> {
        let kind = match env.or("WHATSAPP_PROVIDER", "sandbox").as_str() {
            "sandbox" => ProviderKind::Sandbox,
            "wassenger" => ProviderKind::Wassenger,
            "meta" => ProviderKind::Meta,
            other => {
                return Err(ConfigError::Invalid {
                    name: "WHATSAPP_PROVIDER",
                    reason: format!("`{other}` is not `sandbox`, `wassenger` or `meta`"),
                });
            }
        };
        let (default_url, default_token) = match kind {
            ProviderKind::Sandbox | ProviderKind::Meta => {
                (DEFAULT_SANDBOX_URL, Some(DEFAULT_SANDBOX_TOKEN))
            }
            ProviderKind::Wassenger => (DEFAULT_WASSENGER_URL, None),
        };
        let meta = match kind {
            ProviderKind::Meta => Some(MetaConfig::from_env(env)?),
            ProviderKind::Sandbox | ProviderKind::Wassenger => None,
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
            meta,
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
    fn meta_needs_each_of_its_settings_and_names_the_missing_one() {
        let all = [
            ("WHATSAPP_PROVIDER", "meta"),
            ("META_GRAPH_VERSION", "v23.0"),
            ("META_PHONE_NUMBER_ID", "106540352242922"),
            ("META_WABA_ID", "102290129340398"),
            ("META_ACCESS_TOKEN", "EAAJB-token"),
            ("META_APP_SECRET", "app-secret"),
            ("META_VERIFY_TOKEN", "verify-token"),
        ];
        let provider = ProviderConfig::from_env(&Env::from_pairs(&all)).unwrap();
        let meta = provider.meta.as_ref().expect("meta settings");
        assert_eq!(meta.graph_url, DEFAULT_META_GRAPH_URL);
        assert_eq!(meta.messaging_limit, None);
        let debug = format!("{provider:?}");
        for secret in ["EAAJB-token", "app-secret", "verify-token"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        for (missing, _) in &all[1..] {
            let without: Vec<_> = all
                .iter()
                .copied()
                .filter(|(name, _)| name != missing)
                .collect();
            assert_eq!(
                ProviderConfig::from_env(&Env::from_pairs(&without)),
                Err(ConfigError::Missing(missing))
            );
        }
        let mut limited = all.to_vec();
        limited.push(("META_MESSAGING_LIMIT", "2000"));
        let provider = ProviderConfig::from_env(&Env::from_pairs(&limited)).unwrap();
        assert_eq!(provider.meta.unwrap().messaging_limit, Some(2000));
        limited.push(("META_MESSAGING_LIMIT", "0"));
        assert!(ProviderConfig::from_env(&Env::from_pairs(&limited)).is_err());
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
