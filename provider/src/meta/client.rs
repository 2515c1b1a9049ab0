//! The Cloud API client (and `wa-sandbox` in Meta mode, which speaks the same API).
//!
//! It sends through `POST /{version}/{phone_number_id}/messages` (or `/marketing_messages` for
//! marketing templates), reads the catalog from `GET /{version}/{waba_id}/message_templates` and
//! the messaging limit from the phone number's `whatsapp_business_manager_messaging_limit`. The
//! Cloud API has no number check and no search of sent messages: [`MetaClient`] says so
//! ([`WhatsAppProvider::supports_number_check`], [`WhatsAppProvider::supports_reference_lookup`])
//! rather than pretending.

use super::errors::{classify_response, naming_template};
use super::limits::read_messaging_limit;
use super::request::{SendEndpoint, message_body};
use super::templates::{TEMPLATE_FIELDS, read_page};
use crate::http::{self, RawResponse, parse_body};
use crate::{
    AcceptedMessage, FailureKind, OutgoingContent, OutgoingMessage, ProviderError, WhatsAppProvider,
};
use campaign_domain::CatalogTemplate;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Most catalog pages followed: 100 templates a page, far beyond a business account's
/// templates, so a paging loop on the provider's side cannot hold a worker forever.
const MAX_CATALOG_PAGES: usize = 100;
/// Meta's pair rate: about one message every 6 seconds from a business number to one user
/// (beyond it, 131056). <https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput>
const PAIR_INTERVAL: std::time::Duration = std::time::Duration::from_secs(6);

/// Where and as whom the client talks to the Cloud API.
#[derive(Clone)]
pub struct MetaSettings {
    /// `https://graph.facebook.com` (or the sandbox), without the version.
    pub graph_url: String,
    /// The Graph API version, e.g. `v23.0`.
    pub graph_version: String,
    pub phone_number_id: String,
    /// The WhatsApp Business Account that holds the templates.
    pub waba_id: String,
    /// A system-user access token; never printed.
    pub access_token: String,
}

impl fmt::Debug for MetaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaSettings")
            .field("graph_url", &self.graph_url)
            .field("graph_version", &self.graph_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

/// Client for Meta's WhatsApp Business Cloud API. Cloning is cheap and shares one connection
/// pool: build one per process.
#[derive(Clone)]
pub struct MetaClient {
    http: reqwest::Client,
    /// `{graph_url}/{version}`, without a trailing slash.
    versioned_url: String,
    /// `{graph_url}/`: the only prefix a catalog's `paging.next` may have, so the token is never
    /// sent to another host.
    graph_prefix: String,
    phone_number_id: String,
    waba_id: String,
    /// `Bearer <token>`, marked sensitive so no debug output prints it.
    authorization: HeaderValue,
}

impl fmt::Debug for MetaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaClient")
            .field("versioned_url", &self.versioned_url)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("access_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The part of a send's answer this client needs: `{messaging_product, contacts: [{input,
/// wa_id}], messages: [{id, message_status?}]}`.
#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: Option<String>,
}

impl RawResponse {
    /// The body of a 2xx answer, or Meta's error, classified.
    fn meta_success_body(self) -> Result<String, ProviderError> {
        if self.is_success() {
            Ok(self.body)
        } else {
            Err(classify_response(
                self.status,
                &self.body,
                self.retry_after.as_deref(),
            ))
        }
    }
}

impl MetaClient {
    /// Builds a client giving up on any request after `timeout`. Fails (permanently) when the
    /// token cannot be sent as an HTTP header or the TLS backend cannot start; the error never
    /// contains the token.
    pub fn new(settings: MetaSettings, timeout: Duration) -> Result<MetaClient, ProviderError> {
        let authorization = http::secret_header(&format!("Bearer {}", settings.access_token))?;
        let graph_url = settings.graph_url.trim_end_matches('/');
        let version = settings.graph_version.trim_matches('/');
        Ok(MetaClient {
            http: http::client(timeout)?,
            versioned_url: format!("{graph_url}/{version}"),
            graph_prefix: format!("{graph_url}/"),
            phone_number_id: settings.phone_number_id,
            waba_id: settings.waba_id,
            authorization,
        })
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
    }

    async fn send(&self, message: &OutgoingMessage) -> Result<AcceptedMessage, ProviderError> {
        let body = message_body(message)?;
        let endpoint = SendEndpoint::for_content(&message.content);
        let url = format!(
            "{}/{}/{}",
            self.versioned_url,
            self.phone_number_id,
            endpoint.path()
        );
        let text = http::execute(self.request(reqwest::Method::POST, &url).json(&body))
            .await?
            .meta_success_body()?;
        // A 2xx whose id we cannot read may still mean "accepted": it is retryable, and the
        // retry first looks for the receipts that carry this reference.
        let answer: SendAnswer = parse_body(&text, "send")?;
        let provider_message_id = answer
            .messages
            .into_iter()
            .find_map(|sent| sent.id)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ProviderError::retryable(
                    FailureKind::Unknown,
                    "Meta accepted the send without a message id",
                )
            })?;
        // Meta's answer carries no time: the caller stamps the acceptance with its own clock.
        Ok(AcceptedMessage {
            provider_message_id,
            accepted_at: None,
        })
    }

    async fn get_json(&self, url: &str, what: &str) -> Result<serde_json::Value, ProviderError> {
        let text = http::execute(self.request(reqwest::Method::GET, url))
            .await?
            .meta_success_body()?;
        parse_body(&text, what)
    }
}

