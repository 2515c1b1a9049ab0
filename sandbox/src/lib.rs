//! `wa-sandbox`: a local stand-in for the Wassenger WhatsApp API and Meta's WhatsApp Business
//! Cloud API, on one port.
//!
//! Real WhatsApp cannot be used for development or tests: sends cost money, replies cannot be
//! scripted, and careless volume gets the number banned. The sandbox speaks the part of
//! Wassenger's REST API the campaign engine uses, so the engine reaches it through the *same*
//! HTTP client as production (only the base URL differs), and it calls the engine back with the
//! same webhook events Wassenger sends: delivery acks, replies of every type and reactions, with
//! configurable probability and delays. Injectable faults (error rate, `429`s, latency and a
//! deterministic failure queue) make retry and backoff paths testable, and the list of accepted
//! messages lets tests assert "exactly one send per contact".
//!
//! The Cloud API side (module `meta`) follows Meta's documentation rather than the engine's
//! client, so it checks that client independently: template checks with Meta's error codes, the
//! 24-hour customer-service window, a throughput cap, a template catalog whose statuses tests
//! change, and webhooks in Meta's shapes signed with the app secret.
//!
//! # HTTP endpoints
//!
//! Wassenger-compatible (header `Token: <token>`, or `Authorization: <token>`, required):
//!
//! | Endpoint | Behaviour |
//! | --- | --- |
//! | `POST /v1/messages` `{phone, message, reference?}` | `201` with the queued message (`id`, `waId`, `phone`, `wid`, `status`, `reference`, ...); `400` for an invalid phone (digits with optional `+`, 8–15 digits) or message; faults apply here only |
//! | `GET /v1/messages?reference=…` | accepted messages with that reference (all without the filter) |
//! | `POST /v1/numbers/exists` `{phone}` | `{exists, phone, wid, isBusiness}`; numbers in `unknown_numbers` do not exist |
//!
//! Cloud API (`Authorization: Bearer <META_ACCESS_TOKEN>`; a wrong or missing token answers
//! code 190, HTTP 401; `{version}` is `META_GRAPH_VERSION` when set, else any `vN.M`). Errors
//! are Graph's `{"error": {message, type, code, error_data: {messaging_product, details},
//! fbtrace_id}}` with Meta's HTTP status:
//!
//! | Endpoint | Behaviour |
//! | --- | --- |
//! | `POST /{version}/{phone_number_id}/messages` | `type: text` or `template`; `200` `{messaging_product, contacts: [{input, wa_id}], messages: [{id: "wamid.…"}]}`; unknown template or language 132001 (404), parameter mismatch 132000, paused 132015, disabled 132016 (400); over the throughput 130429; a text outside the window is accepted, then fails by webhook with 131047 |
//! | `POST /{version}/{phone_number_id}/marketing_messages` | the same for templates (where Meta routes MARKETING templates); text is refused (100) |
//! | `GET /{version}/{waba_id}/message_templates?limit&after&before&fields&name&status&category&language` | `{data: [{id, name, language, category, status, parameter_format, components}], paging: {cursors: {before, after}, next?, previous?}}` |
//! | `GET /{version}/{phone_number_id}?fields=whatsapp_business_manager_messaging_limit` | `{id, whatsapp_business_manager_messaging_limit: "TIER_250"…}` (also `display_phone_number`, `verified_name`, `quality_rating`) |
//!
//! Meta webhooks go to the Meta webhook URL, signed [`SIGNATURE_HEADER`] `sha256=<hex
//! HMAC-SHA256(app secret, raw body)>`: statuses `sent`, `delivered`, `read` (with `pricing`
//! and `biz_opaque_callback_data`) or `failed` (with `errors[]`: 131047 outside the window,
//! 131026 for `unknown_numbers`, or the per-phone `async_failures` code); replies of every
//! [`ReplyKind`] with `context.id` (reactions: `reaction.message_id`); and the template
//! `message_template_status_update` and `template_category_update`. Non-2xx answers are retried
//! with backoff.
//!
//! Sandbox controls (no authentication; the sandbox is meant for loopback use):
//!
//! | Endpoint | Behaviour |
//! | --- | --- |
//! | `GET /sandbox/messages?phone=…` | accepted messages (see [`AcceptedRecord`]), optionally for one phone (with or without `+`) |
//! | `DELETE /sandbox/messages` | forgets accepted messages |
//! | `GET`/`POST /sandbox/faults` | read / replace the [`Faults`] (`{}` clears them) |
//! | `GET`/`POST /sandbox/config` | read / patch the [`Behaviour`]: `{webhook_url?, webhook_secret?, reply_probability?, reply_delay_ms?, ack_delay_ms?, reply_types?, scripted_replies?}` (`scripted_replies`: `{"+336…": "STOP"}` or `{"+336…": {"button": "STOP"}}`, numbers that answer every message with that text or, on Meta, that quick-reply button) |
//! | `GET`/`POST /sandbox/meta/templates` | read / replace the Cloud API catalog (a list of [`MetaTemplate`]) |
//! | `POST /sandbox/meta/templates/{name}/{language}/status` `{status, reason?}` | changes a status and sends `message_template_status_update` |
//! | `POST /sandbox/meta/templates/{name}/{language}/category` `{category}` | changes a category and sends `template_category_update` |
//! | `GET`/`POST /sandbox/meta/config` | read / patch the [`MetaSettings`]: `{webhook_url?, throughput_per_second?, messaging_limit?, batch_webhooks?, async_failures?}` |
//! | `POST /sandbox/meta/fail_next` `{code, count?}` | the next Cloud API sends answer that Meta code synchronously |
//! | `POST /sandbox/meta/inbound` `{phone, text?, button?, context_id?}` | a message from the contact (opens its window), sent by webhook |
//! | `GET /sandbox/health` | `{"status": "ok"}` |
//!
//! Errors outside the Cloud API have Wassenger's shape `{status, errorCode, message}`; bodies are limited to
//! 64 KiB. Webhook events are described in the `webhook` module; they carry the
//! [`WEBHOOK_SECRET_HEADER`] when a secret is configured.
//!
//! # In-process use
//!
//! Tests call [`spawn`] (port 0 picks a free port) and drive the returned [`SandboxHandle`]
//! directly: [`SandboxHandle::accepted`], [`SandboxHandle::fail_next`], ...

