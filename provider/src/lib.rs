//! The `WhatsAppProvider` boundary, and what crosses it.
//!
//! Activities never talk HTTP directly: they call [`WhatsAppProvider`], so the same code runs
//! against a real provider and against the local `wa-sandbox`, which speaks each provider's API
//! and is selected simply by pointing the client at another base URL. There is exactly one HTTP
//! client per provider, so the sandbox exercises the very code path production uses:
//!
//! * [`wassenger::WassengerClient`]: Wassenger, a gateway that drives a WhatsApp account the way
//!   a phone does (free text, a number check, a search of sent messages by our reference).
//! * [`meta::MetaClient`]: Meta's WhatsApp Business Cloud API (approved templates, free text
//!   inside the customer-service window, a template catalog and a messaging limit; no number
//!   check and no search of sent messages).
//!
//! Every failure is *classified* at this boundary into what the caller should do about it (the
//! variant of [`ProviderError`]) and why it happened (its [`FailureKind`], one vocabulary for
//! every provider):
//!
//! * [`ProviderError::Permanent`]: retrying cannot help (invalid number, bad credentials,
//!   message rejected). The contact's step fails, or takes the outcome its kind names.
//! * [`ProviderError::RateLimited`]: the provider asks us to slow down. This is also a
//!   *ban-risk signal* ([`ProviderError::is_ban_risk`]): the campaign should back off or pause
//!   rather than hammer the number into a WhatsApp ban.
//! * [`ProviderError::Retryable`]: transient trouble (5xx, timeouts, connection errors).

mod http;
pub mod meta;
pub mod wassenger;
pub mod webhook;

pub use campaign_domain::{FailureKind, MessageContent as OutgoingContent};
pub use meta::MetaClient;
pub use wassenger::{WassengerClient, classify};

use campaign_domain::CatalogTemplate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Lower-case substrings of an error reason that suggest WhatsApp may be about to ban (or has
/// banned) the sending number, so the campaign must slow down or stop instead of retrying.
const BAN_RISK_MARKERS: &[&str] = &["rate limit", "rate_limit", "spam", "blocked", "banned"];

/// The provider boundary used by the send/validation activities.
///
/// Implementations must be cheap to share: activities hold one instance behind an `Arc` for the
/// whole worker lifetime.
#[async_trait::async_trait]
pub trait WhatsAppProvider: Send + Sync + 'static {
    /// Hands one message to the provider. `Ok` means the provider *accepted* it (queued it for
    /// delivery); delivery itself is reported later through webhooks.
    ///
    /// An error does not always prove the message was not accepted: a timeout or an unreadable
    /// success response leaves it unknown. Callers retrying a send must therefore first ask
    /// [`WhatsAppProvider::find_by_reference`] whether the previous attempt got through.
    async fn send_message(&self, req: &OutgoingMessage) -> Result<AcceptedMessage, ProviderError>;

    /// Whether `phone` (E.164, with or without `+`) has a WhatsApp account.
    async fn number_exists(&self, phone: &str) -> Result<bool, ProviderError>;

    /// Looks up a message previously accepted with this `reference` (our idempotency key), so
    /// that a send interrupted by a crash or a timeout is not sent twice.
    async fn find_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<AcceptedMessage>, ProviderError>;

    /// Whether [`WhatsAppProvider::number_exists`] can answer. Meta's Cloud API has no such
    /// endpoint, and nothing fakes one: callers say verification is not available instead.
    fn supports_number_check(&self) -> bool {
        true
    }

    /// Whether [`WhatsAppProvider::find_by_reference`] searches the provider's sent messages.
    /// When it cannot (Meta), a retrying send looks up instead the receipts the engine recorded
    /// from status webhooks, which carry our reference.
    fn supports_reference_lookup(&self) -> bool {
        true
    }

    /// The shortest time between two messages to the same contact that the provider allows
    /// (Meta's pair rate: about one message every 6 seconds, else 131056). Message 2 waits for
    /// it after Message 1, so that limit never comes from us.
    fn pair_interval(&self) -> Duration {
        Duration::ZERO
    }

    /// The business account's templates, as the provider's catalog lists them; empty for a
    /// provider without templates.
    async fn list_templates(&self) -> Result<Vec<CatalogTemplate>, ProviderError> {
        Ok(vec![])
    }

    /// The business's messaging limit: how many unique contacts it may reach outside a
    /// customer-service window in a moving 24 hours. `None` when the provider sets no such limit
    /// or the account's limit is unlimited; the caller then relies on its own daily quota.
    async fn messaging_limit(&self) -> Result<Option<i32>, ProviderError> {
        Ok(None)
    }
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    /// Recipient in E.164 with the leading `+`, e.g. `+34600111222`.
    pub phone: String,
    /// What the message says, already personalised.
    pub content: OutgoingContent,
    /// Our idempotency key for this send; the provider stores it on the message and echoes it
    /// back in webhooks (Wassenger's `reference`, Meta's `biz_opaque_callback_data`).
    pub reference: String,
}

