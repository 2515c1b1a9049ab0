//! The Cloud API's side of the sandbox state: fixed settings (credentials, ids) and what tests
//! change while it runs (catalog, windows, faults, throughput, messaging limit, webhook URL).
//!
//! Like the Wassenger state, one mutex guards everything mutable and is never held across an
//! `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catalog::{MetaTemplate, TemplateCategory, TemplateStatus, demo_catalog};
use super::errors::MetaErrorCode;
use crate::phone;

/// Access token accepted by default.
pub const DEFAULT_META_ACCESS_TOKEN: &str = "sandbox-meta-token";
/// App secret webhooks are signed with by default.
pub const DEFAULT_META_APP_SECRET: &str = "sandbox-app-secret";
/// Business phone number id served by default.
pub const DEFAULT_META_PHONE_NUMBER_ID: &str = "100000000000001";
/// WhatsApp Business Account id served by default.
pub const DEFAULT_META_WABA_ID: &str = "200000000000001";

/// How long a contact's message keeps the customer-service window open.
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The business portfolio's messaging limit, as `whatsapp_business_manager_messaging_limit`
/// reports it: unique contacts reached outside a service window in a moving 24 hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessagingLimit {
    /// 250, where new portfolios start.
    #[default]
    #[serde(rename = "TIER_250")]
    Tier250,
    /// 2,000.
    #[serde(rename = "TIER_2K")]
    Tier2K,
    /// 10,000.
    #[serde(rename = "TIER_10K")]
    Tier10K,
    /// 100,000.
    #[serde(rename = "TIER_100K")]
    Tier100K,
    /// No limit.
    #[serde(rename = "TIER_UNLIMITED")]
    TierUnlimited,
}

/// The Cloud API settings a sandbox starts with.
#[derive(Clone)]
pub struct MetaConfig {
    /// Bearer token clients must present.
    pub access_token: String,
    /// Secret webhooks are signed with (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// The business phone number id in send paths and webhooks' `metadata`.
    pub phone_number_id: String,
    /// The WhatsApp Business Account id of the template paths and webhooks' `entry[].id`.
    pub waba_id: String,
    /// The only Graph version accepted in paths (`v23.0`); any `vN.M` when `None`.
    pub graph_version: Option<String>,
    /// Where Meta-shaped webhooks go; none when `None`.
    pub webhook_url: Option<String>,
    /// Sends allowed per second before 130429; unlimited when `None`.
    pub throughput_per_second: Option<u32>,
    /// What the messaging-limit field answers.
    pub messaging_limit: MessagingLimit,
    /// Deliver `delivered`, `read` and the reply of one send in a single POST, as Meta may.
    pub batch_webhooks: bool,
    /// The template catalog.
    pub templates: Vec<MetaTemplate>,
}

impl Default for MetaConfig {
    fn default() -> Self {
        Self {
            access_token: DEFAULT_META_ACCESS_TOKEN.to_owned(),
            app_secret: DEFAULT_META_APP_SECRET.to_owned(),
            phone_number_id: DEFAULT_META_PHONE_NUMBER_ID.to_owned(),
            waba_id: DEFAULT_META_WABA_ID.to_owned(),
            graph_version: None,
            webhook_url: None,
            throughput_per_second: None,
            messaging_limit: MessagingLimit::default(),
            batch_webhooks: false,
            templates: demo_catalog(),
        }
    }
}

impl fmt::Debug for MetaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaConfig")
            .field("access_token", &"<redacted>")
            .field("app_secret", &"<redacted>")
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("graph_version", &self.graph_version)
            .field("webhook_url", &self.webhook_url)
            .field("throughput_per_second", &self.throughput_per_second)
            .field("messaging_limit", &self.messaging_limit)
            .field("batch_webhooks", &self.batch_webhooks)
            .field("templates", &self.templates.len())
            .finish()
    }
}

/// The runtime-changeable Cloud API settings, as `GET`/`POST /sandbox/meta/config` show them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetaSettings {
    /// Where Meta-shaped webhooks go.
    pub webhook_url: Option<String>,
    /// Sends allowed per second before 130429; unlimited when `None`.
    pub throughput_per_second: Option<u32>,
    /// What the messaging-limit field answers.
    pub messaging_limit: MessagingLimit,
    /// Deliver `delivered`, `read` and the reply in one POST.
    pub batch_webhooks: bool,
    /// Numbers (E.164) whose sends are accepted, then fail by webhook with this code.
    pub async_failures: BTreeMap<String, MetaErrorCode>,
}

/// Why the catalog or settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Meta settings: {0}")]
pub struct InvalidMetaSettings(pub String);

/// A template status or category change, for its webhook.
#[derive(Debug, Clone)]
pub(crate) struct TemplateChange {
    pub(crate) before: MetaTemplate,
    pub(crate) after: MetaTemplate,
}

