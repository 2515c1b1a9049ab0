//! Wassenger-shaped webhook events and their delivery.
//!
//! After a send is accepted the sandbox plays the contact's side of the conversation: the
//! `message:out:ack` events `sent`, `delivered` and `read` (each after `ack_delay`), then, with
//! `reply_probability`, one answer `reply_delay` after the read: a `message:in:new` of any type
//! or a `message:reaction`. Events of one conversation are delivered in order; conversations run
//! concurrently.
//!
//! Event envelope, as captured from Wassenger: `{id, object: "message", event, created (unix
//! seconds), device: {id, phone, alias, plan}, data: {id, type, flow, status, ack, from,
//! fromNumber, to, toNumber, date, timestamp, body, chat, ...}}`; `message:out:ack` also carries
//! the ack at the top level. Answers quote the campaign message in `data.quoted` (its `id`,
//! `waId` and `reference`), so the engine can attribute them without guessing.
//!
//! Numbers listed as unknown get only the `sent` ack and never answer, as a number without
//! WhatsApp would. Numbers with a scripted reply always answer with exactly that text.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::ids;
use crate::phone;
use crate::record::AcceptedRecord;
use crate::state::{AppState, Behaviour, ReplyKind};

/// Header carrying the shared secret the engine checks on every webhook.
pub const WEBHOOK_SECRET_HEADER: &str = "X-Webhook-Secret";

/// Delivery attempts per event before it is logged and dropped.
const WEBHOOK_MAX_ATTEMPTS: u32 = 4;

/// Wait before the second attempt; doubled before each further one (250 ms, 500 ms, 1 s).
const WEBHOOK_BACKOFF_BASE: Duration = Duration::from_millis(250);

/// Device alias reported in every event.
const DEVICE_ALIAS: &str = "wa-sandbox";

/// Device plan reported in every event (a Wassenger plan that includes inbound messages).
const DEVICE_PLAN: &str = "io-professional";

/// Display name simulated contacts report (`meta.notifyName`, `chat.name`).
const CONTACT_NAME: &str = "Sandbox Contact";

/// Text replies drawn at random; neutral on purpose, so none reads as an opt-out.
const TEXT_REPLIES: &[&str] = &[
    "Hi! Thanks for the message.",
    "Sounds good, tell me more.",
    "Who is this?",
    "Can you call me tomorrow?",
    "Great, count me in!",
];

/// Captions drawn for media replies; the empty caption is as likely as any other.
const CAPTIONS: &[&str] = &["", "Look at this", "Here you go"];

/// Emojis drawn for reactions.
const REACTION_EMOJIS: &[&str] = &["👍", "❤️", "😂", "😮", "🙏"];

/// Delivery acknowledgements of an outbound message, in the order WhatsApp reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ack {
    Sent,
    Delivered,
    Read,
}

impl Ack {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
        }
    }
}

/// The sending device, as every event describes it.
pub(crate) struct Device<'a> {
    pub(crate) id: &'a str,
    pub(crate) phone: &'a str,
}

fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn envelope(device: &Device<'_>, event: &str, event_id: &str, now: DateTime<Utc>) -> Value {
    json!({
        "id": event_id,
        "object": "message",
        "event": event,
        "created": now.timestamp(),
        "device": {
            "id": device.id,
            "phone": device.phone,
            "alias": DEVICE_ALIAS,
            "plan": DEVICE_PLAN,
        },
    })
}

/// The campaign message as answers quote it.
fn quoted(device: &Device<'_>, record: &AcceptedRecord) -> Value {
    json!({
        "id": record.id,
        "waId": record.wa_id,
        "type": "text",
        "flow": "outbound",
        "body": record.message,
        "reference": record.reference,
        "fromNumber": device.phone,
        "toNumber": record.phone,
        "date": rfc3339(record.accepted_at),
    })
}

fn chat(record: &AcceptedRecord) -> Value {
    json!({
        "id": phone::wid(&record.phone),
        "type": "chat",
        "name": CONTACT_NAME,
    })
}

/// A `message:out:ack` event for `record`.
pub(crate) fn ack_event(
    device: &Device<'_>,
    record: &AcceptedRecord,
    ack: Ack,
    now: DateTime<Utc>,
) -> Value {
    let mut event = envelope(device, "message:out:ack", &ids::inbound_wa_id(), now);
    event["ack"] = json!(ack.as_str());
    event["data"] = json!({
        "id": record.id,
        "waId": record.wa_id,
        "type": "text",
        "flow": "outbound",
        "status": "active",
        "ack": ack.as_str(),
        "from": phone::wid(device.phone),
        "fromNumber": device.phone,
        "to": phone::wid(&record.phone),
        "toNumber": record.phone,
        "date": rfc3339(record.accepted_at),
        "timestamp": record.accepted_at.timestamp(),
        "body": record.message,
        "reference": record.reference,
        "chat": chat(record),
    });
    event
}

