//! Wassenger-shaped webhook events and their delivery.
//!
//! After a send is accepted the sandbox plays the contact's side of the conversation: the
//! `message:out:ack` events `sent`, `delivered` and `read` (each after `ack_delay`), then, with
//! `reply_probability`, one answer `reply_delay` after the read: a `message:in:new` of any type
//! or a `message:reaction`. Events of one conversation are delivered in order; conversations run
//! concurrently.
//!
//! Numbers listed as unknown get only the `sent` ack and never answer, as a number without
//! WhatsApp would. Numbers with a scripted reply always answer with exactly that text.

use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use rand::seq::IndexedRandom;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::record::AcceptedRecord;
use crate::state::{AppState, Behaviour, ReplyKind};

mod events;

use events::{Ack, Device, ack_event, reply_event};

/// Header carrying the shared secret the engine checks on every webhook.
pub const WEBHOOK_SECRET_HEADER: &str = "X-Webhook-Secret";

/// Delivery attempts per event before it is logged and dropped.
const WEBHOOK_MAX_ATTEMPTS: u32 = 4;

/// Wait before the second attempt; doubled before each further one (250 ms, 500 ms, 1 s).
const WEBHOOK_BACKOFF_BASE: Duration = Duration::from_millis(250);

/// POSTs `event` to `url`, retrying with exponential backoff; logs and drops it when every
/// attempt fails.
async fn deliver(state: &AppState, url: &str, secret: Option<&HeaderValue>, event: &Value) {
    let mut last_error = String::new();
    for attempt in 1..=WEBHOOK_MAX_ATTEMPTS {
        let mut request = state.http().post(url).json(event);
        if let Some(secret) = secret {
            request = request.header(WEBHOOK_SECRET_HEADER, secret.clone());
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                tracing::debug!(event = %event["event"], attempt, "webhook delivered");
                return;
            }
            Ok(response) => last_error = format!("HTTP {}", response.status()),
            Err(err) => last_error = err.to_string(),
        }
        if attempt < WEBHOOK_MAX_ATTEMPTS {
            tokio::time::sleep(WEBHOOK_BACKOFF_BASE * 2_u32.pow(attempt - 1)).await;
        }
    }
    tracing::warn!(
        event = %event["event"],
        url,
        attempts = WEBHOOK_MAX_ATTEMPTS,
        error = %last_error,
        "dropping webhook event"
    );
}

/// Plays the contact's side for `record` in the background, if a webhook URL is configured.
/// The task stops early when the sandbox shuts down.
pub(crate) fn spawn_conversation(state: AppState, record: AcceptedRecord, behaviour: Behaviour) {
    let Some(url) = behaviour.webhook_url.clone() else {
        return;
    };
    let secret = match behaviour
        .webhook_secret
        .as_deref()
        .map(HeaderValue::from_str)
    {
        None => None,
        Some(Ok(mut value)) => {
            value.set_sensitive(true);
            Some(value)
        }
        Some(Err(_)) => {
            tracing::warn!("webhook secret is not a valid header value; events not sent");
            return;
        }
    };
    let mut shutdown = state.shutdown_signal();
    tokio::spawn(async move {
        tokio::select! {
            () = converse(&state, &record, &behaviour, &url, secret.as_ref()) => {}
            _ = shutdown.wait_for(|stopped| *stopped) => {}
        }
    });
}

async fn converse(
    state: &AppState,
    record: &AcceptedRecord,
    behaviour: &Behaviour,
    url: &str,
    secret: Option<&HeaderValue>,
) {
    let device = Device {
        id: state.device_id(),
        phone: state.device_phone(),
    };
    let reachable = state.has_whatsapp(&record.phone);
    let acks: &[Ack] = if reachable {
        &[Ack::Sent, Ack::Delivered, Ack::Read]
    } else {
        &[Ack::Sent]
    };
    for &ack in acks {
        tokio::time::sleep(behaviour.ack_delay).await;
        deliver(
            state,
            url,
            secret,
            &ack_event(&device, record, ack, Utc::now()),
        )
        .await;
    }
    if !reachable {
        return;
    }
    let scripted = behaviour
        .scripted_replies
        .get(&record.phone)
        .or_else(|| behaviour.scripted_buttons.get(&record.phone));
    if let Some(text) = scripted {
        tokio::time::sleep(behaviour.reply_delay).await;
        let mut event = reply_event(
            &device,
            record,
            ReplyKind::Text,
            Utc::now(),
            &mut rand::rng(),
        );
        event["data"]["body"] = json!(text);
        deliver(state, url, secret, &event).await;
        return;
    }
    let kind = {
        let mut rng = rand::rng();
        let answers = rng.random::<f64>() < behaviour.reply_probability;
        answers
            .then(|| behaviour.effective_reply_types().choose(&mut rng).copied())
            .flatten()
    };
    let Some(kind) = kind else {
        return;
    };
    tokio::time::sleep(behaviour.reply_delay).await;
    let event = reply_event(&device, record, kind, Utc::now(), &mut rand::rng());
    deliver(state, url, secret, &event).await;
}