/// The Cloud API state.
pub(crate) struct MetaState {
    access_token: String,
    app_secret: String,
    phone_number_id: String,
    waba_id: String,
    graph_version: Option<String>,
    inner: Mutex<Inner>,
}

struct Inner {
    settings: MetaSettings,
    catalog: Vec<MetaTemplate>,
    last_inbound: HashMap<String, DateTime<Utc>>,
    fail_next: VecDeque<(MetaErrorCode, u32)>,
    recent_sends: VecDeque<Instant>,
}

/// Numbers normalized to `+<digits>`, or the offending one.
fn normalize_keys<V>(map: BTreeMap<String, V>) -> Result<BTreeMap<String, V>, InvalidMetaSettings> {
    map.into_iter()
        .map(|(number, value)| {
            phone::normalize(&number)
                .map(|number| (number, value))
                .ok_or_else(|| InvalidMetaSettings(format!("invalid phone number {number:?}")))
        })
        .collect()
}

/// Whether `version` is written like a Graph version: `v` then `major.minor`.
pub(crate) fn is_graph_version(version: &str) -> bool {
    version.strip_prefix('v').is_some_and(|number| {
        number.split_once('.').is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

/// Refuses two templates with the same name and language.
fn validate_catalog(catalog: &[MetaTemplate]) -> Result<(), InvalidMetaSettings> {
    for (index, template) in catalog.iter().enumerate() {
        if catalog[..index]
            .iter()
            .any(|other| other.name == template.name && other.language == template.language)
        {
            return Err(InvalidMetaSettings(format!(
                "template {} ({}) is listed twice",
                template.name, template.language
            )));
        }
    }
    Ok(())
}

impl MetaState {
    pub(crate) fn new(config: MetaConfig) -> Result<Self, String> {
        validate_catalog(&config.templates).map_err(|err| err.to_string())?;
        Ok(Self {
            access_token: config.access_token,
            app_secret: config.app_secret,
            phone_number_id: config.phone_number_id,
            waba_id: config.waba_id,
            graph_version: config.graph_version,
            inner: Mutex::new(Inner {
                settings: MetaSettings {
                    webhook_url: config.webhook_url,
                    throughput_per_second: config.throughput_per_second,
                    messaging_limit: config.messaging_limit,
                    batch_webhooks: config.batch_webhooks,
                    async_failures: BTreeMap::new(),
                },
                catalog: config.templates,
                last_inbound: HashMap::new(),
                fail_next: VecDeque::new(),
                recent_sends: VecDeque::new(),
            }),
        })
    }

    /// A panic under the lock leaves no half-made update (each is one assignment or push).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn access_token(&self) -> &str {
        &self.access_token
    }

    pub(crate) fn app_secret(&self) -> &str {
        &self.app_secret
    }

    pub(crate) fn phone_number_id(&self) -> &str {
        &self.phone_number_id
    }

    pub(crate) fn waba_id(&self) -> &str {
        &self.waba_id
    }

    /// Whether `version` is accepted in a Graph path.
    pub(crate) fn accepts_version(&self, version: &str) -> bool {
        match &self.graph_version {
            Some(expected) => version == expected,
            None => is_graph_version(version),
        }
    }

    pub(crate) fn settings(&self) -> MetaSettings {
        self.lock().settings.clone()
    }

    pub(crate) fn set_settings(
        &self,
        mut settings: MetaSettings,
    ) -> Result<(), InvalidMetaSettings> {
        settings.async_failures = normalize_keys(settings.async_failures)?;
        if settings.throughput_per_second == Some(0) {
            return Err(InvalidMetaSettings(
                "throughput_per_second must be at least 1 (null means unlimited)".into(),
            ));
        }
        self.lock().settings = settings;
        Ok(())
    }

    /// Applies `change` to the settings atomically and validates the result.
    pub(crate) fn update_settings(
        &self,
        change: impl FnOnce(&mut MetaSettings),
    ) -> Result<MetaSettings, InvalidMetaSettings> {
        let mut settings = self.settings();
        change(&mut settings);
        self.set_settings(settings)?;
        Ok(self.settings())
    }

    pub(crate) fn catalog(&self) -> Vec<MetaTemplate> {
        self.lock().catalog.clone()
    }

    pub(crate) fn set_catalog(
        &self,
        catalog: Vec<MetaTemplate>,
    ) -> Result<(), InvalidMetaSettings> {
        validate_catalog(&catalog)?;
        self.lock().catalog = catalog;
        Ok(())
    }

    pub(crate) fn template(&self, name: &str, language: &str) -> Option<MetaTemplate> {
        self.lock()
            .catalog
            .iter()
            .find(|template| template.name == name && template.language == language)
            .cloned()
    }

    /// Changes one template's status and/or category; `None` when there is no such template.
    pub(crate) fn change_template(
        &self,
        name: &str,
        language: &str,
        status: Option<TemplateStatus>,
        category: Option<TemplateCategory>,
    ) -> Option<TemplateChange> {
        let mut inner = self.lock();
        let template = inner
            .catalog
            .iter_mut()
            .find(|template| template.name == name && template.language == language)?;
        let before = template.clone();
        if let Some(status) = status {
            template.status = status;
        }
        if let Some(category) = category {
            template.category = category;
        }
        Some(TemplateChange {
            before,
            after: template.clone(),
        })
    }

    /// Records a message from `e164`, which opens or renews its customer-service window.
    pub(crate) fn note_inbound(&self, e164: &str, at: DateTime<Utc>) {
        self.lock().last_inbound.insert(e164.to_owned(), at);
    }

    /// Whether `e164` wrote within the last 24 hours.
    pub(crate) fn window_open(&self, e164: &str, now: DateTime<Utc>) -> bool {
        self.lock().last_inbound.get(e164).is_some_and(|last| {
            now.signed_duration_since(*last)
                .to_std()
                .map_or(true, |elapsed| elapsed < SERVICE_WINDOW)
        })
    }

    /// Queues `count` synchronous failures with `code` after any already queued.
    pub(crate) fn push_fail_next(&self, code: MetaErrorCode, count: u32) {
        if count > 0 {
            self.lock().fail_next.push_back((code, count));
        }
    }

    /// Consumes one queued failure, if any.
    pub(crate) fn take_fail_next(&self) -> Option<MetaErrorCode> {
        let mut inner = self.lock();
        let (code, left) = inner.fail_next.front_mut()?;
        let code = *code;
        *left -= 1;
        if *left == 0 {
            inner.fail_next.pop_front();
        }
        Some(code)
    }

    /// Counts a send against the throughput; `false` when the last second is already full.
    pub(crate) fn admit_send(&self, now: Instant) -> bool {
        let mut inner = self.lock();
        let Some(limit) = inner.settings.throughput_per_second else {
            return true;
        };
        while inner
            .recent_sends
            .front()
            .is_some_and(|sent| now.duration_since(*sent) >= Duration::from_secs(1))
        {
            inner.recent_sends.pop_front();
        }
        if inner.recent_sends.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            return false;
        }
        inner.recent_sends.push_back(now);
        true
    }

    /// The asynchronous failure configured for `e164`, if any.
    pub(crate) fn async_failure(&self, e164: &str) -> Option<MetaErrorCode> {
        self.lock().settings.async_failures.get(e164).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> MetaState {
        MetaState::new(MetaConfig::default()).expect("valid config")
    }

    #[test]
    fn fail_next_is_consumed_in_order() {
        let state = state();
        state.push_fail_next(MetaErrorCode::RateLimitHit, 2);
        state.push_fail_next(MetaErrorCode::TemplatePaused, 1);
        let taken: Vec<_> = (0..4).map(|_| state.take_fail_next()).collect();
        assert_eq!(
            taken,
            [
                Some(MetaErrorCode::RateLimitHit),
                Some(MetaErrorCode::RateLimitHit),
                Some(MetaErrorCode::TemplatePaused),
                None
            ]
        );
    }

    #[test]
    fn throughput_refuses_beyond_the_limit_within_one_second() {
        let state = state();
        state
            .update_settings(|settings| settings.throughput_per_second = Some(2))
            .expect("valid");
        let start = Instant::now();
        assert!(state.admit_send(start));
        assert!(state.admit_send(start));
        assert!(!state.admit_send(start));
        assert!(state.admit_send(start + Duration::from_secs(1)));
    }

    #[test]
    fn windows_last_24_hours() {
        let state = state();
        let now = Utc::now();
        assert!(!state.window_open("+33612345678", now));
        state.note_inbound("+33612345678", now);
        assert!(state.window_open("+33612345678", now + chrono::Duration::hours(23)));
        assert!(!state.window_open("+33612345678", now + chrono::Duration::hours(24)));
    }

    #[test]
    fn versions_are_checked() {
        let state = state();
        assert!(state.accepts_version("v23.0"));
        assert!(!state.accepts_version("v23"));
        assert!(!state.accepts_version("sandbox"));
    }

    #[test]
    fn duplicate_templates_are_refused() {
        let mut catalog = demo_catalog();
        catalog.push(catalog[0].clone());
        assert!(state().set_catalog(catalog).is_err());
    }

    #[test]
    fn messaging_limits_use_meta_names() {
        let json = serde_json::to_value([MessagingLimit::Tier2K, MessagingLimit::TierUnlimited])
            .expect("serializes");
        assert_eq!(json, serde_json::json!(["TIER_2K", "TIER_UNLIMITED"]));
    }
}
