//! The `messages` field: what contacts send, the statuses of what we sent, and errors.
//!
//! Shapes (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages>):
//! * `messages[]`: `{from, id, timestamp, type, context?: {from, id}, <type>: {...}}`: `text.body`;
//!   `reaction.message_id` and `reaction.emoji`, the emoji omitted when the contact removes the
//!   reaction; `image`/`video`/`document` with an optional `caption`; `audio` with `voice: true`
//!   for a voice note; `sticker`, `location`, `contacts`; `button.payload` and `button.text` (a
//!   template's quick reply); `interactive.button_reply` or `interactive.list_reply` with `id` and
//!   `title`; `unsupported`, `system`, `request_welcome` (not something the contact wrote to us).
//! * `statuses[]`: `{id, status (sent, delivered, read, failed; played for voice), timestamp,
//!   recipient_id, biz_opaque_callback_data?, errors?: [{code, title, message, error_data:
//!   {details}}]}`; `read` can come without `delivered`
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/>).
//! * `errors[]`: errors not tied to a message, same shape as a status's.

use super::{MalformedNotification, filled, text, timestamp};
use crate::ProviderError;
use crate::meta::errors::{classify_error, read_code};
use crate::webhook::{DeliveryStatus, MAX_MESSAGE_ID_LEN};
use campaign_domain::InteractionType;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One thing a `messages` change reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaEvent {
    /// A contact's message or reaction: an interaction.
    Inbound(MetaInbound),
    /// A contact took back a reaction (a reaction without emoji): not an interaction.
    ReactionRemoved { id: String, from: String },
    /// A message we sent has a new status.
    Status(MetaStatus),
    /// An error not tied to a message (`value.errors[]`).
    Error(MetaErrorDetail),
    /// A message that is not something the contact wrote to us (`unsupported`, `system`,
    /// `request_welcome`, or a type this engine does not know): not an interaction.
    Unsupported {
        id: String,
        from: String,
        kind: String,
    },
}

/// A contact's message or reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaInbound {
    /// Its wamid, the key inbound messages are deduplicated on.
    pub id: String,
    /// The sender's number, digits as Meta sends them.
    pub from: String,
    pub received_at: DateTime<Utc>,
    pub interaction: InteractionType,
    /// The text, caption, emoji, or the tapped button's text or title.
    pub text: Option<String>,
    /// The wamid it answers (`context.id`; for a reaction, the message reacted to).
    pub context_id: Option<String>,
    /// The texts an opt-out keyword may be (R19): a text's body, a quick reply's payload and
    /// text, an interactive reply's id and title.
    pub consent_texts: Vec<String>,
}

/// A message we sent moved to `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaStatus {
    /// The wamid of our message; statuses are deduplicated on (id, status).
    pub id: String,
    pub status: DeliveryStatus,
    pub at: DateTime<Utc>,
    /// The recipient's WhatsApp id; empty when Meta left it out.
    pub recipient_id: String,
    /// Our reference, echoed from `biz_opaque_callback_data`.
    pub reference: Option<String>,
    /// Why it failed, for a `failed` status.
    pub errors: Vec<MetaErrorDetail>,
}

/// One of Meta's errors, as webhooks report them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaErrorDetail {
    pub code: i64,
    pub title: String,
    pub message: Option<String>,
    pub details: Option<String>,
}

impl MetaErrorDetail {
    /// What this error means for the send, by its code.
    pub fn to_provider_error(&self) -> ProviderError {
        let title = if self.title.trim().is_empty() {
            self.message.as_deref().unwrap_or("")
        } else {
            &self.title
        };
        classify_error(self.code, title, self.details.as_deref())
    }

    /// An error entry; `None` without a readable code, which is all the engine decides on.
    fn read(value: &Value) -> Option<MetaErrorDetail> {
        Some(MetaErrorDetail {
            code: read_code(value.get("code")?)?,
            title: text(value, "title").unwrap_or_default().to_owned(),
            message: filled(value, "message").map(str::to_owned),
            details: value
                .get("error_data")
                .and_then(|data| filled(data, "details"))
                .map(str::to_owned),
        })
    }
}

