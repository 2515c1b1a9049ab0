//! The contacts' phones: they see Message 1 arrive at the provider and reply through the API's
//! Wassenger webhook, which the provider redelivers until it gets a 2xx.
//!
//! A reply carries what Wassenger sends for an unquoted text (`message:in:new`, no `quoted`): the
//! sender's number in digits without `+`, a unique id, and the time the person sent it in whole
//! Unix seconds, fixed at the first delivery attempt and the same on every redelivery. Three kinds
//! of replier test the window: most reply within seconds, some at once (the whole-second stamp
//! may then fall *before* the millisecond acceptance of Message 1, and must still count), and a
//! few only after the window has closed, to check they get no Message 2.
//!
//! On Meta the reply is a `messages` notification with the same facts (no `context`), signed
//! with the app secret. The phone first tells the sandbox it wrote (`/sandbox/meta/inbound`), so
//! that the Cloud API's customer-service window is open for the text Message 2; the sandbox
//! forwards that message too, with an id of its own, so an in-window replier may be recorded
//! with two interactions: the verdict follows the phones' own replies by their ids.

use chrono::{DateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use wa_sandbox::AcceptedRecord;

use crate::provider::Provider;

/// Share of contacts who reply inside the window.
const IN_WINDOW_SHARE: f64 = 0.40;
/// Share of contacts who reply only after the window.
const LATE_SHARE: f64 = 0.05;
/// Share of in-window repliers who answer at once (the same second as the acceptance).
const INSTANT_SHARE: f64 = 0.25;
/// The other in-window repliers answer after a delay up to this.
const MAX_REPLY_DELAY: Duration = Duration::from_secs(3);
/// Late repliers answer this long after their window closed.
const LATE_MARGIN: Duration = Duration::from_secs(3);
/// How often the phones look at the provider's accepted messages.
const POLL_EVERY: Duration = Duration::from_millis(150);
/// Wait between two deliveries of a reply the API did not take (Wassenger retries too).
const REDELIVER_EVERY: Duration = Duration::from_millis(500);
/// A reply still refused after this long is given up (and reported undelivered).
const DELIVERY_DEADLINE: Duration = Duration::from_secs(600);
/// Per-request limit: the API may hang while Postgres is down.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The sending device, as Wassenger names it in every event.
const DEVICE_ID: &str = "65f1c2a0d4e5f60718293a4b";

/// What one contact does with Message 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyPlan {
    Silent,
    /// Replies this long after seeing Message 1 (zero: at once).
    InWindow {
        delay: Duration,
    },
    /// Replies [`LATE_MARGIN`] after the window closed.
    Late,
}

/// The plan of each of `count` contacts, drawn from `seed` (the same seed, the same run).
pub fn reply_plans(count: usize, seed: u64) -> Vec<ReplyPlan> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let draw: f64 = rng.random();
            if draw < IN_WINDOW_SHARE {
                let delay = if rng.random::<f64>() < INSTANT_SHARE {
                    Duration::ZERO
                } else {
                    MAX_REPLY_DELAY.mul_f64(rng.random())
                };
                ReplyPlan::InWindow { delay }
            } else if draw < IN_WINDOW_SHARE + LATE_SHARE {
                ReplyPlan::Late
            } else {
                ReplyPlan::Silent
            }
        })
        .collect()
}

/// One reply a phone sent, and what became of it.
#[derive(Debug, Clone)]
pub struct PostedReply {
    /// E.164 with `+`, as the provider records it.
    pub phone: String,
    pub provider_message_id: String,
    /// When the person sent it, as the event says: whole Unix seconds.
    pub timestamp_secs: i64,
    /// The Message 1 it answers, as the provider accepted it.
    pub message_1: AcceptedRecord,
    pub plan: ReplyPlan,
    /// Deliveries made so far (1 when the first one was taken).
    pub attempts: u32,
    /// Whether the API answered 2xx.
    pub delivered: bool,
    /// A 4xx answer, which no redelivery can fix.
    pub refused: Option<String>,
}

impl PostedReply {
    /// Whether the reply is inside its window by the engine's rule (R3: strictly before
    /// Message 1's acceptance plus the window). A stamp up to a second before the acceptance is
    /// inside too: the whole-second stamp truncates the moment of a reply sent at once.
    pub fn inside(&self, window: Duration) -> bool {
        let reply_ms = self.timestamp_secs * 1_000;
        let accepted_ms = self.message_1.accepted_at.timestamp_millis();
        reply_ms >= accepted_ms - 1_000 && reply_ms < accepted_ms + window.as_millis() as i64
    }
}

