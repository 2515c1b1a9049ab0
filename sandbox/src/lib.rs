//! `wa-sandbox`: a local stand-in for the Wassenger WhatsApp API.
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
//! Sandbox controls (no authentication; the sandbox is meant for loopback use):
//!
//! | Endpoint | Behaviour |
//! | --- | --- |
//! | `GET /sandbox/messages?phone=…` | accepted messages (see [`AcceptedRecord`]), optionally for one phone (with or without `+`) |
//! | `DELETE /sandbox/messages` | forgets accepted messages |
//! | `GET`/`POST /sandbox/faults` | read / replace the [`Faults`] (`{}` clears them) |
//! | `GET`/`POST /sandbox/config` | read / patch the [`Behaviour`]: `{webhook_url?, webhook_secret?, reply_probability?, reply_delay_ms?, ack_delay_ms?, reply_types?, scripted_replies?}` (`scripted_replies`: `{"+336…": "STOP"}`, numbers that answer every message with that text) |
//! | `GET /sandbox/health` | `{"status": "ok"}` |
//!
//! Errors always have Wassenger's shape `{status, errorCode, message}`; bodies are limited to
//! 64 KiB. Webhook events are described in the `webhook` module; they carry the
//! [`WEBHOOK_SECRET_HEADER`] when a secret is configured.
//!
//! # In-process use
//!
//! Tests call [`spawn`] (port 0 picks a free port) and drive the returned [`SandboxHandle`]
//! directly: [`SandboxHandle::accepted`], [`SandboxHandle::fail_next`], ...

mod api;
mod ids;
mod phone;
mod state;
mod webhook;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;
pub use crate::state::{AcceptedRecord, Behaviour, FailSpec, Faults, InvalidFaults, ReplyKind};
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

/// Everything a sandbox starts with. Behaviour and faults can be changed while it runs.
#[derive(Clone)]
pub struct SandboxConfig {
    /// API token clients must present.
    pub token: String,
    /// Where webhook events go; no events when `None`.
    pub webhook_url: Option<String>,
    /// Sent as [`WEBHOOK_SECRET_HEADER`] with every event when set.
    pub webhook_secret: Option<String>,
    /// Probability (0–1) that a contact answers.
    pub reply_probability: f64,
    /// Delay between the `read` ack and the answer.
    pub reply_delay: Duration,
    /// Delay before each ack.
    pub ack_delay: Duration,
    /// Kinds answers are drawn from; empty means every kind.
    pub reply_types: Vec<ReplyKind>,
    /// Numbers (E.164, `+` optional) that have no WhatsApp: `numbers/exists` answers `false`,
    /// and messages to them are accepted but only ever acked `sent`, never answered.
    pub unknown_numbers: Vec<String>,
    /// Phone number of the simulated sending device, as reported in webhook events.
    pub device_phone: String,
    /// Faults in force from the start.
    pub faults: Faults,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            token: DEFAULT_TOKEN.to_owned(),
            webhook_url: None,
            webhook_secret: None,
            reply_probability: DEFAULT_REPLY_PROBABILITY,
            reply_delay: DEFAULT_REPLY_DELAY,
            ack_delay: DEFAULT_ACK_DELAY,
            reply_types: Vec::new(),
            unknown_numbers: Vec::new(),
            device_phone: DEFAULT_DEVICE_PHONE.to_owned(),
            faults: Faults::default(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SandboxConfig");
        debug.field("token", &"<redacted>");
        self.behaviour().debug_fields(&mut debug);
        debug
            .field("unknown_numbers", &self.unknown_numbers)
            .field("device_phone", &self.device_phone)
            .field("faults", &self.faults)
            .finish()
    }
}

impl SandboxConfig {
    /// The behaviour the sandbox starts with.
    pub(crate) fn behaviour(&self) -> Behaviour {
        Behaviour {
            webhook_url: self.webhook_url.clone(),
            webhook_secret: self.webhook_secret.clone(),
            reply_probability: self.reply_probability,
            reply_delay: self.reply_delay,
            ack_delay: self.ack_delay,
            reply_types: self.reply_types.clone(),
            scripted_replies: Default::default(),
        }
    }

