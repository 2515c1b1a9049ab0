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
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

mod envelope;

use envelope::{Envelope, plausible_time};

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

#[cfg(test)]
mod tests;