/// Where the phones find Message 1 and where they deliver replies.
#[derive(Clone)]
pub struct PhonesConfig {
    /// `GET {sandbox_url}/sandbox/messages` lists the accepted messages.
    pub sandbox_url: String,
    /// Whose webhooks the phones speak.
    pub provider: Provider,
    /// `POST` targets of the replies, `{api}/webhooks/wassenger` or `{api}/webhooks/meta` of each
    /// API. Phones are spread over them, and a redelivery goes to the next one, as a provider
    /// behind a load balancer fails over when one API is down.
    pub webhook_urls: Vec<String>,
    /// Wassenger's shared secret, or Meta's app secret that signs each body.
    pub webhook_secret: String,
    /// The provider's sending device number, as events name it.
    pub device_phone: String,
    pub window: Duration,
    /// Plans by phone (E.164 with `+`); phones not listed stay silent.
    pub plans: HashMap<String, ReplyPlan>,
}

#[derive(Default)]
struct Log {
    seen: HashSet<String>,
    replies: HashMap<String, PostedReply>,
    in_flight: usize,
}

/// The phones, running until [`Phones::stop`].
pub struct Phones {
    log: Arc<Mutex<Log>>,
    stop: watch::Sender<bool>,
}

impl Phones {
    /// Starts watching the provider for Message 1s.
    pub fn start(config: PhonesConfig) -> anyhow::Result<Phones> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        let log = Arc::new(Mutex::new(Log::default()));
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(watch_provider(config, http, log.clone(), stopped));
        Ok(Phones { log, stop })
    }

    /// Every reply sent so far.
    pub fn replies(&self) -> Vec<PostedReply> {
        self.lock().replies.values().cloned().collect()
    }

    /// Replies planned for a Message 1 already seen but not yet delivered.
    pub fn pending(&self) -> usize {
        self.lock().in_flight
    }

    /// Stops watching; replies still being delivered are abandoned.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().expect("no panics hold the lock")
    }
}

