//! Wassenger's webhook events, as far as the engine reads them: inbound messages, reactions and
//! the delivery updates of messages we sent.
//!
//! Events arrive from the internet, so reading one never trusts its shape: a field of an
//! unexpected type reads as absent (as an optional field Wassenger left out would), and what the
//! engine cannot do without (the event name, a `data` object, a message id, the sender's number, a
//! plausible time) is refused with a [`MalformedEvent`] saying which. Parsing is in two steps so
//! the event name is known, for counting, even when the rest of the event is malformed:
//! [`WebhookDelivery::parse`] reads the body, [`WebhookDelivery::event`] what it reports.
//!
//! Shapes, as captured from Wassenger: `{id, object, event, created (Unix seconds), device,
//! data: {id, type, flow, ack, fromNumber, toNumber, timestamp, body, reference, quoted, ...}}`;
//! `message:out:ack` also carries the ack at the top level; answers quote the message they
//! answer in `data.quoted` (with its `reference`).

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

/// Why an event cannot be handled; the text says what is wrong, for the provider's logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedEvent(String);

impl MalformedEvent {
    fn new(reason: impl Into<String>) -> MalformedEvent {
        MalformedEvent(reason.into())
    }
}

/// The events the engine handles, by their Wassenger name; any other name is [`EventKind::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `message:in:new`: a contact sent a message.
    MessageIn,
    /// `message:reaction`: a contact reacted to a message with an emoji.
    Reaction,
    /// `message:out:ack`: a delivery acknowledgement of a message we sent.
    OutboundAck,
    /// `message:update`: a change to a message we sent, carrying its ack.
    Update,
    /// `message:out:failed`: a message we sent could not be delivered.
    OutboundFailed,
    Other,
}

impl EventKind {
    fn from_name(name: &str) -> EventKind {
        match name {
            "message:in:new" => EventKind::MessageIn,
            "message:reaction" => EventKind::Reaction,
            "message:out:ack" => EventKind::OutboundAck,
            "message:update" => EventKind::Update,
            "message:out:failed" => EventKind::OutboundFailed,
            _ => EventKind::Other,
        }
    }

    /// Wassenger's name of the event; `None` for the events the engine does not handle.
    pub fn name(self) -> Option<&'static str> {
        match self {
            EventKind::MessageIn => Some("message:in:new"),
            EventKind::Reaction => Some("message:reaction"),
            EventKind::OutboundAck => Some("message:out:ack"),
            EventKind::Update => Some("message:update"),
            EventKind::OutboundFailed => Some("message:out:failed"),
            EventKind::Other => None,
        }
    }
}

/// What an event reports, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// A message from a contact.
    Message(InboundMessage),
    /// A contact's emoji reaction.
    Reaction(InboundMessage),
    /// A message we sent moved to `status`.
    Status(StatusUpdate),
    /// An event the engine has nothing to do with, or an ack that says nothing new (`pending`).
    Ignored,
}

/// A message or reaction from a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// Wassenger's id of the inbound message.
    pub id: String,
    /// The sender's number as Wassenger writes it (E.164, with or without `+`).
    pub from_number: String,
    /// WhatsApp's message type (`text`, `image`, `ptt`, ...), when given.
    pub message_type: Option<String>,
    /// The text, caption or emoji.
    pub body: Option<String>,
    /// When the contact sent it: the message's `timestamp`, else the event's `created`, else now.
    pub sent_at: DateTime<Utc>,
    /// The `reference` of the message it quotes, when it quotes one.
    pub quoted_reference: Option<String>,
}

/// A message we sent has a new delivery status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// Wassenger's id of the message we sent.
    pub message_id: String,
    pub status: DeliveryStatus,
    /// When the status changed: the event's `created` (the message's own `timestamp` is when it
    /// was sent), else now.
    pub at: DateTime<Utc>,
    /// The `reference` we sent the message with, when Wassenger echoes it.
    pub reference: Option<String>,
}