    /// Reads the configuration from environment-like variables, defaults filling the gaps:
    /// `SANDBOX_TOKEN`, `SANDBOX_WEBHOOK_URL`, `WEBHOOK_SECRET`, `SANDBOX_REPLY_PROBABILITY`,
    /// `SANDBOX_REPLY_DELAY_MS`, `SANDBOX_ACK_DELAY_MS`, and the comma-separated
    /// `SANDBOX_UNKNOWN_NUMBERS` and `SANDBOX_REPLY_TYPES` (`text,image,ptt,reaction,...`).
    /// Empty values count as unset. `lookup` is `std::env::var(..).ok()` in the binary.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let millis = |name: &str, default: Duration| -> Result<Duration, String> {
            var(name).map_or(Ok(default), |value| {
                value
                    .trim()
                    .parse()
                    .map(Duration::from_millis)
                    .map_err(|err| format!("{name}={value:?}: {err}"))
            })
        };
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|value| {
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let reply_probability = match var("SANDBOX_REPLY_PROBABILITY") {
            None => DEFAULT_REPLY_PROBABILITY,
            Some(value) => value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|probability| (0.0..=1.0).contains(probability))
                .ok_or_else(|| {
                    format!("SANDBOX_REPLY_PROBABILITY={value:?}: expected a number from 0 to 1")
                })?,
        };
        let reply_types = list("SANDBOX_REPLY_TYPES")
            .into_iter()
            .map(|name| {
                serde_json::from_value(serde_json::Value::String(name.clone()))
                    .map_err(|_| format!("SANDBOX_REPLY_TYPES: unknown reply type {name:?}"))
            })
            .collect::<Result<Vec<ReplyKind>, String>>()?;
        Ok(Self {
            token: var("SANDBOX_TOKEN").unwrap_or_else(|| DEFAULT_TOKEN.to_owned()),
            webhook_url: var("SANDBOX_WEBHOOK_URL"),
            webhook_secret: var("WEBHOOK_SECRET"),
            reply_probability,
            reply_delay: millis("SANDBOX_REPLY_DELAY_MS", DEFAULT_REPLY_DELAY)?,
            ack_delay: millis("SANDBOX_ACK_DELAY_MS", DEFAULT_ACK_DELAY)?,
            reply_types,
            unknown_numbers: list("SANDBOX_UNKNOWN_NUMBERS"),
            ..Self::default()
        })
    }
}

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
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_apply_without_variables() {
        let config = SandboxConfig::from_vars(vars(&[])).expect("valid");
        assert_eq!(config.token, DEFAULT_TOKEN);
        assert_eq!(config.webhook_url, None);
        assert_eq!(config.reply_delay, DEFAULT_REPLY_DELAY);
        assert!(config.reply_types.is_empty());
    }

    #[test]
    fn variables_are_read() {
        let config = SandboxConfig::from_vars(vars(&[
            ("SANDBOX_TOKEN", "t0k"),
            (
                "SANDBOX_WEBHOOK_URL",
                "http://127.0.0.1:8080/webhooks/wassenger",
            ),
            ("WEBHOOK_SECRET", "s3cret"),
            ("SANDBOX_REPLY_PROBABILITY", "1"),
            ("SANDBOX_REPLY_DELAY_MS", "10"),
            ("SANDBOX_ACK_DELAY_MS", "5"),
            ("SANDBOX_UNKNOWN_NUMBERS", "+15550001111, 15550002222"),
            ("SANDBOX_REPLY_TYPES", "text, ptt,reaction"),
        ]))
        .expect("valid");
        assert_eq!(config.token, "t0k");
        assert_eq!(
            config.webhook_url.as_deref(),
            Some("http://127.0.0.1:8080/webhooks/wassenger")
        );
        assert_eq!(config.webhook_secret.as_deref(), Some("s3cret"));
        assert!((config.reply_probability - 1.0).abs() < f64::EPSILON);
        assert_eq!(config.reply_delay, Duration::from_millis(10));
        assert_eq!(config.ack_delay, Duration::from_millis(5));
        assert_eq!(config.unknown_numbers, ["+15550001111", "15550002222"]);
        assert_eq!(
            config.reply_types,
            [ReplyKind::Text, ReplyKind::Voice, ReplyKind::Reaction]
        );
    }

    #[test]
    fn bad_variables_are_reported_by_name() {
        for (name, value) in [
            ("SANDBOX_REPLY_PROBABILITY", "1.5"),
            ("SANDBOX_REPLY_DELAY_MS", "soon"),
            ("SANDBOX_REPLY_TYPES", "telegram"),
        ] {
            let err = SandboxConfig::from_vars(vars(&[(name, value)])).expect_err("invalid");
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let config = SandboxConfig {
            token: "tok-123".into(),
            webhook_secret: Some("sec-456".into()),
            ..SandboxConfig::default()
        };
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("tok-123") && !debug.contains("sec-456"),
            "{debug}"
        );
    }

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
