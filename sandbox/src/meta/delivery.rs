//! Delivering Meta-shaped webhooks: each POST is signed `X-Hub-Signature-256: sha256=<hex
//! HMAC-SHA256(app secret, raw body)>` (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint>),
//! and a non-2xx answer is retried with backoff, as Meta retries.
//!
//! After an accepted send the sandbox plays the contact: `sent`, `delivered`, `read` (each after
//! `ack_delay`), then maybe a reply `reply_delay` later; or a single `failed` status when the
//! send fails asynchronously. With `batch_webhooks`, `delivered`, `read` and the reply travel in
//! one POST, as Meta may batch them. Every inbound message opens the contact's window.

use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::Value;
use sha2::Sha256;

use super::events::{self, Business, Status};
use super::send::AcceptedSend;
use crate::meta_account::MetaErrorCode;
use crate::state::{AppState, Behaviour};

/// Header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// Delivery attempts per POST before it is logged and dropped.
const MAX_ATTEMPTS: u32 = 4;

/// Wait before the second attempt; doubled before each further one.
const BACKOFF_BASE: Duration = Duration::from_millis(250);

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

pub(crate) fn business(state: &AppState) -> Business {
    let meta = state.meta();
    Business {
        waba_id: meta.waba_id().to_owned(),
        phone_number_id: meta.phone_number_id().to_owned(),
        display_phone_number: state.device_phone().trim_start_matches('+').to_owned(),
    }
}

/// POSTs `payload`, signed, retrying with backoff; logs and drops it when every attempt fails.
async fn post(state: &AppState, url: &str, payload: &Value) {
    let body = payload.to_string().into_bytes();
    let signed = signature(state.meta().app_secret(), &body);
    let mut last_error = String::new();
    for attempt in 1..=MAX_ATTEMPTS {
        let request = state
            .http()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, &signed)
            .body(body.clone());
        match request.send().await {
            Ok(response) if response.status().is_success() => return,
            Ok(response) => last_error = format!("HTTP {}", response.status()),
            Err(err) => last_error = err.to_string(),
        }
        if attempt < MAX_ATTEMPTS {
            tokio::time::sleep(BACKOFF_BASE * 2_u32.pow(attempt - 1)).await;
        }
    }
    tracing::warn!(url, attempts = MAX_ATTEMPTS, error = %last_error, "dropping Meta webhook");
}

/// Runs `work` in the background until it ends or the sandbox shuts down.
fn spawn_until_shutdown(state: &AppState, work: impl Future<Output = ()> + Send + 'static) {
    let mut shutdown = state.shutdown_signal();
    tokio::spawn(async move {
        tokio::select! {
            () = work => {}
            _ = shutdown.wait_for(|stopped| *stopped) => {}
        }
    });
}

/// POSTs one envelope of `changes` in the background, if a Meta webhook URL is set.
pub(crate) fn spawn_changes(state: &AppState, changes: Vec<Value>) {
    let Some(url) = state.meta().settings().webhook_url else {
        return;
    };
    let payload = events::envelope(&business(state), changes, Utc::now());
    let task_state = state.clone();
    spawn_until_shutdown(
        state,
        async move { post(&task_state, &url, &payload).await },
    );
}

/// A message from `e164` the sandbox makes up: it opens the window, then goes out by webhook.
pub(crate) fn inbound(state: &AppState, e164: &str, messages: Vec<Value>) {
    state.meta().note_inbound(e164, Utc::now());
    spawn_changes(
        state,
        vec![events::inbound_change(&business(state), e164, messages)],
    );
}

/// Why an accepted send will fail by webhook, if it will.
pub(crate) fn async_failure(state: &AppState, send: &AcceptedSend) -> Option<MetaErrorCode> {
    let phone = &send.record.phone;
    state.meta().async_failure(phone).or_else(|| {
        if !state.has_whatsapp(phone) {
            Some(MetaErrorCode::MessageUndeliverable)
        } else if send.record.template.is_none() && !send.window_open {
            Some(MetaErrorCode::ReEngagementMessage)
        } else {
            None
        }
    })
}

/// Plays the contact's side of an accepted send in the background.
pub(crate) fn spawn_conversation(state: &AppState, send: AcceptedSend, behaviour: Behaviour) {
    let Some(url) = state.meta().settings().webhook_url else {
        return;
    };
    let failure = async_failure(state, &send);
    let task_state = state.clone();
    spawn_until_shutdown(state, async move {
        converse(&task_state, &url, &send, &behaviour, failure).await;
    });
}

/// The inbound messages the contact answers `send` with, if it answers.
fn reply(state: &AppState, send: &AcceptedSend, behaviour: &Behaviour) -> Option<Vec<Value>> {
    let business = business(state);
    let phone = &send.record.phone;
    let quoting = &send.record.id;
    let now = Utc::now();
    if let Some(payload) = behaviour.scripted_buttons.get(phone) {
        return Some(vec![events::button_message(
            &business, phone, payload, quoting, now,
        )]);
    }
    if let Some(text) = behaviour.scripted_replies.get(phone) {
        return Some(vec![events::text_message(
            &business,
            phone,
            text,
            Some(quoting),
            now,
        )]);
    }
    let mut rng = rand::rng();
    if rng.random::<f64>() >= behaviour.reply_probability {
        return None;
    }
    let kind = *behaviour.effective_meta_reply_types().choose(&mut rng)?;
    Some(events::reply_messages(
        &business, phone, kind, quoting, now, &mut rng,
    ))
}

async fn converse(
    state: &AppState,
    url: &str,
    send: &AcceptedSend,
    behaviour: &Behaviour,
    failure: Option<MetaErrorCode>,
) {
    let business = &business(state);
    let statuses = |list: &[Status]| {
        let now = Utc::now();
        let entries = list
            .iter()
            .map(|status| events::status(send, *status, now))
            .collect();
        events::statuses_change(business, entries)
    };
    let deliver = |changes: Vec<Value>| async move {
        post(state, url, &events::envelope(business, changes, Utc::now())).await;
    };
    tokio::time::sleep(behaviour.ack_delay).await;
    if let Some(code) = failure {
        deliver(vec![statuses(&[Status::Failed(code)])]).await;
        return;
    }
    deliver(vec![statuses(&[Status::Sent])]).await;
    let phone = &send.record.phone;
    if state.meta().settings().batch_webhooks {
        tokio::time::sleep(behaviour.ack_delay).await;
        let mut changes = vec![statuses(&[Status::Delivered, Status::Read])];
        if let Some(messages) = reply(state, send, behaviour) {
            state.meta().note_inbound(phone, Utc::now());
            changes.push(events::inbound_change(business, phone, messages));
        }
        deliver(changes).await;
        return;
    }
    for status in [Status::Delivered, Status::Read] {
        tokio::time::sleep(behaviour.ack_delay).await;
        deliver(vec![statuses(&[status])]).await;
    }
    tokio::time::sleep(behaviour.reply_delay).await;
    if let Some(messages) = reply(state, send, behaviour) {
        state.meta().note_inbound(phone, Utc::now());
        deliver(vec![events::inbound_change(business, phone, messages)]).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