#[async_trait::async_trait]
impl WhatsAppProvider for MetaClient {
    async fn send_message(&self, req: &OutgoingMessage) -> Result<AcceptedMessage, ProviderError> {
        // Only the reference is logged: phone numbers and message bodies are personal data.
        let result = self.send(req).await;
        let result = match &req.content {
            OutgoingContent::Template(template) => {
                result.map_err(|err| naming_template(err, &template.name, &template.language))
            }
            OutgoingContent::Text { .. } => result,
        };
        match &result {
            Ok(accepted) => tracing::debug!(
                reference = %req.reference,
                provider_message_id = %accepted.provider_message_id,
                "Meta accepted message"
            ),
            Err(err) => tracing::warn!(
                reference = %req.reference,
                error = %err,
                kind = %err.kind(),
                ban_risk = err.is_ban_risk(),
                "Meta did not accept message"
            ),
        }
        result
    }

    async fn number_exists(&self, _phone: &str) -> Result<bool, ProviderError> {
        Err(ProviderError::permanent(
            FailureKind::Unknown,
            "number verification is not available on the Meta Cloud API",
        ))
    }

    /// The Cloud API cannot search sent messages: always `None`. A retrying send looks up the
    /// receipts recorded from status webhooks instead ([`Self::supports_reference_lookup`]).
    async fn find_by_reference(
        &self,
        _reference: &str,
    ) -> Result<Option<AcceptedMessage>, ProviderError> {
        Ok(None)
    }

    fn supports_number_check(&self) -> bool {
        false
    }

    fn supports_reference_lookup(&self) -> bool {
        false
    }

    fn pair_interval(&self) -> std::time::Duration {
        PAIR_INTERVAL
    }

    /// Every page of the catalog. Templates this engine cannot use (unknown category or status,
    /// no body) are left out with a warning naming them.
    async fn list_templates(&self) -> Result<Vec<CatalogTemplate>, ProviderError> {
        let mut url = format!(
            "{}/{}/message_templates?fields={TEMPLATE_FIELDS}&limit=100",
            self.versioned_url, self.waba_id
        );
        let mut templates = Vec::new();
        for _ in 0..MAX_CATALOG_PAGES {
            let text = http::execute(self.request(reqwest::Method::GET, &url))
                .await?
                .meta_success_body()?;
            let page = read_page(&text)
                .map_err(|reason| ProviderError::retryable(FailureKind::Unknown, reason))?;
            for reason in &page.skipped {
                tracing::warn!(%reason, "template left out of the catalog");
            }
            templates.extend(page.templates);
            match page.next {
                None => return Ok(templates),
                Some(next) if next.starts_with(&self.graph_prefix) => url = next,
                Some(_) => {
                    return Err(ProviderError::retryable(
                        FailureKind::Unknown,
                        "the template list's next page is on another host; not following it",
                    ));
                }
            }
        }
        Err(ProviderError::retryable(
            FailureKind::Unknown,
            format!("the template list has more than {MAX_CATALOG_PAGES} pages"),
        ))
    }

    /// The phone number's `whatsapp_business_manager_messaging_limit` (the portfolio's limit,
    /// shared by its numbers): `None` when unlimited. A value this engine cannot read is an
    /// error, never "unlimited", so the caller falls back on its configured limit.
    async fn messaging_limit(&self) -> Result<Option<i32>, ProviderError> {
        let url = format!(
            "{}/{}?fields=whatsapp_business_manager_messaging_limit",
            self.versioned_url, self.phone_number_id
        );
        let answer = self.get_json(&url, "messaging limit").await?;
        let value = answer
            .get("whatsapp_business_manager_messaging_limit")
            .ok_or_else(|| {
                ProviderError::retryable(
                    FailureKind::Unknown,
                    "Meta's phone number has no whatsapp_business_manager_messaging_limit",
                )
            })?;
        read_messaging_limit(value)
            .map_err(|err| ProviderError::retryable(FailureKind::Unknown, err.to_string()))
    }
}
