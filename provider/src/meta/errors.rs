//! Meta's error codes, each with what the engine does about it.
//!
//! Meta asks senders to build on the numeric `code` (and the `details`), never on titles, which
//! it will deprecate. The same codes come back synchronously, in a Graph API error body
//! (`{"error": {message, type, code, error_subcode, error_data: {messaging_product, details},
//! fbtrace_id}}`), and asynchronously, in `statuses[].errors[]` and `value.errors[]` of the
//! `messages` webhook (`{code, title, message, error_data: {details}}`). Both go through
//! [`classify_error`], so a code means the same whether it is answered or reported later.
//!
//! Source: <https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/>.

use crate::http::{parse_retry_after, truncate};
use crate::{FailureKind, ProviderError};
use serde_json::Value;
use std::fmt::Write as _;

/// What a code means for the send that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Sending too fast (throughput, pair rate, spam limit): back off, a ban-risk signal.
    RateLimited,
    Permanent(FailureKind),
    Retryable(FailureKind),
}

/// The outcome of each code this engine knows; `None` for the others, which are retried.
fn known_outcome(code: i64, details: &str) -> Option<Outcome> {
    use FailureKind as Kind;
    use Outcome::{Permanent, RateLimited, Retryable};
    Some(match code {
        // 130429 throughput, 131056 pair rate, 131048 spam rate limit, 80007 the business
        // account's API rate limit, 4 the app's API call limit.
        130429 | 131056 | 131048 | 80007 | 4 => RateLimited,
        131026 => Permanent(Kind::Undeliverable),
        // 131049 per-user marketing limit; 130472 the contact is in Meta's marketing-message
        // experiment group: resending gets the same answer, and neither is anyone's fault.
        131049 | 130472 => Permanent(Kind::Limited),
        131050 => Permanent(Kind::OptedOut),
        131047 => Permanent(Kind::WindowClosed),
        132015 | 132016 => Permanent(Kind::TemplatePaused),
        132000..=132999 => Permanent(Kind::TemplateRejected),
        // Token, permission, deleted business number, policy block, locked account, payment.
        0 | 10 | 190 | 200..=299 | 33 | 368 | 131005 | 131031 | 131042 => Permanent(Kind::Auth),
        // Unknown server error, service down, "something went wrong", service unavailable,
        // business number in maintenance.
        1 | 2 | 131000 | 131016 | 131057 => Retryable(Kind::ProviderDown),
        // Recipient cannot be the sender.
        131021 => Permanent(Kind::InvalidNumber),
        100 if names_recipient_number(details) => Permanent(Kind::InvalidNumber),
        // Invalid or missing parameter, parameter value not valid, unsupported message type,
        // media errors, recipient not in a test number's allowed list: retrying the same
        // request gets the same answer.
        100 | 131008 | 131009 | 131051 | 131052 | 131053 | 131030 => Permanent(Kind::Unknown),
        _ => return None,
    })
}

/// Whether an "invalid parameter" detail is about the recipient's number (`to`).
fn names_recipient_number(details: &str) -> bool {
    let details = details.to_lowercase();
    ["phone number", "'to'", "\"to\"", "`to`"]
        .iter()
        .any(|marker| details.contains(marker))
}

/// Classifies one of Meta's error codes, as reported in `statuses[].errors[]` or
/// `value.errors[]` (and, through the client, in a send's error answer).
///
/// The reason reads `Meta <code>: <title> (<details>)`. A code this engine does not know is
/// [`ProviderError::Retryable`] of kind [`FailureKind::Unknown`], its code kept in the reason.
pub fn classify_error(code: i64, title: &str, details: Option<&str>) -> ProviderError {
    let reason = describe(code, title, details);
    match known_outcome(code, details.unwrap_or("")) {
        Some(outcome) => error_for(outcome, reason, None),
        None => ProviderError::retryable(FailureKind::Unknown, reason),
    }
}

/// Classifies a non-success answer of the Graph API: Meta's error body when there is one (its
/// `code` decides), else the HTTP status alone.
///
/// Without a known code: `429` is a rate limit (with `Retry-After`, in seconds, when given);
/// `401`/`403` are [`FailureKind::Auth`], permanent; `408` and `5xx` are
/// [`FailureKind::ProviderDown`], retryable; anything else is retryable [`FailureKind::Unknown`].
pub fn classify_response(status: u16, body: &str, retry_after: Option<&str>) -> ProviderError {
    let retry_after = retry_after.and_then(parse_retry_after);
    let Some(error) = GraphError::read(body) else {
        let reason = if body.trim().is_empty() {
            format!("Meta HTTP {status} (empty body)")
        } else {
            format!("Meta HTTP {status}: {}", truncate(body.trim()))
        };
        return error_for(status_outcome(status), reason, retry_after);
    };
    let mut reason = describe(error.code, &error.message, error.details.as_deref());
    if let Some(trace) = &error.fbtrace_id {
        // Writing to a `String` cannot fail.
        let _ = write!(reason, " [fbtrace_id {}]", truncate(trace));
    }
    let outcome = known_outcome(error.code, error.details.as_deref().unwrap_or(""))
        .unwrap_or_else(|| status_outcome(status));
    error_for(outcome, reason, retry_after)
}

