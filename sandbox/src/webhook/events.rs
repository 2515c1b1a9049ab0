//! The Wassenger-shaped events the sandbox sends: delivery acks and the contact's answers.
//!
//! Event envelope, as captured from Wassenger: `{id, object: "message", event, created (unix
//! seconds), device: {id, phone, alias, plan}, data: {id, type, flow, status, ack, from,
//! fromNumber, to, toNumber, date, timestamp, body, chat, ...}}`; `message:out:ack` also carries
//! the ack at the top level. Answers quote the campaign message in `data.quoted` (its `id`,
//! `waId` and `reference`), so the engine can attribute them without guessing.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use crate::ids;
use crate::phone;
use crate::record::AcceptedRecord;
use crate::state::ReplyKind;

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

#[cfg(test)]
mod tests;
