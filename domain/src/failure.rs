//! Why a send failed, as one vocabulary for both providers (SPEC §7).
//!
//! Wassenger answers with HTTP statuses and free text; Meta's Cloud API with numeric error codes.
//! Each provider client turns its own errors into a [`FailureKind`] at the boundary, so the
//! activities decide what a failure *does* (retry, wait, end the journey `limited`, opt the
//! contact out, pause the campaign), the database stores it beside each failed message, and the
//! console switches on it, without anyone reading error texts again.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of failure a send met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The number is not a valid phone number for the provider.
    InvalidNumber,
    /// The message cannot reach this contact (not on WhatsApp, old app, terms not accepted;
    /// Meta 131026). Permanent for this contact.
    Undeliverable,
    /// Meta held the message back to keep the contact's marketing load healthy (131049): neither
    /// the contact's fault nor a ban signal; the journey ends `limited`.
    Limited,
    /// The contact opted out: by keyword (R19), or in WhatsApp itself (Meta 131050).
    OptedOut,
    /// Free text outside the 24-hour customer-service window (Meta 131047).
    WindowClosed,
    /// The template does not exist, its parameters do not match, or it was rejected (132xxx).
    TemplateRejected,
    /// The template is paused or disabled (Meta 132015, 132016): its campaigns pause.
    TemplatePaused,
    /// Sending too fast: the number's throughput, the pair rate, spam limits (a ban-risk signal).
    RateLimited,
    /// The token expired or lacks a permission, or the business account is locked or unpaid:
    /// every campaign pauses until an operator resumes them.
    Auth,
    /// The provider is unreachable or failing (timeouts, 5xx, Meta's service errors).
    ProviderDown,
    /// The daily quota (R10) or the business's messaging limit was reached.
    DailyLimit,
    /// The campaign's 48 h cutoff (R9) came before Message 1 left: the engine's own refusal,
    /// stored on the journey it closed.
    Cutoff,
    /// The contact already had as many Message 1s as the frequency cap (R24) allows in its
    /// window: the engine's own refusal, made right before the call.
    FrequencyCapped,
    /// Anything else; the provider's own code stays in the reason.
    Unknown,
}

impl FailureKind {
    /// Every kind, in the order of the table above.
    pub const ALL: [FailureKind; 14] = [
        FailureKind::InvalidNumber,
        FailureKind::Undeliverable,
        FailureKind::Limited,
        FailureKind::OptedOut,
        FailureKind::WindowClosed,
        FailureKind::TemplateRejected,
        FailureKind::TemplatePaused,
        FailureKind::RateLimited,
        FailureKind::Auth,
        FailureKind::ProviderDown,
        FailureKind::DailyLimit,
        FailureKind::Cutoff,
        FailureKind::FrequencyCapped,
        FailureKind::Unknown,
    ];

    /// The name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::InvalidNumber => "invalid_number",
            FailureKind::Undeliverable => "undeliverable",
            FailureKind::Limited => "limited",
            FailureKind::OptedOut => "opted_out",
            FailureKind::WindowClosed => "window_closed",
            FailureKind::TemplateRejected => "template_rejected",
            FailureKind::TemplatePaused => "template_paused",
            FailureKind::RateLimited => "rate_limited",
            FailureKind::Auth => "auth",
            FailureKind::ProviderDown => "provider_down",
            FailureKind::DailyLimit => "daily_limit",
            FailureKind::Cutoff => "cutoff",
            FailureKind::FrequencyCapped => "frequency_capped",
            FailureKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not one of [`FailureKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown failure kind `{0}`")]
pub struct UnknownFailureKind(pub String);

impl FromStr for FailureKind {
    type Err = UnknownFailureKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FailureKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownFailureKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for kind in FailureKind::ALL {
            assert_eq!(kind.as_str().parse::<FailureKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().to_owned())
            );
        }
        assert!("nope".parse::<FailureKind>().is_err());
    }
}
