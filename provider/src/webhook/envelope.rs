//! The raw shape of a Wassenger event, read leniently: a field of an unexpected type reads as
//! absent, and what the engine cannot do without is refused with a [`MalformedEvent`]. Kept apart
//! from the events the engine sees, which never show these wire details.

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

use super::{
    DeliveryStatus, InboundMessage, MAX_MESSAGE_ID_LEN, MalformedEvent, StatusUpdate, WebhookEvent,
};

/// Event times accepted: none before this (Unix seconds of 2000-01-01) ...
const EARLIEST_EVENT_SECS: i64 = 946_684_800;
/// ... nor further in the future than this, for clocks slightly ahead.
const MAX_CLOCK_SKEW_SECS: i64 = 24 * 3600;

/// The event around the message.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    #[serde(default, deserialize_with = "lenient")]
    pub(super) event: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub(super) created: Option<i64>,
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
pub(super) struct MessageData {
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
    pub(super) reference: Option<String>,
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
    pub(super) fn data(&self) -> Result<&MessageData, MalformedEvent> {
        self.data
            .as_ref()
            .ok_or_else(|| MalformedEvent::new("webhook body has no `data` object"))
    }

    pub(super) fn inbound(&self) -> Result<InboundMessage, MalformedEvent> {
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

    pub(super) fn acknowledgement(&self) -> Result<WebhookEvent, MalformedEvent> {
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
    pub(super) fn message_id(&self) -> Result<String, MalformedEvent> {
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
pub(super) fn plausible_time(stamped: Option<i64>) -> Result<DateTime<Utc>, MalformedEvent> {
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