/// Delivery statuses of an outbound message, from WhatsApp's acks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    /// The status an ack reports; `None` for acks that mean nothing new (e.g. `pending`).
    fn from_ack(ack: &str) -> Option<DeliveryStatus> {
        match ack {
            "sent" | "server" => Some(DeliveryStatus::Sent),
            "delivered" | "device" => Some(DeliveryStatus::Delivered),
            "read" | "played" => Some(DeliveryStatus::Read),
            "failed" | "error" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// A webhook body, read: which event it is, and the fields the engine may need.
#[derive(Debug)]
pub struct WebhookDelivery {
    kind: EventKind,
    envelope: Envelope,
}

/// Longest message id accepted: Wassenger's are 24 characters, WhatsApp's about 30; the engine's
/// unique index on them refuses much longer keys anyway.
pub const MAX_MESSAGE_ID_LEN: usize = 256;

/// Event times accepted: none before this (Unix seconds of 2000-01-01) ...
const EARLIEST_EVENT_SECS: i64 = 946_684_800;
/// ... nor further in the future than this, for clocks slightly ahead.
const MAX_CLOCK_SKEW_SECS: i64 = 24 * 3600;

impl WebhookDelivery {
    /// Reads a webhook body: JSON with an `event` name.
    pub fn parse(body: &[u8]) -> Result<WebhookDelivery, MalformedEvent> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|err| MalformedEvent::new(format!("malformed webhook body: {err}")))?;
        let no_event = || MalformedEvent::new("webhook body has no `event`");
        // Only an object is an event: serde would also fill the envelope from an array.
        if !value.is_object() {
            return Err(no_event());
        }
        let envelope = Envelope::deserialize(value)
            .map_err(|err| MalformedEvent::new(format!("malformed webhook body: {err}")))?;
        let kind = EventKind::from_name(envelope.event.as_deref().ok_or_else(no_event)?);
        Ok(WebhookDelivery { kind, envelope })
    }

    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// What the event reports, or what makes it unusable.
    pub fn event(self) -> Result<WebhookEvent, MalformedEvent> {
        let envelope = self.envelope;
        match self.kind {
            EventKind::MessageIn => Ok(WebhookEvent::Message(envelope.inbound()?)),
            EventKind::Reaction => Ok(WebhookEvent::Reaction(envelope.inbound()?)),
            EventKind::OutboundAck | EventKind::Update => envelope.acknowledgement(),
            EventKind::OutboundFailed => {
                let data = envelope.data()?;
                let message_id = data.message_id()?;
                Ok(WebhookEvent::Status(StatusUpdate {
                    message_id,
                    status: DeliveryStatus::Failed,
                    at: plausible_time(envelope.created)?,
                    reference: data.reference.clone(),
                }))
            }
            EventKind::Other => Ok(WebhookEvent::Ignored),
        }
    }
}

/// The event around the message.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default, deserialize_with = "lenient")]
    event: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    created: Option<i64>,
    /// The ack at the top level, as `message:out:ack` carries it: when the field is there, it is
    /// the one read, whatever its value.
    #[serde(default, deserialize_with = "present")]
    ack: Option<Option<String>>,
    #[serde(default, deserialize_with = "object")]
    data: Option<MessageData>,
}

/// The message an event is about.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageData {
    #[serde(default, deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    from_number: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient")]
    message_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    body: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    timestamp: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    ack: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    reference: Option<String>,
    #[serde(default, deserialize_with = "object")]
    quoted: Option<QuotedMessage>,
}

/// The message an answer quotes.
#[derive(Debug, Default, Deserialize)]
struct QuotedMessage {
    #[serde(default, deserialize_with = "lenient")]
    reference: Option<String>,
}

impl Envelope {
    fn data(&self) -> Result<&MessageData, MalformedEvent> {
        self.data
            .as_ref()
            .ok_or_else(|| MalformedEvent::new("webhook body has no `data` object"))
    }

    fn inbound(&self) -> Result<InboundMessage, MalformedEvent> {
        let data = self.data()?;
        let from_number = data
            .from_number
            .clone()
            .ok_or_else(|| MalformedEvent::new("inbound message has no `fromNumber`"))?;
        let sent_at = plausible_time(data.timestamp.or(self.created))?;
        Ok(InboundMessage {
            id: data.message_id()?,
            from_number,
            message_type: data.message_type.clone(),
            body: data.body.clone(),
            sent_at,
            quoted_reference: data
                .quoted
                .as_ref()
                .and_then(|quoted| quoted.reference.clone()),
        })
    }

