//! Webhook payloads in Meta's shapes, built as JSON:
//! - statuses: <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/>
//! - inbound messages: <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/>
//!   and, for reactions, `.../reference/messages/reaction/` (a removed reaction has no `emoji`);
//! - `message_template_status_update` and `template_category_update`:
//!   `.../webhooks/reference/message_template_status_update` and `.../template_category_update`.
//!
//! Every POST is `{"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes":
//! [{"field", "value"}]}]}`; one POST may carry several changes, statuses and messages.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use super::send::{AcceptedSend, wamid};
use crate::meta_account::{MetaErrorCode, webhook_error};
use crate::meta_account::{MetaTemplate, TemplateCategory};
use crate::state::ReplyKind;

/// Profile name simulated contacts report.
const CONTACT_NAME: &str = "Sandbox Contact";

/// Text replies drawn at random; neutral on purpose, so none reads as an opt-out.
const TEXT_REPLIES: &[&str] = &[
    "Hi! Thanks for the message.",
    "Sounds good, tell me more.",
    "Who is this?",
    "Great, count me in!",
];

/// Emojis drawn for reactions.
const REACTION_EMOJIS: &[&str] = &["👍", "❤️", "😂", "😮", "🙏"];

/// The business's identity in every `messages` change.
#[derive(Debug, Clone)]
pub(crate) struct Business {
    pub(crate) waba_id: String,
    pub(crate) phone_number_id: String,
    /// Digits only, as `metadata.display_phone_number`.
    pub(crate) display_phone_number: String,
}

/// A delivery status of an outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Sent,
    Delivered,
    Read,
    Failed(MetaErrorCode),
}

fn unix(date: DateTime<Utc>) -> String {
    date.timestamp().to_string()
}

fn digits(e164: &str) -> String {
    e164.trim_start_matches('+').to_owned()
}

/// One POST body carrying `changes` for the business account.
pub(crate) fn envelope(business: &Business, changes: Vec<Value>, now: DateTime<Utc>) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": business.waba_id, "time": now.timestamp(), "changes": changes }],
    })
}

fn messages_change(business: &Business, mut value: Value) -> Value {
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": business.display_phone_number,
        "phone_number_id": business.phone_number_id,
    });
    json!({ "field": "messages", "value": value })
}

/// `pricing` of a status, under per-message pricing: marketing is always charged; utility and
/// free-form messages are free inside an open window.
fn pricing(send: &AcceptedSend) -> Value {
    let category = send
        .category
        .map_or("service", TemplateCategory::pricing_name);
    let free = send.window_open && send.category != Some(TemplateCategory::Marketing);
    json!({
        "billable": !free,
        "pricing_model": "PMP",
        "type": if free { "free_customer_service" } else { "regular" },
        "category": category,
    })
}

/// One `statuses[]` entry. `pricing` comes with `sent`, `delivered` and `read`; `conversation`
/// is left out, as Meta omits it from v24.0 on outside free entry points.
pub(crate) fn status(send: &AcceptedSend, status: Status, now: DateTime<Utc>) -> Value {
    let name = match status {
        Status::Sent => "sent",
        Status::Delivered => "delivered",
        Status::Read => "read",
        Status::Failed(_) => "failed",
    };
    let mut entry = json!({
        "id": send.record.id,
        "status": name,
        "timestamp": unix(now),
        "recipient_id": digits(&send.record.phone),
    });
    if let Some(data) = &send.record.reference {
        entry["biz_opaque_callback_data"] = json!(data);
    }
    match status {
        Status::Failed(code) => entry["errors"] = json!([webhook_error(code, None)]),
        _ => entry["pricing"] = pricing(send),
    }
    entry
}

/// A `messages` change carrying `statuses`.
pub(crate) fn statuses_change(business: &Business, statuses: Vec<Value>) -> Value {
    messages_change(business, json!({ "statuses": statuses }))
}

/// A `messages` change carrying inbound `messages` from `e164`.
pub(crate) fn inbound_change(business: &Business, e164: &str, messages: Vec<Value>) -> Value {
    messages_change(
        business,
        json!({
            "contacts": [{ "profile": { "name": CONTACT_NAME }, "wa_id": digits(e164) }],
            "messages": messages,
        }),
    )
}

/// An inbound message skeleton; `context` quotes `quoting` when given.
fn inbound(
    business: &Business,
    e164: &str,
    kind: &str,
    quoting: Option<&str>,
    now: DateTime<Utc>,
) -> Value {
    let mut message = json!({
        "from": digits(e164),
        "id": wamid(),
        "timestamp": unix(now),
        "type": kind,
    });
    if let Some(id) = quoting {
        message["context"] = json!({ "from": business.display_phone_number, "id": id });
    }
    message
}

/// A text message from `e164`.
pub(crate) fn text_message(
    business: &Business,
    e164: &str,
    body: &str,
    quoting: Option<&str>,
    now: DateTime<Utc>,
) -> Value {
    let mut message = inbound(business, e164, "text", quoting, now);
    message["text"] = json!({ "body": body });
    message
}

/// A quick-reply button tap on a template message.
pub(crate) fn button_message(
    business: &Business,
    e164: &str,
    payload: &str,
    quoting: &str,
    now: DateTime<Utc>,
) -> Value {
    let mut message = inbound(business, e164, "button", Some(quoting), now);
    message["button"] = json!({ "payload": payload, "text": payload });
    message
}

fn media_id(rng: &mut impl Rng) -> String {
    rng.random_range(1_000_000_000_000_000_u64..9_999_999_999_999_999)
        .to_string()
}