/// Reads the value of a `messages` change: its messages, then statuses, then errors.
pub(super) fn read(value: &Value) -> Result<Vec<MetaEvent>, MalformedNotification> {
    let list = |field: &str| {
        value
            .get(field)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let mut events = Vec::new();
    for message in list("messages") {
        events.push(inbound(message)?);
    }
    for status in list("statuses") {
        if let Some(status) = read_status(status)? {
            events.push(MetaEvent::Status(status));
        }
    }
    events.extend(
        list("errors")
            .iter()
            .filter_map(MetaErrorDetail::read)
            .map(MetaEvent::Error),
    );
    Ok(events)
}

fn inbound(message: &Value) -> Result<MetaEvent, MalformedNotification> {
    let id = message_id(message, "inbound message")?;
    let from = filled(message, "from")
        .ok_or_else(|| MalformedNotification::new("inbound message has no `from`"))?
        .to_owned();
    let kind = text(message, "type").unwrap_or("");
    let part = |field: &str| message.get(field).filter(|part| part.is_object());
    let part_text = |field: &str, inner: &str| part(field).and_then(|part| filled(part, inner));
    let caption = |field: &str| part_text(field, "caption").map(str::to_owned);
    let mut context_id = message
        .get("context")
        .and_then(|context| filled(context, "id"))
        .map(str::to_owned);
    let mut consent_texts: Vec<&str> = Vec::new();
    let (interaction, text) = match kind {
        "text" => {
            let body = part_text("text", "body");
            consent_texts.extend(body);
            (InteractionType::Text, body.map(str::to_owned))
        }
        "reaction" => {
            let Some(emoji) = part_text("reaction", "emoji") else {
                return Ok(MetaEvent::ReactionRemoved { id, from });
            };
            context_id = part_text("reaction", "message_id")
                .map(str::to_owned)
                .or(context_id);
            (InteractionType::Emoji, Some(emoji.to_owned()))
        }
        "image" => (InteractionType::Image, caption("image")),
        "video" => (InteractionType::Video, caption("video")),
        "document" => (InteractionType::Document, caption("document")),
        "audio" => {
            let voice = part("audio")
                .and_then(|audio| audio.get("voice"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let interaction = if voice {
                InteractionType::Voice
            } else {
                InteractionType::Audio
            };
            (interaction, None)
        }
        "sticker" | "location" | "contacts" | "order" => (InteractionType::Other, None),
        "button" => {
            let tapped = part_text("button", "text");
            consent_texts.extend(part_text("button", "payload"));
            consent_texts.extend(tapped);
            (InteractionType::Text, tapped.map(str::to_owned))
        }
        "interactive" => {
            let reply = part("interactive").and_then(|interactive| {
                ["button_reply", "list_reply"]
                    .into_iter()
                    .find_map(|kind| interactive.get(kind).filter(|reply| reply.is_object()))
            });
            let title = reply.and_then(|reply| filled(reply, "title"));
            consent_texts.extend(reply.and_then(|reply| filled(reply, "id")));
            consent_texts.extend(title);
            (InteractionType::Text, title.map(str::to_owned))
        }
        other => {
            let kind = if other.is_empty() { "unknown" } else { other };
            return Ok(MetaEvent::Unsupported {
                id,
                from,
                kind: kind.to_owned(),
            });
        }
    };
    Ok(MetaEvent::Inbound(MetaInbound {
        id,
        from,
        received_at: timestamp(message)?,
        interaction,
        text,
        context_id,
        consent_texts: consent_texts.into_iter().map(str::to_owned).collect(),
    }))
}

/// A status, or `None` for a status value this engine does not know (left out: it can say
/// nothing about delivery that the known ones do not).
fn read_status(status: &Value) -> Result<Option<MetaStatus>, MalformedNotification> {
    let id = message_id(status, "status")?;
    let raw = filled(status, "status")
        .ok_or_else(|| MalformedNotification::new("status has no `status`"))?;
    let delivery = match raw.to_ascii_lowercase().as_str() {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        // A voice message played is, for the engine, a message read.
        "read" | "played" => DeliveryStatus::Read,
        "failed" => DeliveryStatus::Failed,
        _ => return Ok(None),
    };
    let errors = status
        .get("errors")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(MetaErrorDetail::read)
        .collect();
    Ok(Some(MetaStatus {
        id,
        status: delivery,
        at: timestamp(status)?,
        recipient_id: text(status, "recipient_id").unwrap_or_default().to_owned(),
        reference: filled(status, "biz_opaque_callback_data").map(str::to_owned),
        errors,
    }))
}

/// The `id` of a message or status: present, printable and of a length an index takes.
fn message_id(value: &Value, what: &str) -> Result<String, MalformedNotification> {
    let id = filled(value, "id")
        .ok_or_else(|| MalformedNotification::new(format!("{what} has no `id`")))?;
    if id.len() > MAX_MESSAGE_ID_LEN || id.chars().any(char::is_control) {
        return Err(MalformedNotification::new(format!(
            "{what} `id` must be at most {MAX_MESSAGE_ID_LEN} printable characters"
        )));
    }
    Ok(id.to_owned())
}
