//! What every provider client does the same way over HTTP: one client with bounded timeouts,
//! secrets as sensitive header values, whole responses read before they are judged, and
//! transport failures and unreadable answers classified alike.

use crate::{FailureKind, ProviderError};
use reqwest::header::{HeaderValue, RETRY_AFTER};
use std::time::Duration;

/// Most characters of a provider error body kept in [`ProviderError`] reasons: enough to read
/// what went wrong, small enough to keep workflow histories and logs lean.
pub(crate) const MAX_REASON_BODY_CHARS: usize = 300;

/// Upper bound on the connect phase, independent of the overall request timeout: a provider we
/// cannot even reach in this time is down, and failing fast lets the retry policy take over.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client that gives up on any request after `timeout`.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .user_agent(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|err| {
            ProviderError::permanent(
                FailureKind::Unknown,
                format!("cannot build the provider HTTP client: {err}"),
            )
        })
}

/// `value` as a header value marked *sensitive*, so that neither our types nor
/// `reqwest`/`hyper` debug output can print it. The error never contains the secret.
pub(crate) fn secret_header(value: &str) -> Result<HeaderValue, ProviderError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        ProviderError::permanent(
            FailureKind::Auth,
            "the provider token contains characters not allowed in an HTTP header",
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// A provider response read in full.
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<String>,
}

impl RawResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends `builder` and reads the whole response; only transport failures are errors here.
pub(crate) async fn execute(
    builder: reqwest::RequestBuilder,
) -> Result<RawResponse, ProviderError> {
    let response = builder.send().await.map_err(|err| transport_error(&err))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.map_err(|err| transport_error(&err))?;
    Ok(RawResponse {
        status,
        body,
        retry_after,
    })
}

/// Parses a `Retry-After` value expressed in whole seconds (an HTTP-date is ignored: resolving
/// it would need the current time, and the caller's backoff covers that case).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Parses a successful response body, reporting an unreadable one as retryable.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, ProviderError> {
    serde_json::from_str(text).map_err(|err| {
        ProviderError::retryable(
            FailureKind::Unknown,
            format!("unreadable provider {what} response: {err}"),
        )
    })
}

/// Cuts `text` to [`MAX_REASON_BODY_CHARS`] characters, marking the cut with an ellipsis.
pub(crate) fn truncate(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(MAX_REASON_BODY_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Maps a transport-level failure (no HTTP status to classify) to a [`ProviderError`].
pub(crate) fn transport_error(err: &reqwest::Error) -> ProviderError {
    if err.is_builder() {
        return ProviderError::permanent(
            FailureKind::Unknown,
            format!("invalid provider request: {err}"),
        );
    }
    let what = if err.is_timeout() {
        "provider request timed out"
    } else if err.is_connect() {
        "cannot connect to provider"
    } else {
        "provider request failed"
    };
    ProviderError::retryable(FailureKind::ProviderDown, format!("{what}: {err}"))
}