    fn acknowledgement(&self) -> Result<WebhookEvent, MalformedEvent> {
        let data = self.data()?;
        let ack = match &self.ack {
            Some(top_level) => top_level.as_deref(),
            None => data.ack.as_deref(),
        };
        let status = DeliveryStatus::from_ack(ack.unwrap_or(""));
        let message_id = data.message_id()?;
        let Some(status) = status else {
            return Ok(WebhookEvent::Ignored);
        };
        Ok(WebhookEvent::Status(StatusUpdate {
            message_id,
            status,
            at: plausible_time(self.created)?,
            reference: data.reference.clone(),
        }))
    }
}

impl MessageData {
    fn message_id(&self) -> Result<String, MalformedEvent> {
        let id = self
            .id
            .as_deref()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| MalformedEvent::new("webhook data has no message `id`"))?;
        if id.len() > MAX_MESSAGE_ID_LEN || id.chars().any(char::is_control) {
            return Err(MalformedEvent::new(format!(
                "message `id` must be at most {MAX_MESSAGE_ID_LEN} printable characters"
            )));
        }
        Ok(id.to_owned())
    }
}

/// Unix seconds as a time, now when absent; a time no provider could have stamped makes the
/// event malformed.
fn plausible_time(stamped: Option<i64>) -> Result<DateTime<Utc>, MalformedEvent> {
    let Some(secs) = stamped else {
        return Ok(Utc::now());
    };
    let latest = Utc::now().timestamp() + MAX_CLOCK_SKEW_SECS;
    if !(EARLIEST_EVENT_SECS..=latest).contains(&secs) {
        return Err(MalformedEvent::new(format!(
            "event time {secs} is not a plausible Unix time"
        )));
    }
    Utc.timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| MalformedEvent::new(format!("event time {secs} is invalid")))
}

/// A field of the expected type, or `None` when it has another.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).ok())
}

/// Like [`lenient`], but telling a field that is there (`Some`, whatever its value) from one
/// that is not (`None`, through `#[serde(default)]`).
fn present<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    lenient(deserializer).map(Some)
}

