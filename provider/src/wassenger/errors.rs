//! How a Wassenger failure is classified: its HTTP status says what to do, its error code or
//! text which [`FailureKind`] it is. Pure, so the policy is tested without HTTP.

use crate::http::{RawResponse, parse_retry_after, truncate};
use crate::{FailureKind, ProviderError};
use serde::Deserialize;
use std::fmt::Write as _;

/// Lower-case substrings of an error body that mean "you are sending too fast", whatever the
/// HTTP status says (some gateways report throttling as 403 or 503).
const RATE_LIMIT_MARKERS: &[&str] = &[
    "rate limit",
    "rate-limit",
    "rate_limit",
    "ratelimit",
    "too many requests",
];

/// Classifies a non-success provider response. Pure, so the policy is unit-tested without HTTP.
///
/// * `429`, or any body mentioning a rate limit → [`ProviderError::RateLimited`], with
///   `retry_after` taken from a `Retry-After` header given in seconds (an HTTP-date is ignored:
///   resolving it would need the current time, and the caller's backoff covers that case).
/// * `408` and `5xx` → [`ProviderError::Retryable`]: the request timed out or the provider broke.
/// * any other `4xx` (invalid number, `401`/`403` unauthorized, message too long, ...) →
///   [`ProviderError::Permanent`].
/// * anything else (an unexpected redirect or informational status) →
///   [`ProviderError::Retryable`], so a misbehaving proxy cannot fail a contact for good.
///
/// The kind: `401`/`403` are [`FailureKind::Auth`]; a `400` naming the phone or number is
/// [`FailureKind::InvalidNumber`]; `408`/`5xx` are [`FailureKind::ProviderDown`]; the rest
/// [`FailureKind::Unknown`].
pub fn classify(status: u16, body: &str, retry_after_header: Option<&str>) -> ProviderError {
    let reason = describe_failure(status, body);
    let lower_body = body.to_lowercase();
    if status == 429
        || RATE_LIMIT_MARKERS
            .iter()
            .any(|marker| lower_body.contains(marker))
    {
        return ProviderError::RateLimited {
            reason,
            retry_after: retry_after_header.and_then(parse_retry_after),
        };
    }
    match status {
        408 | 500..=599 => ProviderError::retryable(FailureKind::ProviderDown, reason),
        401 | 403 => ProviderError::permanent(FailureKind::Auth, reason),
        400 if ["phone", "number"]
            .iter()
            .any(|word| lower_body.contains(word)) =>
        {
            ProviderError::permanent(FailureKind::InvalidNumber, reason)
        }
        400..=499 => ProviderError::permanent(FailureKind::Unknown, reason),
        _ => ProviderError::retryable(FailureKind::Unknown, reason),
    }
}

/// The error body Wassenger returns: `{status, errorCode, message}`. Some gateways in front of
/// it use `error` instead of `errorCode`, so both are read.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    error: Option<String>,
    message: Option<String>,
}

/// Builds a reason such as `HTTP 400 [invalid_phone]: Invalid phone number`, falling back to a
/// truncated raw body when it is not Wassenger's JSON error.
fn describe_failure(status: u16, body: &str) -> String {
    // Writing to a `String` cannot fail, hence the ignored results.
    let mut reason = format!("HTTP {status}");
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(parsed)
            if parsed.message.is_some()
                || parsed.error_code.is_some()
                || parsed.error.is_some() =>
        {
            if let Some(code) = parsed.error_code.or(parsed.error) {
                let _ = write!(reason, " [{}]", truncate(&code));
            }
            if let Some(message) = parsed.message {
                let _ = write!(reason, ": {}", truncate(&message));
            }
        }
        _ if body.trim().is_empty() => reason.push_str(" (empty body)"),
        _ => {
            let _ = write!(reason, ": {}", truncate(body.trim()));
        }
    }
    reason
}

impl RawResponse {
    /// The body of a 2xx response, or Wassenger's error, classified.
    pub(super) fn success_body(self) -> Result<String, ProviderError> {
        if self.is_success() {
            Ok(self.body)
        } else {
            Err(classify(
                self.status,
                &self.body,
                self.retry_after.as_deref(),
            ))
        }
    }
}