mod api;
mod behaviour;
mod config;
mod http;
mod ids;
mod meta;
mod meta_account;
mod phone;
mod record;
mod state;
mod webhook;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::behaviour::{Behaviour, ReplyKind};
pub use crate::config::SandboxConfig;
pub use crate::meta::{SIGNATURE_HEADER, signature};
pub use crate::meta_account::{
    DEFAULT_META_ACCESS_TOKEN, DEFAULT_META_APP_SECRET, DEFAULT_META_PHONE_NUMBER_ID,
    DEFAULT_META_WABA_ID, InvalidMetaSettings, MessagingLimit, MetaConfig, MetaErrorCode,
    MetaSettings, MetaTemplate, ParameterFormat, SERVICE_WINDOW, TemplateCategory, TemplateStatus,
    UnknownMetaCode, demo_catalog, error_body,
};
pub use crate::record::{AcceptedParameter, AcceptedRecord, AcceptedTemplate, SendEndpoint};
use crate::state::AppState;
pub use crate::state::{FailSpec, Faults, InvalidFaults};
pub use crate::webhook::WEBHOOK_SECRET_HEADER;

/// API token accepted by default.
pub const DEFAULT_TOKEN: &str = "sandbox-token";

/// Default probability that a contact answers a message.
pub const DEFAULT_REPLY_PROBABILITY: f64 = 0.3;

/// Default delay between the `read` ack and the answer: long enough to look human in a demo.
pub const DEFAULT_REPLY_DELAY: Duration = Duration::from_secs(2);

/// Default delay before each ack.
pub const DEFAULT_ACK_DELAY: Duration = Duration::from_millis(500);

/// Default phone number of the simulated sending device.
pub const DEFAULT_DEVICE_PHONE: &str = "+15550100000";

