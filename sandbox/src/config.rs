//! What a sandbox starts with, and how the binary reads it from the environment.

use std::fmt;
use std::time::Duration;

use crate::meta_account::{MessagingLimit, MetaConfig};
use crate::state::{Behaviour, Faults, ReplyKind};
use crate::{
    DEFAULT_ACK_DELAY, DEFAULT_DEVICE_PHONE, DEFAULT_REPLY_DELAY, DEFAULT_REPLY_PROBABILITY,
    DEFAULT_TOKEN,
};

/// Everything a sandbox starts with. Behaviour and faults can be changed while it runs.
#[derive(Clone)]
pub struct SandboxConfig {
    /// API token clients must present.
    pub token: String,
    /// Where webhook events go; no events when `None`.
    pub webhook_url: Option<String>,
    /// Sent as [`crate::WEBHOOK_SECRET_HEADER`] with every event when set.
    pub webhook_secret: Option<String>,
    /// Probability (0–1) that a contact answers.
    pub reply_probability: f64,
    /// Delay between the `read` ack and the answer.
    pub reply_delay: Duration,
    /// Delay before each ack.
    pub ack_delay: Duration,
    /// Kinds answers are drawn from; empty means every kind.
    pub reply_types: Vec<ReplyKind>,
    /// Numbers (E.164, `+` optional) that have no WhatsApp: `numbers/exists` answers `false`,
    /// and messages to them are accepted but only ever acked `sent`, never answered.
    pub unknown_numbers: Vec<String>,
    /// Phone number of the simulated sending device, as reported in webhook events.
    pub device_phone: String,
    /// Faults in force from the start.
    pub faults: Faults,
    /// The Cloud API side: credentials, ids, catalog, throughput, messaging limit, webhooks.
    pub meta: MetaConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            token: DEFAULT_TOKEN.to_owned(),
            webhook_url: None,
            webhook_secret: None,
            reply_probability: DEFAULT_REPLY_PROBABILITY,
            reply_delay: DEFAULT_REPLY_DELAY,
            ack_delay: DEFAULT_ACK_DELAY,
            reply_types: Vec::new(),
            unknown_numbers: Vec::new(),
            device_phone: DEFAULT_DEVICE_PHONE.to_owned(),
            faults: Faults::default(),
            meta: MetaConfig::default(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SandboxConfig");
        debug.field("token", &"<redacted>");
        self.behaviour().debug_fields(&mut debug);
        debug
            .field("unknown_numbers", &self.unknown_numbers)
            .field("device_phone", &self.device_phone)
            .field("faults", &self.faults)
            .field("meta", &self.meta)
            .finish()
    }
}

impl SandboxConfig {
    /// The behaviour the sandbox starts with.
    pub(crate) fn behaviour(&self) -> Behaviour {
        Behaviour {
            webhook_url: self.webhook_url.clone(),
            webhook_secret: self.webhook_secret.clone(),
            reply_probability: self.reply_probability,
            reply_delay: self.reply_delay,
            ack_delay: self.ack_delay,
            reply_types: self.reply_types.clone(),
            scripted_replies: Default::default(),
            scripted_buttons: Default::default(),
        }
    }