/// A nested object read as `T`, or `None` when the field is not an object.
fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value
        .is_object()
        .then(|| T::deserialize(value).ok())
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(body: &Value) -> Result<WebhookEvent, MalformedEvent> {
        WebhookDelivery::parse(body.to_string().as_bytes())?.event()
    }

    fn reason(body: &[u8]) -> String {
        match WebhookDelivery::parse(body).and_then(WebhookDelivery::event) {
            Ok(event) => panic!("accepted as {event:?}"),
            Err(err) => err.to_string(),
        }
    }

    const NOW: i64 = 1_735_787_045;

    #[test]
    fn an_inbound_reply_is_read_with_its_quote() {
        let event = read(&json!({
            "event": "message:in:new",
            "created": NOW + 5,
            "data": {
                "id": "3EB0INBOUND",
                "type": "ptt",
                "fromNumber": "+34600111222",
                "body": "hello",
                "timestamp": NOW,
                "quoted": { "id": "abc", "reference": "campaign-1-contact-7-message_1" },
            },
        }))
        .unwrap();
        assert_eq!(
            event,
            WebhookEvent::Message(InboundMessage {
                id: "3EB0INBOUND".to_owned(),
                from_number: "+34600111222".to_owned(),
                message_type: Some("ptt".to_owned()),
                body: Some("hello".to_owned()),
                sent_at: Utc.timestamp_opt(NOW, 0).unwrap(),
                quoted_reference: Some("campaign-1-contact-7-message_1".to_owned()),
            })
        );
    }

    #[test]
    fn optional_fields_of_another_type_read_as_absent() {
        let event = read(&json!({
            "event": "message:reaction",
            "created": NOW,
            "data": {
                "id": "r1",
                "type": 7,
                "fromNumber": "34600111222",
                "body": ["👍"],
                "timestamp": "yesterday",
                "quoted": ["campaign-1-contact-7-message_1"],
            },
        }))
        .unwrap();
        let WebhookEvent::Reaction(reaction) = event else {
            panic!("not a reaction: {event:?}");
        };
        assert_eq!(reaction.message_type, None);
        assert_eq!(reaction.body, None);
        assert_eq!(reaction.quoted_reference, None);
        assert_eq!(reaction.sent_at, Utc.timestamp_opt(NOW, 0).unwrap());
    }

    #[test]
    fn acks_give_the_status_they_mean() {
        let ack = |ack: Value| {
            read(&json!({
                "event": "message:out:ack",
                "created": NOW,
                "ack": ack,
                "data": { "id": "m1", "ack": "read", "reference": "campaign-1-contact-7-message_1" },
            }))
            .unwrap()
        };
        assert_eq!(
            ack(json!("device")),
            WebhookEvent::Status(StatusUpdate {
                message_id: "m1".to_owned(),
                status: DeliveryStatus::Delivered,
                at: Utc.timestamp_opt(NOW, 0).unwrap(),
                reference: Some("campaign-1-contact-7-message_1".to_owned()),
            })
        );
        assert_eq!(ack(json!("pending")), WebhookEvent::Ignored);
        // A top-level ack is the one read, even when it is not text.
        assert_eq!(ack(json!(3)), WebhookEvent::Ignored);

        let update = read(&json!({
            "event": "message:update",
            "data": { "id": "m1", "ack": "played" },
        }))
        .unwrap();
        let WebhookEvent::Status(update) = update else {
            panic!("not a status update: {update:?}");
        };
        assert_eq!(update.status, DeliveryStatus::Read);
        assert_eq!(update.reference, None);
    }

    #[test]
    fn a_failed_send_is_a_failed_status() {
        let event = read(&json!({
            "event": "message:out:failed",
            "created": NOW,
            "data": { "id": "m2" },
        }))
        .unwrap();
        assert!(matches!(
            event,
            WebhookEvent::Status(StatusUpdate {
                status: DeliveryStatus::Failed,
                ..
            })
        ));
    }

    #[test]
    fn unknown_events_are_ignored_whatever_they_carry() {
        let delivery = WebhookDelivery::parse(br#"{"event": "device:status", "data": 5}"#).unwrap();
        assert_eq!(delivery.kind(), EventKind::Other);
        assert_eq!(delivery.kind().name(), None);
        assert_eq!(delivery.event().unwrap(), WebhookEvent::Ignored);
    }

    #[test]
    fn the_event_name_is_known_even_when_the_rest_is_malformed() {
        let delivery = WebhookDelivery::parse(br#"{"event": "message:in:new"}"#).unwrap();
        assert_eq!(delivery.kind().name(), Some("message:in:new"));
        assert!(delivery.event().is_err());
    }

    #[test]
    fn malformed_events_say_what_is_wrong() {
        assert!(reason(b"{").starts_with("malformed webhook body: "));
        assert_eq!(reason(b"[]"), "webhook body has no `event`");
        assert_eq!(reason(br#"{"event": 1}"#), "webhook body has no `event`");
        assert_eq!(
            reason(br#"{"event": "message:in:new", "data": []}"#),
            "webhook body has no `data` object"
        );
        assert_eq!(
            reason(br#"{"event": "message:in:new", "data": {"id": "x"}}"#),
            "inbound message has no `fromNumber`"
        );
        assert_eq!(
            reason(br#"{"event": "message:in:new", "data": {"fromNumber": "+34600111222"}}"#),
            "webhook data has no message `id`"
        );
        assert_eq!(
            reason(br#"{"event": "message:out:ack", "ack": "read", "data": {"id": ""}}"#),
            "webhook data has no message `id`"
        );
        let long_id = "x".repeat(MAX_MESSAGE_ID_LEN + 1);
        assert_eq!(
            reason(
                json!({ "event": "message:out:failed", "data": { "id": long_id } })
                    .to_string()
                    .as_bytes()
            ),
            "message `id` must be at most 256 printable characters"
        );
        assert_eq!(
            reason(br#"{"event": "message:out:failed", "created": 12, "data": {"id": "m"}}"#),
            "event time 12 is not a plausible Unix time"
        );
    }
}