/// `error` with the template it was sent with in its reason, for template failures (132xxx),
/// whose code alone does not say which template is wrong.
pub fn naming_template(error: ProviderError, name: &str, language: &str) -> ProviderError {
    match error {
        ProviderError::Permanent { kind, reason }
            if matches!(
                kind,
                FailureKind::TemplateRejected | FailureKind::TemplatePaused
            ) =>
        {
            ProviderError::permanent(kind, format!("template {name:?} ({language}): {reason}"))
        }
        other => other,
    }
}

/// What an HTTP status says when no known code does.
fn status_outcome(status: u16) -> Outcome {
    match status {
        429 => Outcome::RateLimited,
        401 | 403 => Outcome::Permanent(FailureKind::Auth),
        408 | 500..=599 => Outcome::Retryable(FailureKind::ProviderDown),
        _ => Outcome::Retryable(FailureKind::Unknown),
    }
}

fn error_for(
    outcome: Outcome,
    reason: String,
    retry_after: Option<std::time::Duration>,
) -> ProviderError {
    match outcome {
        Outcome::RateLimited => ProviderError::RateLimited {
            reason,
            retry_after,
        },
        Outcome::Permanent(kind) => ProviderError::permanent(kind, reason),
        Outcome::Retryable(kind) => ProviderError::retryable(kind, reason),
    }
}

/// `Meta <code>: <title> (<details>)`, each part cut to a readable length.
fn describe(code: i64, title: &str, details: Option<&str>) -> String {
    let mut reason = format!("Meta {code}");
    let title = title.trim();
    if !title.is_empty() {
        let _ = write!(reason, ": {}", truncate(title));
    }
    if let Some(details) = details.map(str::trim).filter(|details| !details.is_empty())
        && details != title
    {
        let _ = write!(reason, " ({})", truncate(details));
    }
    reason
}

/// The parts of a Graph API error body the classification reads.
struct GraphError {
    code: i64,
    message: String,
    details: Option<String>,
    fbtrace_id: Option<String>,
}