/// Media metadata of a reply kind: WhatsApp type name, MIME type, file extension.
fn media_spec(kind: ReplyKind) -> Option<(&'static str, &'static str, &'static str)> {
    match kind {
        ReplyKind::Image => Some(("image", "image/jpeg", "jpeg")),
        ReplyKind::Video => Some(("video", "video/mp4", "mp4")),
        ReplyKind::Audio => Some(("audio", "audio/mpeg", "mp3")),
        ReplyKind::Voice => Some(("ptt", "audio/ogg; codecs=opus", "ogg")),
        ReplyKind::Document => Some(("document", "application/pdf", "pdf")),
        ReplyKind::Sticker => Some(("sticker", "image/webp", "webp")),
        _ => None,
    }
}

fn pick<'a>(rng: &mut impl Rng, choices: &[&'a str]) -> &'a str {
    choices.choose(rng).copied().unwrap_or_default()
}

/// The contact's answer of the given kind to `record`: a `message:reaction` for
/// [`ReplyKind::Reaction`], a `message:in:new` otherwise.
pub(crate) fn reply_event(
    device: &Device<'_>,
    record: &AcceptedRecord,
    kind: ReplyKind,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Value {
    let message_id = ids::inbound_wa_id();
    let event_name = if kind == ReplyKind::Reaction {
        "message:reaction"
    } else {
        "message:in:new"
    };
    // Wassenger reuses the message id as the event id for inbound messages.
    let mut event = envelope(device, event_name, &message_id, now);
    let mut data = json!({
        "id": message_id,
        "flow": "inbound",
        "status": "active",
        "ack": "delivered",
        "from": phone::wid(&record.phone),
        "fromNumber": record.phone,
        "to": phone::wid(device.phone),
        "toNumber": device.phone,
        "date": rfc3339(now),
        "timestamp": now.timestamp(),
        "quoted": quoted(device, record),
        "chat": chat(record),
        "meta": { "notifyName": CONTACT_NAME },
    });
    match kind {
        // Meta-only kinds never reach Wassenger (`effective_reply_types` leaves them out); were
        // one to, a text is the closest Wassenger answer.
        ReplyKind::Text
        | ReplyKind::Contacts
        | ReplyKind::Button
        | ReplyKind::Interactive
        | ReplyKind::ReactionRemoved => {
            data["type"] = json!("text");
            data["body"] = json!(pick(rng, TEXT_REPLIES));
        }
        ReplyKind::Reaction => {
            let emoji = pick(rng, REACTION_EMOJIS);
            data["type"] = json!("reaction");
            data["body"] = json!(emoji);
            data["reaction"] = json!(emoji);
        }
        ReplyKind::Location => {
            let latitude = rng.random_range(-60.0..70.0_f64);
            let longitude = rng.random_range(-180.0..180.0_f64);
            data["type"] = json!("location");
            data["body"] = json!("");
            data["location"] = json!({
                "coordinates": [latitude, longitude],
                "name": "Sandbox Place",
                "address": "1 Sandbox Street",
            });
        }
        ReplyKind::Image
        | ReplyKind::Video
        | ReplyKind::Audio
        | ReplyKind::Voice
        | ReplyKind::Document
        | ReplyKind::Sticker => {
            let (type_name, mime, extension) = media_spec(kind).unwrap_or_default();
            let caption = match kind {
                ReplyKind::Image | ReplyKind::Video | ReplyKind::Document => pick(rng, CAPTIONS),
                _ => "",
            };
            let file_id = ids::inbound_wa_id().to_lowercase();
            let mut media = json!({
                "id": file_id,
                "flow": "inbound",
                "mime": mime,
                "size": rng.random_range(2_000..2_000_000_u32),
                "filename": format!("{file_id}.{extension}"),
                "extension": extension,
                "caption": caption,
                "links": {
                    "download": format!("/v1/chat/{}/files/{file_id}/download", device.id),
                },
            });
            if matches!(kind, ReplyKind::Audio | ReplyKind::Voice | ReplyKind::Video) {
                media["meta"] = json!({ "duration": rng.random_range(1..120_u32) });
            }
            if kind == ReplyKind::Voice {
                media["format"] = json!("ptt");
            }
            data["type"] = json!(type_name);
            data["body"] = json!(caption);
            data["media"] = media;
        }
    }
    event["data"] = data;
    event
}

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

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const DEVICE: Device<'static> = Device {
        id: "65f1c2a0d4e5f60718293a4b",
        phone: "+15550100000",
    };

    fn record() -> AcceptedRecord {
        AcceptedRecord {
            id: "65f1c2a0d4e5f60718293a4c".into(),
            wa_id: "3EB0AABBCCDDEEFF0011".into(),
            phone: "+34600111222".into(),
            message: "Hello from the campaign".into(),
            reference: Some("campaign-1:contact-7:step-0".into()),
            accepted_at: DateTime::parse_from_rfc3339("2025-01-02T03:04:05.678Z")
                .expect("valid date")
                .with_timezone(&Utc),
            ..AcceptedRecord::default()
        }
    }

    fn assert_envelope(event: &Value, name: &str) {
        assert_eq!(event["event"], name);
        assert_eq!(event["object"], "message");
        assert!(event["id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(event["created"].is_i64());
        assert_eq!(event["device"]["id"], DEVICE.id);
        assert_eq!(event["device"]["phone"], DEVICE.phone);
    }

    #[test]
    fn ack_events_carry_the_ack_twice_and_identify_the_message() {
        let now = Utc::now();
        for ack in [Ack::Sent, Ack::Delivered, Ack::Read] {
            let event = ack_event(&DEVICE, &record(), ack, now);
            assert_envelope(&event, "message:out:ack");
            assert_eq!(event["ack"], ack.as_str());
            let data = &event["data"];
            assert_eq!(data["ack"], ack.as_str());
            assert_eq!(data["id"], "65f1c2a0d4e5f60718293a4c");
            assert_eq!(data["waId"], "3EB0AABBCCDDEEFF0011");
            assert_eq!(data["reference"], "campaign-1:contact-7:step-0");
            assert_eq!(data["flow"], "outbound");
            assert_eq!(data["toNumber"], "+34600111222");
            assert_eq!(data["to"], "34600111222@c.us");
            assert_eq!(data["fromNumber"], DEVICE.phone);
            assert_eq!(data["date"], "2025-01-02T03:04:05.678Z");
            assert_eq!(data["timestamp"], 1_735_787_045);
        }
    }

    #[test]
    fn every_reply_kind_has_the_wassenger_shape() {
        let mut rng = StdRng::seed_from_u64(7);
        let now = Utc::now();
        for kind in ReplyKind::ALL {
            let event = reply_event(&DEVICE, &record(), kind, now, &mut rng);
            let data = &event["data"];
            let expected_type = serde_json::to_value(kind).expect("serializes");
            assert_eq!(data["type"], expected_type, "{kind:?}");
            if kind == ReplyKind::Reaction {
                assert_envelope(&event, "message:reaction");
                assert!(data["reaction"].as_str().is_some_and(|e| !e.is_empty()));
                assert_eq!(data["body"], data["reaction"]);
            } else {
                assert_envelope(&event, "message:in:new");
                assert_eq!(event["id"], data["id"]);
            }
            assert_eq!(data["flow"], "inbound");
            assert_eq!(data["fromNumber"], "+34600111222");
            assert_eq!(data["from"], "34600111222@c.us");
            assert_eq!(data["toNumber"], DEVICE.phone);
            assert!(data["body"].is_string(), "{kind:?}");
            assert!(data["timestamp"].is_i64());
            assert_eq!(data["quoted"]["id"], "65f1c2a0d4e5f60718293a4c");
            assert_eq!(data["quoted"]["waId"], "3EB0AABBCCDDEEFF0011");
            assert_eq!(data["quoted"]["reference"], "campaign-1:contact-7:step-0");
            match kind {
                ReplyKind::Text => {
                    assert!(data["body"].as_str().is_some_and(|b| !b.is_empty()));
                }
                ReplyKind::Location => {
                    assert_eq!(
                        data["location"]["coordinates"].as_array().map(Vec::len),
                        Some(2)
                    );
                }
                ReplyKind::Reaction => {}
                _ => {
                    assert!(data["media"]["mime"].is_string(), "{kind:?}");
                    assert!(data["media"]["links"]["download"].is_string());
                }
            }
        }
    }

    #[test]
    fn voice_notes_are_ptt_in_type_and_media_format() {
        let event = reply_event(
            &DEVICE,
            &record(),
            ReplyKind::Voice,
            Utc::now(),
            &mut StdRng::seed_from_u64(1),
        );
        assert_eq!(event["data"]["type"], "ptt");
        assert_eq!(event["data"]["media"]["format"], "ptt");
        assert!(event["data"]["media"]["meta"]["duration"].is_u64());
    }
}
