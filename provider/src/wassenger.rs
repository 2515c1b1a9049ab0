//! The Wassenger REST client (and `wa-sandbox`, which speaks the same API).
//!
//! Wassenger shapes this module relies on (see the report that accompanies it for sources):
//! `POST /v1/messages` with header `Token` and body `{phone, message, reference}` answers
//! `201` with the queued message (`{id, waId, phone, wid, status: "queued", deliveryStatus,
//! reference, ...}`, where `id` is a 24-hex identifier); errors are JSON
//! `{status, errorCode, message}`; `POST /v1/numbers/exists` with `{phone}` answers
//! `{exists, phone, wid, ...}`. Its webhook events are read in [`crate::webhook`].
//!
//! Wassenger reports failures as HTTP statuses and free text, so [`classify`] reads both: the
//! status says what to do, and the error code or text says which [`FailureKind`] it is.

use crate::http::{self, RawResponse, parse_body, parse_retry_after, truncate};
use crate::{
    AcceptedMessage, FailureKind, OutgoingContent, OutgoingMessage, ProviderError, WhatsAppProvider,
};
use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, HeaderValue};
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use std::time::Duration;

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

/// Client for the Wassenger REST API (and for `wa-sandbox`, which speaks the same API).
///
/// Cloning is cheap and shares one connection pool: build one per process.
#[derive(Clone)]
pub struct WassengerClient {
    http: reqwest::Client,
    base_url: String,
    /// The API token as a header value marked *sensitive*, so that neither this type nor
    /// `reqwest`/`hyper` debug output can print it.
    token: HeaderValue,
}

impl fmt::Debug for WassengerClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WassengerClient")
            .field("base_url", &self.base_url)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Body of `POST /v1/messages`.
#[derive(Serialize)]
struct SendBody<'a> {
    phone: &'a str,
    message: &'a str,
    reference: &'a str,
}

/// The part of Wassenger's message object this client needs.
#[derive(Deserialize)]
struct MessageBody {
    id: String,
    #[serde(default)]
    reference: Option<String>,
    /// RFC 3339; an unreadable date is treated as absent rather than losing the acceptance.
    #[serde(default, rename = "createdAt", deserialize_with = "lenient_date")]
    created_at: Option<DateTime<Utc>>,
}

fn lenient_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let raw = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(raw
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|date| DateTime::parse_from_rfc3339(date).ok())
        .map(|date| date.with_timezone(&Utc)))
}

/// `GET /v1/messages` answers a JSON array; a `{data: [...]}` envelope is accepted as well so
/// that a paginated variant cannot break crash recovery.
#[derive(Deserialize)]
#[serde(untagged)]
enum MessageList {
    Bare(Vec<MessageBody>),
    Wrapped { data: Vec<MessageBody> },
}

/// Body of `POST /v1/numbers/exists`.
#[derive(Serialize)]
struct ExistsRequest<'a> {
    phone: &'a str,
}

/// The part of the `numbers/exists` answer this client needs.
#[derive(Deserialize)]
struct ExistsResponse {
    exists: bool,
}