fn sha256(rng: &mut impl Rng) -> String {
    (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// The messages of a reply of `kind` to `quoting`: one message, or a reaction and its removal.
pub(crate) fn reply_messages(
    business: &Business,
    e164: &str,
    kind: ReplyKind,
    quoting: &str,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Vec<Value> {
    let media = |type_name: &str, mime: &str, rng: &mut _| {
        let mut message = inbound(business, e164, type_name, Some(quoting), now);
        message[type_name] =
            json!({ "mime_type": mime, "sha256": sha256(rng), "id": media_id(rng) });
        message
    };
    let reaction = |emoji: Option<&str>| {
        let mut message = inbound(business, e164, "reaction", None, now);
        message["reaction"] = json!({ "message_id": quoting });
        if let Some(emoji) = emoji {
            message["reaction"]["emoji"] = json!(emoji);
        }
        message
    };
    let message = match kind {
        ReplyKind::Text => {
            let body = TEXT_REPLIES.choose(rng).copied().unwrap_or_default();
            text_message(business, e164, body, Some(quoting), now)
        }
        ReplyKind::Image => {
            let mut message = media("image", "image/jpeg", rng);
            message["image"]["caption"] = json!("Look at this");
            message
        }
        ReplyKind::Video => media("video", "video/mp4", rng),
        ReplyKind::Audio => {
            let mut message = media("audio", "audio/mpeg", rng);
            message["audio"]["voice"] = json!(false);
            message
        }
        ReplyKind::Voice => {
            let mut message = media("audio", "audio/ogg; codecs=opus", rng);
            message["audio"]["voice"] = json!(true);
            message
        }
        ReplyKind::Document => {
            let mut message = media("document", "application/pdf", rng);
            message["document"]["filename"] = json!("sandbox.pdf");
            message
        }
        ReplyKind::Sticker => {
            let mut message = media("sticker", "image/webp", rng);
            message["sticker"]["animated"] = json!(false);
            message
        }
        ReplyKind::Location => {
            let mut message = inbound(business, e164, "location", Some(quoting), now);
            message["location"] = json!({
                "latitude": rng.random_range(-60.0..70.0_f64),
                "longitude": rng.random_range(-180.0..180.0_f64),
                "name": "Sandbox Place",
                "address": "1 Sandbox Street",
            });
            message
        }
        ReplyKind::Contacts => {
            let mut message = inbound(business, e164, "contacts", Some(quoting), now);
            message["contacts"] = json!([{
                "name": { "formatted_name": "Ana Sandbox", "first_name": "Ana", "last_name": "Sandbox" },
                "phones": [{ "phone": "+33 6 00 00 00 00", "wa_id": "33600000000", "type": "CELL" }],
            }]);
            message
        }
        ReplyKind::Button => button_message(business, e164, "Oui", quoting, now),
        ReplyKind::Interactive => {
            let mut message = inbound(business, e164, "interactive", Some(quoting), now);
            message["interactive"] = json!({
                "type": "button_reply",
                "button_reply": { "id": "more_info", "title": "Tell me more" },
            });
            message
        }
        ReplyKind::Reaction => reaction(REACTION_EMOJIS.choose(rng).copied()),
        ReplyKind::ReactionRemoved => {
            return vec![
                reaction(REACTION_EMOJIS.choose(rng).copied()),
                reaction(None),
            ];
        }
    };
    vec![message]
}

fn template_change(field: &str, value: Value) -> Value {
    json!({ "field": field, "value": value })
}

/// A `message_template_status_update` change: `event` is the new status.
pub(crate) fn template_status_change(template: &MetaTemplate, reason: Option<&str>) -> Value {
    template_change(
        "message_template_status_update",
        json!({
            "event": template.status,
            "message_template_id": template.id.parse::<u64>().map_or_else(|_| json!(template.id), |id| json!(id)),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "reason": reason.unwrap_or("NONE"),
            "message_template_category": template.category,
        }),
    )
}

/// A completed `template_category_update` change.
pub(crate) fn template_category_change(before: &MetaTemplate, after: &MetaTemplate) -> Value {
    template_change(
        "template_category_update",
        json!({
            "message_template_id": after.id.parse::<u64>().map_or_else(|_| json!(after.id), |id| json!(id)),
            "message_template_name": after.name,
            "message_template_language": after.language,
            "previous_category": before.category,
            "new_category": after.category,
        }),
    )
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn business() -> Business {
        Business {
            waba_id: "200".into(),
            phone_number_id: "100".into(),
            display_phone_number: "15550100000".into(),
        }
    }

    #[test]
    fn every_reply_kind_quotes_the_message_it_answers() {
        let mut rng = StdRng::seed_from_u64(3);
        for kind in ReplyKind::META_ALL {
            let messages = reply_messages(
                &business(),
                "+33612345678",
                kind,
                "wamid.X",
                Utc::now(),
                &mut rng,
            );
            for message in &messages {
                assert_eq!(message["from"], "33612345678");
                assert!(message["timestamp"].is_string());
                let type_name = message["type"].as_str().expect("type");
                assert!(message.get(type_name).is_some(), "{kind:?}");
                if type_name == "reaction" {
                    assert_eq!(message["reaction"]["message_id"], "wamid.X");
                } else {
                    assert_eq!(message["context"]["id"], "wamid.X", "{kind:?}");
                }
            }
        }
        let removed = reply_messages(
            &business(),
            "+33612345678",
            ReplyKind::ReactionRemoved,
            "wamid.X",
            Utc::now(),
            &mut rng,
        );
        assert_eq!(removed.len(), 2);
        assert!(removed[1]["reaction"].get("emoji").is_none());
    }
}