impl GraphError {
    /// Meta's error body, when `body` is one with a numeric `code`.
    fn read(body: &str) -> Option<GraphError> {
        let value: Value = serde_json::from_str(body).ok()?;
        let error = value.get("error")?;
        let text = |field: &str| error.get(field).and_then(Value::as_str).map(str::to_owned);
        Some(GraphError {
            code: read_code(error.get("code")?)?,
            message: text("message").unwrap_or_default(),
            details: error
                .get("error_data")
                .and_then(|data| data.get("details"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            fbtrace_id: text("fbtrace_id"),
        })
    }
}

/// A code as Meta writes it: a JSON integer, or (as some relays forward it) digits in a string.
pub(crate) fn read_code(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Every code this module maps, with the outcome it must have.
    const TABLE: &[(i64, Outcome)] = {
        use FailureKind as K;
        use Outcome::{Permanent as P, RateLimited as R, Retryable as T};
        &[
            (130429, R),
            (131056, R),
            (131048, R),
            (80007, R),
            (4, R),
            (131026, P(K::Undeliverable)),
            (131049, P(K::Limited)),
            (130472, P(K::Limited)),
            (131050, P(K::OptedOut)),
            (131047, P(K::WindowClosed)),
            (132015, P(K::TemplatePaused)),
            (132016, P(K::TemplatePaused)),
            (132000, P(K::TemplateRejected)),
            (132001, P(K::TemplateRejected)),
            (132005, P(K::TemplateRejected)),
            (132007, P(K::TemplateRejected)),
            (132012, P(K::TemplateRejected)),
            (132068, P(K::TemplateRejected)),
            (0, P(K::Auth)),
            (10, P(K::Auth)),
            (190, P(K::Auth)),
            (200, P(K::Auth)),
            (250, P(K::Auth)),
            (299, P(K::Auth)),
            (33, P(K::Auth)),
            (368, P(K::Auth)),
            (131005, P(K::Auth)),
            (131031, P(K::Auth)),
            (131042, P(K::Auth)),
            (1, T(K::ProviderDown)),
            (2, T(K::ProviderDown)),
            (131000, T(K::ProviderDown)),
            (131016, T(K::ProviderDown)),
            (131057, T(K::ProviderDown)),
            (131021, P(K::InvalidNumber)),
            (100, P(K::Unknown)),
            (131008, P(K::Unknown)),
            (131009, P(K::Unknown)),
            (131051, P(K::Unknown)),
            (131052, P(K::Unknown)),
            (131053, P(K::Unknown)),
            (131030, P(K::Unknown)),
        ]
    };

    fn outcome_of(error: &ProviderError) -> Outcome {
        match error {
            ProviderError::RateLimited { .. } => Outcome::RateLimited,
            ProviderError::Permanent { kind, .. } => Outcome::Permanent(*kind),
            ProviderError::Retryable { kind, .. } => Outcome::Retryable(*kind),
        }
    }

    #[test]
    fn every_mapped_code_has_its_outcome_in_webhooks_and_answers() {
        for &(code, expected) in TABLE {
            let reported = classify_error(code, "Title", Some("Details"));
            assert_eq!(outcome_of(&reported), expected, "webhook code {code}");
            // A 400 answer carrying the code means the same as the code reported later.
            let body = format!(r#"{{"error":{{"message":"(#{code}) Title","code":{code}}}}}"#);
            let answered = classify_response(400, &body, None);
            assert_eq!(outcome_of(&answered), expected, "answered code {code}");
            assert!(answered.reason().starts_with(&format!("Meta {code}: ")));
        }
    }

    #[test]
    fn rate_limits_are_ban_risks_and_keep_retry_after() {
        let body = r#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException",
            "code":130429,"error_data":{"messaging_product":"whatsapp",
            "details":"Cloud API message throughput has been reached."},"fbtrace_id":"Az8"}}"#;
        let error = classify_response(400, body, Some("12"));
        assert_eq!(
            error,
            ProviderError::RateLimited {
                reason: "Meta 130429: (#130429) Rate limit hit (Cloud API message throughput \
                         has been reached.) [fbtrace_id Az8]"
                    .to_owned(),
                retry_after: Some(Duration::from_secs(12)),
            }
        );
        assert!(error.is_ban_risk());
    }

    #[test]
    fn the_marketing_limit_is_neither_retried_nor_a_ban_risk() {
        let error = classify_error(
            131049,
            "This message was not delivered to maintain healthy ecosystem engagement.",
            Some(
                "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
            ),
        );
        assert!(!error.is_retryable());
        assert!(!error.is_ban_risk());
        assert_eq!(error.kind(), FailureKind::Limited);
    }

    #[test]
    fn unmapped_codes_are_retried_with_their_code_in_the_reason() {
        let error = classify_error(135000, "Generic user error", None);
        assert_eq!(
            error,
            ProviderError::retryable(FailureKind::Unknown, "Meta 135000: Generic user error")
        );
    }

    #[test]
    fn an_invalid_parameter_naming_the_recipient_is_an_invalid_number() {
        for details in ["Invalid 'to' parameter.", "The phone number is not valid"] {
            assert_eq!(
                classify_error(100, "Invalid parameter", Some(details)).kind(),
                FailureKind::InvalidNumber,
                "{details}"
            );
        }
        assert_eq!(
            classify_error(100, "Invalid parameter", Some("Unknown field: templat")).kind(),
            FailureKind::Unknown
        );
    }

    #[test]
    fn without_a_code_the_http_status_decides() {
        let cases = [
            (429, Outcome::RateLimited),
            (401, Outcome::Permanent(FailureKind::Auth)),
            (403, Outcome::Permanent(FailureKind::Auth)),
            (408, Outcome::Retryable(FailureKind::ProviderDown)),
            (502, Outcome::Retryable(FailureKind::ProviderDown)),
            (404, Outcome::Retryable(FailureKind::Unknown)),
        ];
        for (status, expected) in cases {
            let error = classify_response(status, "<html>gateway</html>", None);
            assert_eq!(outcome_of(&error), expected, "HTTP {status}");
            assert_eq!(
                error.reason(),
                format!("Meta HTTP {status}: <html>gateway</html>")
            );
        }
        assert_eq!(
            classify_response(503, " ", None).reason(),
            "Meta HTTP 503 (empty body)"
        );
    }

    #[test]
    fn an_unknown_code_falls_back_on_the_http_status() {
        let body = r#"{"error":{"message":"Something new","code":987654}}"#;
        assert_eq!(
            outcome_of(&classify_response(401, body, None)),
            Outcome::Permanent(FailureKind::Auth)
        );
        assert_eq!(
            outcome_of(&classify_response(400, body, None)),
            Outcome::Retryable(FailureKind::Unknown)
        );
    }

    #[test]
    fn a_code_written_as_text_is_read() {
        let body = r#"{"error":{"message":"pair rate limit hit","code":"131056"}}"#;
        assert!(matches!(
            classify_response(400, body, None),
            ProviderError::RateLimited { .. }
        ));
    }

    #[test]
    fn template_failures_name_their_template() {
        let rejected = naming_template(
            classify_error(
                132001,
                "Template name does not exist in the translation",
                None,
            ),
            "spring_sale",
            "fr",
        );
        assert_eq!(
            rejected.reason(),
            "template \"spring_sale\" (fr): Meta 132001: Template name does not exist in the translation"
        );
        let other = classify_error(131026, "Message undeliverable", None);
        assert_eq!(naming_template(other.clone(), "spring_sale", "fr"), other);
    }

    #[test]
    fn long_details_are_truncated() {
        let details = "x".repeat(2_000);
        let reason = classify_error(131026, "Message undeliverable", Some(&details))
            .reason()
            .to_owned();
        assert!(reason.chars().count() < 400, "{}", reason.len());
        assert!(reason.ends_with("…)"));
    }
}