    /// Reads the configuration from environment-like variables, defaults filling the gaps:
    /// `SANDBOX_TOKEN`, `SANDBOX_WEBHOOK_URL`, `WEBHOOK_SECRET`, `SANDBOX_REPLY_PROBABILITY`,
    /// `SANDBOX_REPLY_DELAY_MS`, `SANDBOX_ACK_DELAY_MS`, and the comma-separated
    /// `SANDBOX_UNKNOWN_NUMBERS` and `SANDBOX_REPLY_TYPES` (`text,image,ptt,reaction,...`).
    ///
    /// The Cloud API side reads `META_ACCESS_TOKEN`, `META_APP_SECRET`, `META_PHONE_NUMBER_ID`,
    /// `META_WABA_ID` and `META_GRAPH_VERSION` (the engine's names, so one environment serves
    /// both), `SANDBOX_META_WEBHOOK_URL`, `SANDBOX_META_THROUGHPUT` (sends per second),
    /// `SANDBOX_META_MESSAGING_LIMIT` (`TIER_250`, `TIER_2K`, `TIER_10K`, `TIER_100K`,
    /// `TIER_UNLIMITED`) and `SANDBOX_META_BATCH_WEBHOOKS` (`true`/`false`).
    /// Empty values count as unset. `lookup` is `std::env::var(..).ok()` in the binary.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let millis = |name: &str, default: Duration| -> Result<Duration, String> {
            var(name).map_or(Ok(default), |value| {
                value
                    .trim()
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|err| format!("{name}={value:?}: {err}"))
            })
        };
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|value| {
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let reply_probability = match var("SANDBOX_REPLY_PROBABILITY") {
            None => DEFAULT_REPLY_PROBABILITY,
            Some(value) => value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|probability| (0.0..=1.0).contains(probability))
                .ok_or_else(|| {
                    format!("SANDBOX_REPLY_PROBABILITY={value:?}: expected a number from 0 to 1")
                })?,
        };
        let reply_types = list("SANDBOX_REPLY_TYPES")
            .into_iter()
            .map(|name| {
                serde_json::from_value(serde_json::Value::String(name.clone()))
                    .map_err(|_| format!("SANDBOX_REPLY_TYPES: unknown reply type {name:?}"))
            })
            .collect::<Result<Vec<ReplyKind>, String>>()?;
        let meta_defaults = MetaConfig::default();
        let throughput_per_second = var("SANDBOX_META_THROUGHPUT")
            .map(|value| {
                value
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|rate| *rate > 0)
                    .ok_or_else(|| {
                        format!(
                            "SANDBOX_META_THROUGHPUT={value:?}: expected a whole number above 0"
                        )
                    })
            })
            .transpose()?;
        let messaging_limit = var("SANDBOX_META_MESSAGING_LIMIT")
            .map(|value| {
                serde_json::from_value::<MessagingLimit>(serde_json::Value::String(
                    value.trim().to_owned(),
                ))
                .map_err(|_| {
                    format!("SANDBOX_META_MESSAGING_LIMIT={value:?}: expected TIER_250, TIER_2K, TIER_10K, TIER_100K or TIER_UNLIMITED")
                })
            })
            .transpose()?
            .unwrap_or_default();
        let batch_webhooks = match var("SANDBOX_META_BATCH_WEBHOOKS").as_deref().map(str::trim) {
            None | Some("false") => false,
            Some("true") => true,
            Some(value) => {
                return Err(format!(
                    "SANDBOX_META_BATCH_WEBHOOKS={value:?}: expected true or false"
                ));
            }
        };
        let meta = MetaConfig {
            access_token: var("META_ACCESS_TOKEN").unwrap_or(meta_defaults.access_token),
            app_secret: var("META_APP_SECRET").unwrap_or(meta_defaults.app_secret),
            phone_number_id: var("META_PHONE_NUMBER_ID").unwrap_or(meta_defaults.phone_number_id),
            waba_id: var("META_WABA_ID").unwrap_or(meta_defaults.waba_id),
            graph_version: var("META_GRAPH_VERSION"),
            webhook_url: var("SANDBOX_META_WEBHOOK_URL"),
            throughput_per_second,
            messaging_limit,
            batch_webhooks,
            templates: meta_defaults.templates,
        };
        Ok(Self {
            token: var("SANDBOX_TOKEN").unwrap_or_else(|| DEFAULT_TOKEN.to_owned()),
            webhook_url: var("SANDBOX_WEBHOOK_URL"),
            webhook_secret: var("WEBHOOK_SECRET"),
            reply_probability,
            reply_delay: millis("SANDBOX_REPLY_DELAY_MS", DEFAULT_REPLY_DELAY)?,
            ack_delay: millis("SANDBOX_ACK_DELAY_MS", DEFAULT_ACK_DELAY)?,
            reply_types,
            unknown_numbers: list("SANDBOX_UNKNOWN_NUMBERS"),
            meta,
            ..Self::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::meta_account::{DEFAULT_META_ACCESS_TOKEN, DEFAULT_META_APP_SECRET};

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_apply_without_variables() {
        let config = SandboxConfig::from_vars(vars(&[])).expect("valid");
        assert_eq!(config.token, DEFAULT_TOKEN);
        assert_eq!(config.webhook_url, None);
        assert_eq!(config.reply_delay, DEFAULT_REPLY_DELAY);
        assert!(config.reply_types.is_empty());
        assert_eq!(config.meta.access_token, DEFAULT_META_ACCESS_TOKEN);
        assert_eq!(config.meta.app_secret, DEFAULT_META_APP_SECRET);
        assert_eq!(config.meta.throughput_per_second, None);
        assert!(!config.meta.templates.is_empty());
    }

    #[test]
    fn meta_variables_are_read() {
        let config = SandboxConfig::from_vars(vars(&[
            ("META_ACCESS_TOKEN", "tok"),
            ("META_APP_SECRET", "sec"),
            ("META_PHONE_NUMBER_ID", "111"),
            ("META_WABA_ID", "222"),
            ("META_GRAPH_VERSION", "v23.0"),
            (
                "SANDBOX_META_WEBHOOK_URL",
                "http://127.0.0.1:8080/webhooks/meta",
            ),
            ("SANDBOX_META_THROUGHPUT", "80"),
            ("SANDBOX_META_MESSAGING_LIMIT", "TIER_2K"),
            ("SANDBOX_META_BATCH_WEBHOOKS", "true"),
        ]))
        .expect("valid");
        assert_eq!(config.meta.access_token, "tok");
        assert_eq!(config.meta.app_secret, "sec");
        assert_eq!(config.meta.phone_number_id, "111");
        assert_eq!(config.meta.waba_id, "222");
        assert_eq!(config.meta.graph_version.as_deref(), Some("v23.0"));
        assert_eq!(config.meta.throughput_per_second, Some(80));
        assert_eq!(config.meta.messaging_limit, MessagingLimit::Tier2K);
        assert!(config.meta.batch_webhooks);
    }

    #[test]
    fn variables_are_read() {
        let config = SandboxConfig::from_vars(vars(&[
            ("SANDBOX_TOKEN", "t0k"),
            (
                "SANDBOX_WEBHOOK_URL",
                "http://127.0.0.1:8080/webhooks/wassenger",
            ),
            ("WEBHOOK_SECRET", "s3cret"),
            ("SANDBOX_REPLY_PROBABILITY", "1"),
            ("SANDBOX_REPLY_DELAY_MS", "10"),
            ("SANDBOX_ACK_DELAY_MS", "5"),
            ("SANDBOX_UNKNOWN_NUMBERS", "+15550001111, 15550002222"),
            ("SANDBOX_REPLY_TYPES", "text, ptt,reaction"),
        ]))
        .expect("valid");
        assert_eq!(config.token, "t0k");
        assert_eq!(
            config.webhook_url.as_deref(),
            Some("http://127.0.0.1:8080/webhooks/wassenger")
        );
        assert_eq!(config.webhook_secret.as_deref(), Some("s3cret"));
        assert!((config.reply_probability - 1.0).abs() < f64::EPSILON);
        assert_eq!(config.reply_delay, Duration::from_millis(10));
        assert_eq!(config.ack_delay, Duration::from_millis(5));
        assert_eq!(config.unknown_numbers, ["+15550001111", "15550002222"]);
        assert_eq!(
            config.reply_types,
            [ReplyKind::Text, ReplyKind::Voice, ReplyKind::Reaction]
        );
    }

    #[test]
    fn bad_variables_are_reported_by_name() {
        for (name, value) in [
            ("SANDBOX_REPLY_PROBABILITY", "1.5"),
            ("SANDBOX_REPLY_DELAY_MS", "soon"),
            ("SANDBOX_REPLY_TYPES", "telegram"),
            ("SANDBOX_META_THROUGHPUT", "0"),
            ("SANDBOX_META_MESSAGING_LIMIT", "TIER_3"),
            ("SANDBOX_META_BATCH_WEBHOOKS", "yes"),
        ] {
            let err = SandboxConfig::from_vars(vars(&[(name, value)])).expect_err("invalid");
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let config = SandboxConfig {
            token: "tok-123".into(),
            webhook_secret: Some("sec-456".into()),
            meta: MetaConfig {
                access_token: "meta-789".into(),
                app_secret: "app-012".into(),
                ..MetaConfig::default()
            },
            ..SandboxConfig::default()
        };
        let debug = format!("{config:?}");
        assert!(
            ["tok-123", "sec-456", "meta-789", "app-012"]
                .iter()
                .all(|secret| !debug.contains(secret)),
            "{debug}"
        );
    }
}