/// A running sandbox. Dropping it stops the server too; [`SandboxHandle::shutdown`] does so
/// gracefully and waits for it.
pub struct SandboxHandle {
    /// Base URL to give `WassengerClient`, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    /// The address actually bound.
    pub addr: SocketAddr,
    state: AppState,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<io::Result<()>>>,
}

impl fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SandboxHandle {
    /// Every accepted message, in acceptance order.
    pub fn accepted(&self) -> Vec<AcceptedRecord> {
        self.state.records(None)
    }

    /// Accepted messages to `phone` (E.164, `+` optional); none for an invalid number.
    pub fn accepted_for(&self, phone: &str) -> Vec<AcceptedRecord> {
        phone::normalize(phone)
            .map(|phone| self.state.records(Some(&phone)))
            .unwrap_or_default()
    }

    /// Forgets every accepted message; returns how many there were.
    pub fn clear_accepted(&self) -> usize {
        self.state.clear_records()
    }

    /// The faults in force, including what is left of the `fail_next` queue.
    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) -> Result<(), InvalidFaults> {
        self.state.set_faults(faults)
    }

    /// Makes the next `count` sends (after any already queued failures) fail with `status`
    /// (400–599) and a Wassenger-like error body.
    pub fn fail_next(&self, status: u16, count: u32) -> Result<(), InvalidFaults> {
        self.state.push_fail_next(FailSpec {
            status,
            body: None,
            count,
        })
    }

    /// The Cloud API's template catalog.
    pub fn meta_templates(&self) -> Vec<MetaTemplate> {
        self.state.meta().catalog()
    }

    /// Replaces the Cloud API's template catalog (no webhook: Meta sends none for a listing).
    pub fn set_meta_templates(
        &self,
        templates: Vec<MetaTemplate>,
    ) -> Result<(), InvalidMetaSettings> {
        self.state.meta().set_catalog(templates)
    }

    /// Changes a template's status and sends `message_template_status_update` (with `reason`,
    /// `NONE` when absent); `None` when the catalog has no such template.
    pub fn set_template_status(
        &self,
        name: &str,
        language: &str,
        status: TemplateStatus,
        reason: Option<&str>,
    ) -> Option<MetaTemplate> {
        meta::change_status(&self.state, name, language, status, reason)
    }

    /// Changes a template's category and sends `template_category_update`; `None` when the
    /// catalog has no such template.
    pub fn set_template_category(
        &self,
        name: &str,
        language: &str,
        category: TemplateCategory,
    ) -> Option<MetaTemplate> {
        meta::change_category(&self.state, name, language, category)
    }

    /// Makes the next `count` Cloud API sends (after any already queued) answer `code`
    /// synchronously, with Meta's body and HTTP status.
    pub fn meta_fail_next(&self, code: MetaErrorCode, count: u32) {
        self.state.meta().push_fail_next(code, count);
    }

    /// The runtime Cloud API settings.
    pub fn meta_settings(&self) -> MetaSettings {
        self.state.meta().settings()
    }

    /// Replaces the runtime Cloud API settings.
    pub fn set_meta_settings(&self, settings: MetaSettings) -> Result<(), InvalidMetaSettings> {
        self.state.meta().set_settings(settings)
    }

    /// Sets where Meta-shaped webhooks go (none when `None`).
    pub fn set_meta_webhook_url(&self, url: Option<String>) {
        // Cannot fail: only numbers and throughput are validated.
        let _ = self
            .state
            .meta()
            .update_settings(|settings| settings.webhook_url = url);
    }

    /// Makes Cloud API sends to `phone` be accepted and then fail by webhook with `code`
    /// (`None` clears it).
    pub fn set_meta_async_failure(
        &self,
        phone: &str,
        code: Option<MetaErrorCode>,
    ) -> Result<(), InvalidMetaSettings> {
        let e164 = phone::normalize(phone)
            .ok_or_else(|| InvalidMetaSettings(format!("invalid phone number {phone:?}")))?;
        self.state.meta().update_settings(|settings| match code {
            Some(code) => {
                settings.async_failures.insert(e164, code);
            }
            None => {
                settings.async_failures.remove(&e164);
            }
        })?;
        Ok(())
    }

    /// Sets the sends allowed per second before 130429 (`None`: unlimited; 0 is refused).
    pub fn set_meta_throughput(&self, per_second: Option<u32>) -> Result<(), InvalidMetaSettings> {
        self.state
            .meta()
            .update_settings(|settings| settings.throughput_per_second = per_second)?;
        Ok(())
    }

    /// Sets what `whatsapp_business_manager_messaging_limit` answers.
    pub fn set_meta_messaging_limit(&self, limit: MessagingLimit) {
        // Cannot fail: only numbers and throughput are validated.
        let _ = self
            .state
            .meta()
            .update_settings(|settings| settings.messaging_limit = limit);
    }

    /// Makes `delivered`, `read` and the reply of each send travel in one POST.
    pub fn set_meta_batch_webhooks(&self, batch: bool) {
        // Cannot fail: only numbers and throughput are validated.
        let _ = self
            .state
            .meta()
            .update_settings(|settings| settings.batch_webhooks = batch);
    }

    /// Simulates a text from `phone`, optionally replying to `quoting` (a wamid): it opens the
    /// contact's customer-service window and goes to the Meta webhook URL. `false` for an
    /// invalid number.
    pub fn meta_inbound_text(&self, phone: &str, text: &str, quoting: Option<&str>) -> bool {
        phone::normalize(phone)
            .map(|e164| meta::inbound(&self.state, &e164, text, None, quoting))
            .is_some()
    }

    /// Simulates a tap on a quick-reply button of the message `quoting`, with this payload.
    /// `false` for an invalid number.
    pub fn meta_inbound_button(&self, phone: &str, payload: &str, quoting: &str) -> bool {
        phone::normalize(phone)
            .map(|e164| meta::inbound(&self.state, &e164, payload, Some(payload), Some(quoting)))
            .is_some()
    }

    /// The behaviour in force.
    pub fn behaviour(&self) -> Behaviour {
        self.state.behaviour()
    }

    /// Replaces the behaviour; messages accepted from now on follow it.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.state.set_behaviour(behaviour);
    }

    /// Stops accepting connections, lets in-flight requests finish, cancels pending webhook
    /// deliveries and waits for the server to exit.
    pub async fn shutdown(mut self) -> io::Result<()> {
        // Ignoring the error is right: it only means every receiver is already gone.
        let _ = self.shutdown.send(true);
        match self.server.take() {
            Some(server) => server.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        // Ignoring the error is right: it only means every receiver is already gone.
        let _ = self.shutdown.send(true);
    }
}