impl RawResponse {
    /// The body of a 2xx response, or Wassenger's error, classified.
    fn success_body(self) -> Result<String, ProviderError> {
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

impl WassengerClient {
    /// Builds a client for `base_url` (e.g. `https://api.wassenger.com`, without `/v1`), sending
    /// `token` in the `Token` header and giving up on any request after `timeout`.
    ///
    /// Fails (permanently) when the token cannot be sent as an HTTP header or the TLS backend
    /// cannot be initialised; the error never contains the token.
    pub fn new(
        base_url: impl Into<String>,
        token: impl AsRef<str>,
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        let token = http::secret_header(token.as_ref())?;
        let http = http::client(timeout)?;
        Ok(Self {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .header("Token", self.token.clone())
            .header(ACCEPT, "application/json")
    }

    /// Sends `builder` and reads the whole response; only transport failures are errors here.
    async fn execute(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<RawResponse, ProviderError> {
        http::execute(builder).await
    }

    async fn send(&self, req: &OutgoingMessage) -> Result<AcceptedMessage, ProviderError> {
        let OutgoingContent::Text { body: message } = &req.content else {
            return Err(ProviderError::permanent(
                FailureKind::TemplateRejected,
                "Wassenger sends free text only: templates need the Meta provider",
            ));
        };
        let body = SendBody {
            phone: &req.phone,
            message,
            reference: &req.reference,
        };
        let text = self
            .execute(
                self.request(reqwest::Method::POST, "/v1/messages")
                    .json(&body),
            )
            .await?
            .success_body()?;
        // A 2xx whose body we cannot read may still mean "accepted": it is reported as
        // retryable, and the retry goes through `find_by_reference` first.
        let message: MessageBody = parse_body(&text, "send")?;
        Ok(AcceptedMessage {
            provider_message_id: message.id,
            accepted_at: message.created_at,
        })
    }
}

#[async_trait::async_trait]
impl WhatsAppProvider for WassengerClient {
    async fn send_message(&self, req: &OutgoingMessage) -> Result<AcceptedMessage, ProviderError> {
        // Only the reference is logged: phone numbers and message bodies are personal data.
        match self.send(req).await {
            Ok(accepted) => {
                tracing::debug!(
                    reference = %req.reference,
                    provider_message_id = %accepted.provider_message_id,
                    "provider accepted message"
                );
                Ok(accepted)
            }
            Err(err) => {
                tracing::warn!(
                    reference = %req.reference,
                    error = %err,
                    ban_risk = err.is_ban_risk(),
                    "provider did not accept message"
                );
                Err(err)
            }
        }
    }

    async fn number_exists(&self, phone: &str) -> Result<bool, ProviderError> {
        let response = self
            .execute(
                self.request(reqwest::Method::POST, "/v1/numbers/exists")
                    .json(&ExistsRequest { phone }),
            )
            .await?;
        // Wassenger has been seen answering an unknown number with `404 {exists: false}`; a 404
        // without that body is a wrong URL and is classified like any other failure.
        if response.status == 404
            && let Ok(answer) = serde_json::from_str::<ExistsResponse>(&response.body)
        {
            return Ok(answer.exists);
        }
        let text = response.success_body()?;
        Ok(parse_body::<ExistsResponse>(&text, "number check")?.exists)
    }

    /// Searches `GET /v1/messages?reference=…` (Wassenger's outbound-message search) and returns
    /// the message whose `reference` equals `reference` exactly. The equality check is repeated
    /// here, so even a server that ignored the filter could never make us claim an unrelated
    /// message as ours.
    async fn find_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<AcceptedMessage>, ProviderError> {
        let text = self
            .execute(
                self.request(reqwest::Method::GET, "/v1/messages")
                    .query(&[("reference", reference)]),
            )
            .await?
            .success_body()?;
        let messages = match parse_body::<MessageList>(&text, "message search")? {
            MessageList::Bare(messages) | MessageList::Wrapped { data: messages } => messages,
        };
        Ok(messages
            .into_iter()
            .find(|message| message.reference.as_deref() == Some(reference))
            .map(|message| AcceptedMessage {
                provider_message_id: message.id,
                accepted_at: message.created_at,
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::MAX_REASON_BODY_CHARS;

    #[test]
    fn invalid_number_is_permanent() {
        let err = classify(
            400,
            r#"{"status":400,"errorCode":"invalid_phone","message":"Invalid phone number"}"#,
            None,
        );
        assert_eq!(
            err,
            ProviderError::Permanent {
                kind: FailureKind::InvalidNumber,
                reason: "HTTP 400 [invalid_phone]: Invalid phone number".to_owned()
            }
        );
        assert!(!err.is_retryable());
        assert!(!err.is_ban_risk());
    }

    #[test]
    fn unauthorized_and_forbidden_are_permanent() {
        for status in [401, 403] {
            let err = classify(status, r#"{"message":"Invalid API token"}"#, None);
            assert!(
                matches!(err, ProviderError::Permanent { .. }),
                "{status}: {err:?}"
            );
        }
    }

    #[test]
    fn other_client_errors_are_permanent() {
        for status in [404, 409, 413, 422] {
            assert!(matches!(
                classify(status, "", None),
                ProviderError::Permanent { .. }
            ));
        }
    }

    #[test]
    fn too_many_requests_is_rate_limited_with_retry_after() {
        let err = classify(429, "", Some(" 30 "));
        assert_eq!(
            err,
            ProviderError::RateLimited {
                reason: "HTTP 429 (empty body)".to_owned(),
                retry_after: Some(Duration::from_secs(30)),
            }
        );
        assert!(err.is_retryable());
        assert!(err.is_ban_risk());
    }

    #[test]
    fn http_date_retry_after_is_ignored() {
        let err = classify(429, "", Some("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert!(matches!(
            err,
            ProviderError::RateLimited {
                retry_after: None,
                ..
            }
        ));
    }

    #[test]
    fn body_mentioning_rate_limit_is_rate_limited_whatever_the_status() {
        for body in [
            r#"{"message":"Rate limit exceeded, slow down"}"#,
            r#"{"errorCode":"rate_limit_exceeded"}"#,
            "Too Many Requests",
        ] {
            let err = classify(403, body, None);
            assert!(
                matches!(err, ProviderError::RateLimited { .. }),
                "{body}: {err:?}"
            );
        }
        assert!(matches!(
            classify(503, "ratelimit", None),
            ProviderError::RateLimited { .. }
        ));
    }

    #[test]
    fn server_errors_and_request_timeout_are_retryable() {
        for status in [408, 500, 502, 503, 504] {
            let err = classify(status, "<html>Bad gateway</html>", None);
            assert!(
                matches!(err, ProviderError::Retryable { .. }),
                "{status}: {err:?}"
            );
            assert!(!err.is_ban_risk());
        }
    }

    #[test]
    fn unexpected_statuses_are_retryable() {
        assert!(matches!(
            classify(302, "", None),
            ProviderError::Retryable { .. }
        ));
    }

    #[test]
    fn spam_and_blocked_reasons_are_ban_risks_but_keep_their_class() {
        let spam = classify(
            403,
            r#"{"message":"Number flagged as SPAM by WhatsApp"}"#,
            None,
        );
        assert!(matches!(spam, ProviderError::Permanent { .. }));
        assert!(spam.is_ban_risk());
        let blocked = classify(500, "device Blocked", None);
        assert!(matches!(blocked, ProviderError::Retryable { .. }));
        assert!(blocked.is_ban_risk());
        let code_only = classify(400, r#"{"errorCode":"number_blocked"}"#, None);
        assert!(code_only.is_ban_risk());
    }

    #[test]
    fn long_bodies_are_truncated_in_reasons() {
        let body = "x".repeat(5_000);
        let reason = classify(500, &body, None).reason().to_owned();
        assert!(reason.chars().count() < MAX_REASON_BODY_CHARS + 20);
        assert!(reason.ends_with('…'));
    }

    #[test]
    fn error_field_is_used_when_error_code_is_missing() {
        let err = classify(400, r#"{"error":"bad request"}"#, None);
        assert_eq!(err.reason(), "HTTP 400 [bad request]");
    }

    #[test]
    fn debug_output_never_contains_the_token() {
        let client = WassengerClient::new(
            "http://localhost:1/",
            "super-secret-token",
            Duration::from_secs(1),
        )
        .expect("client builds");
        let debug = format!("{client:?}");
        assert!(!debug.contains("super-secret-token"), "{debug}");
        assert!(debug.contains("<redacted>"));
        assert_eq!(client.base_url(), "http://localhost:1");
    }

    #[test]
    fn token_that_cannot_be_a_header_is_rejected_without_echoing_it() {
        let err = WassengerClient::new("http://localhost:1", "bad\ntoken", Duration::from_secs(1))
            .expect_err("newline is not a header character");
        assert!(!err.reason().contains("bad\ntoken"));
        assert!(matches!(err, ProviderError::Permanent { .. }));
    }

    #[test]
    fn acceptance_time_is_read_from_created_at_and_an_unreadable_one_is_absent() {
        let message: MessageBody = parse_body(
            r#"{"id":"abc","reference":"r","createdAt":"2026-12-02T10:11:12.345Z"}"#,
            "send",
        )
        .expect("readable");
        assert_eq!(
            message.created_at,
            Some(
                DateTime::parse_from_rfc3339("2026-12-02T10:11:12.345Z")
                    .unwrap()
                    .with_timezone(&Utc)
            )
        );
        for body in [
            r#"{"id":"abc"}"#,
            r#"{"id":"abc","createdAt":null}"#,
            r#"{"id":"abc","createdAt":"yesterday"}"#,
            r#"{"id":"abc","createdAt":17}"#,
        ] {
            let message: MessageBody = parse_body(body, "send").expect("still accepted");
            assert_eq!(message.created_at, None, "{body}");
        }
    }
}