/// Proof that the provider accepted a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedMessage {
    /// The provider's identifier of the queued message (Wassenger's `id`, Meta's `wamid`).
    pub provider_message_id: String,
    /// When the provider accepted it, by the provider's clock: the clock that also stamps the
    /// contact's replies, so the window compares like with like (R2). `None` when the
    /// provider's answer did not say.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// A provider failure, already classified by what the caller should do about it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Retrying the same request cannot succeed (invalid number, unauthorized, rejected content).
    #[error("permanent provider error: {reason}")]
    Permanent {
        /// Why, in the engine's vocabulary.
        kind: FailureKind,
        /// What the provider said, for operators.
        reason: String,
    },
    /// The provider asks us to slow down; retry no sooner than `retry_after` when it is given.
    #[error("provider rate limit: {reason}")]
    RateLimited {
        /// What the provider said, for operators.
        reason: String,
        /// The delay the provider asked for (`Retry-After`), when it gave one.
        retry_after: Option<Duration>,
    },
    /// A transient failure (server error, timeout, connection problem); retrying may succeed.
    #[error("retryable provider error: {reason}")]
    Retryable {
        /// Why, in the engine's vocabulary.
        kind: FailureKind,
        /// What went wrong, for operators.
        reason: String,
    },
}

impl ProviderError {
    /// A permanent failure of `kind`.
    pub fn permanent(kind: FailureKind, reason: impl Into<String>) -> ProviderError {
        ProviderError::Permanent {
            kind,
            reason: reason.into(),
        }
    }

    /// A transient failure of `kind`.
    pub fn retryable(kind: FailureKind, reason: impl Into<String>) -> ProviderError {
        ProviderError::Retryable {
            kind,
            reason: reason.into(),
        }
    }

    /// The human-readable explanation carried by every variant.
    pub fn reason(&self) -> &str {
        match self {
            Self::Permanent { reason, .. }
            | Self::RateLimited { reason, .. }
            | Self::Retryable { reason, .. } => reason,
        }
    }

    /// Why the send failed, in the engine's vocabulary.
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Permanent { kind, .. } | Self::Retryable { kind, .. } => *kind,
            Self::RateLimited { .. } => FailureKind::RateLimited,
        }
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Permanent { .. })
    }

    /// Whether this failure suggests the sending number is at risk of a WhatsApp ban: any rate
    /// limit, or a reason mentioning rate limits, spam, blocking or a ban (case-insensitive).
    /// The campaign reacts by slowing down or pausing rather than by plain retries.
    pub fn is_ban_risk(&self) -> bool {
        if matches!(self, Self::RateLimited { .. }) {
            return true;
        }
        let reason = self.reason().to_lowercase();
        BAN_RISK_MARKERS
            .iter()
            .any(|marker| reason.contains(marker))
    }
}