impl Drop for Phones {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn watch_provider(
    config: PhonesConfig,
    http: reqwest::Client,
    log: Arc<Mutex<Log>>,
    mut stopped: watch::Receiver<bool>,
) {
    while !*stopped.borrow() {
        match accepted_messages(&http, &config.sandbox_url).await {
            Ok(records) => {
                for (record, plan) in new_message_1s(&config, &log, records) {
                    tokio::spawn(reply(
                        config.clone(),
                        http.clone(),
                        log.clone(),
                        record,
                        plan,
                        stopped.clone(),
                    ));
                }
            }
            Err(err) => eprintln!("chaos: phones cannot read the provider: {err:#}"),
        }
        let _ = tokio::time::timeout(POLL_EVERY, stopped.changed()).await;
    }
}

/// Every message the provider accepted, in acceptance order.
pub async fn accepted_messages(
    http: &reqwest::Client,
    sandbox_url: &str,
) -> anyhow::Result<Vec<AcceptedRecord>> {
    Ok(http
        .get(format!("{sandbox_url}/sandbox/messages"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// The Message 1s not seen before whose contact replies, marked seen and in flight.
fn new_message_1s(
    config: &PhonesConfig,
    log: &Mutex<Log>,
    records: Vec<AcceptedRecord>,
) -> Vec<(AcceptedRecord, ReplyPlan)> {
    let mut log = log.lock().expect("no panics hold the lock");
    let mut replying = Vec::new();
    for record in records {
        let Some(reference) = record.reference.clone() else {
            continue;
        };
        if !reference.ends_with("-message_1") || !log.seen.insert(reference) {
            continue;
        }
        match config.plans.get(&record.phone) {
            None | Some(ReplyPlan::Silent) => {}
            Some(&plan) => {
                log.in_flight += 1;
                replying.push((record, plan));
            }
        }
    }
    replying
}

/// Waits as the plan says, then delivers one reply until the API takes it.
async fn reply(
    config: PhonesConfig,
    http: reqwest::Client,
    log: Arc<Mutex<Log>>,
    message_1: AcceptedRecord,
    plan: ReplyPlan,
    mut stopped: watch::Receiver<bool>,
) {
    let wait = match plan {
        ReplyPlan::InWindow { delay } => delay,
        ReplyPlan::Late => time_until(message_1.accepted_at + config.window + LATE_MARGIN),
        ReplyPlan::Silent => return,
    };
    if tokio::time::timeout(wait, stopped.changed()).await.is_ok() {
        return;
    }
    let now = Utc::now();
    let reply = PostedReply {
        phone: message_1.phone.clone(),
        provider_message_id: inbound_id(),
        timestamp_secs: now.timestamp(),
        message_1,
        plan,
        attempts: 0,
        delivered: false,
        refused: None,
    };
    let event = match config.provider {
        Provider::Wassenger => inbound_text(&config, &reply),
        Provider::Meta => {
            open_window(&config, &http, &reply.phone, &mut stopped).await;
            meta_inbound_text(&config, &reply)
        }
    };
    let reply = deliver(&config, &http, event, reply, &mut stopped).await;
    let mut log = log.lock().expect("no panics hold the lock");
    log.in_flight -= 1;
    log.replies.insert(reply.phone.clone(), reply);
}

/// Posts `event` until the API answers 2xx or 4xx, the deadline passes or the phones stop;
/// a connection error or a 5xx means "deliver again".
async fn deliver(
    config: &PhonesConfig,
    http: &reqwest::Client,
    event: Value,
    mut reply: PostedReply,
    stopped: &mut watch::Receiver<bool>,
) -> PostedReply {
    let deadline = tokio::time::Instant::now() + DELIVERY_DEADLINE;
    let body = event.to_string().into_bytes();
    let (proof_header, proof) = match config.provider {
        Provider::Wassenger => (
            wa_sandbox::WEBHOOK_SECRET_HEADER,
            config.webhook_secret.clone(),
        ),
        Provider::Meta => (
            wa_sandbox::SIGNATURE_HEADER,
            campaign_provider::meta::sign(config.webhook_secret.as_bytes(), &body),
        ),
    };
    let first_target = reply.phone.bytes().map(usize::from).sum::<usize>();
    while tokio::time::Instant::now() < deadline && !*stopped.borrow() {
        let target = &config.webhook_urls
            [(first_target + reply.attempts as usize) % config.webhook_urls.len()];
        reply.attempts += 1;
        let answer = http
            .post(target)
            .header(proof_header, &proof)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                reply.delivered = true;
                return reply;
            }
            Ok(response) if response.status().is_client_error() => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                reply.refused = Some(format!("{status} {body}"));
                return reply;
            }
            Ok(_) | Err(_) => {
                let _ = tokio::time::timeout(REDELIVER_EVERY, stopped.changed()).await;
            }
        }
    }
    reply
}

fn time_until(moment: DateTime<Utc>) -> Duration {
    (moment - Utc::now()).to_std().unwrap_or_default()
}

/// A WhatsApp-style inbound message id, unique per reply.
fn inbound_id() -> String {
    format!(
        "3EB0{}",
        uuid::Uuid::new_v4().simple().to_string()[..20].to_uppercase()
    )
}

/// `12345@c.us`, WhatsApp's id of a number.
fn wid(digits: &str) -> String {
    format!("{digits}@c.us")
}

/// A Wassenger `message:in:new` text event for `reply`, with no `quoted` message (the person
/// typed in the chat rather than answering the campaign message).
fn inbound_text(config: &PhonesConfig, reply: &PostedReply) -> Value {
    let from = reply.phone.trim_start_matches('+');
    let device = config.device_phone.trim_start_matches('+');
    let sent = Utc
        .timestamp_opt(reply.timestamp_secs, 0)
        .single()
        .unwrap_or_else(Utc::now);
    json!({
        "id": reply.provider_message_id,
        "object": "message",
        "event": "message:in:new",
        "created": reply.timestamp_secs,
        "device": { "id": DEVICE_ID, "phone": config.device_phone, "alias": "campaign-device" },
        "data": {
            "id": reply.provider_message_id,
            "type": "text",
            "flow": "inbound",
            "status": "active",
            "ack": "delivered",
            "from": wid(from),
            "fromNumber": from,
            "to": wid(device),
            "toNumber": config.device_phone,
            "date": sent.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "timestamp": reply.timestamp_secs,
            "body": "Oui, ça m'intéresse",
            "chat": { "id": wid(from), "type": "chat", "name": "Contact" },
            "meta": { "notifyName": "Contact" },
        },
    })
}

/// Tells the sandbox's Cloud API that `phone` wrote, which opens its customer-service window;
/// again until the sandbox (in-process, never killed) takes it or the phones stop.
async fn open_window(
    config: &PhonesConfig,
    http: &reqwest::Client,
    phone: &str,
    stopped: &mut watch::Receiver<bool>,
) {
    let body = json!({ "phone": phone, "text": "Oui, ça m'intéresse" });
    while !*stopped.borrow() {
        let answer = http
            .post(format!("{}/sandbox/meta/inbound", config.sandbox_url))
            .json(&body)
            .send()
            .await;
        if answer.is_ok_and(|response| response.status().is_success()) {
            return;
        }
        let _ = tokio::time::timeout(REDELIVER_EVERY, stopped.changed()).await;
    }
}

/// A Meta `messages` notification carrying `reply` as an unquoted text, in the shape of
/// <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/text>.
fn meta_inbound_text(config: &PhonesConfig, reply: &PostedReply) -> Value {
    let from = reply.phone.trim_start_matches('+');
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": wa_sandbox::DEFAULT_META_WABA_ID,
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": config.device_phone.trim_start_matches('+'),
                        "phone_number_id": wa_sandbox::DEFAULT_META_PHONE_NUMBER_ID,
                    },
                    "contacts": [{ "profile": { "name": "Contact" }, "wa_id": from }],
                    "messages": [{
                        "from": from,
                        "id": reply.provider_message_id,
                        "timestamp": reply.timestamp_secs.to_string(),
                        "type": "text",
                        "text": { "body": "Oui, ça m'intéresse" },
                    }],
                },
            }],
        }],
    })
}
