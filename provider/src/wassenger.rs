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

use crate::http::{self, RawResponse, parse_body};
use crate::{
    AcceptedMessage, FailureKind, OutgoingContent, OutgoingMessage, ProviderError, WhatsAppProvider,
};
use reqwest::header::{ACCEPT, HeaderValue};
use std::fmt;
use std::time::Duration;

mod errors;
mod wire;

pub use errors::classify;
use wire::{ExistsRequest, ExistsResponse, MessageBody, MessageList, SendBody};

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
mod tests;