/// The URL clients should use for `addr`: a wildcard bind is reached through loopback.
fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Binds `addr` (port 0 picks a free port) and serves the sandbox in the background.
///
/// Fails when the address cannot be bound or `config` is invalid (malformed numbers, faults
/// outside their ranges).
pub async fn spawn(config: SandboxConfig, addr: SocketAddr) -> io::Result<SandboxHandle> {
    let (shutdown, stopped) = watch::channel(false);
    let state = AppState::new(config, stopped.clone())?;
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = api::router(state.clone());
    let mut stop = stopped;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // An error means the handle is gone, which also means "stop".
                let _ = stop.wait_for(|stopped| *stopped).await;
            })
            .await
    });
    tracing::info!(%addr, "wa-sandbox listening");
    Ok(SandboxHandle {
        base_url: base_url(addr),
        addr,
        state,
        shutdown,
        server: Some(server),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_reached_through_loopback() {
        assert_eq!(
            base_url("0.0.0.0:3001".parse().expect("addr")),
            "http://127.0.0.1:3001"
        );
        assert_eq!(
            base_url("[::]:3001".parse().expect("addr")),
            "http://[::1]:3001"
        );
        assert_eq!(
            base_url("192.168.1.5:80".parse().expect("addr")),
            "http://192.168.1.5:80"
        );
    }
}
