//! The notifications Meta posts to `/webhooks/meta`, read (after their signature was checked).
//!
//! Envelope: `{"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes":
//! [{"field", "value"}]}]}`; one POST can carry several entries, changes, messages and statuses,
//! and each change is read in order into a [`MetaChange`]
//! (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages>).
//!
//! Notifications come from the internet, so reading one never trusts its shape: a field of an
//! unexpected type reads as absent, as an optional field Meta left out would; what the engine
//! cannot do without (a change's field, a message's id and sender, a status's id and status, a
//! template's name) is refused with a [`MalformedNotification`] naming it. A notification about
//! another object than a WhatsApp Business Account (the same app may be subscribed to other
//! products) carries no change for this engine.

mod account;
mod messages;
#[cfg(test)]
mod tests;

pub use account::{
    TemplateCategoryUpdate, TemplateQuality, TemplateQualityUpdate, TemplateStatusUpdate,
};
pub use messages::{MetaErrorDetail, MetaEvent, MetaInbound, MetaStatus};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

/// Why a notification cannot be handled; the text says what is wrong, for the logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedNotification(String);

impl MalformedNotification {
    fn new(reason: impl Into<String>) -> MalformedNotification {
        MalformedNotification(reason.into())
    }
}

/// A notification, read: every entry's changes, in the order Meta wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaNotification {
    pub changes: Vec<MetaChange>,
}

/// One change, by its `field`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaChange {
    /// `messages`: replies, statuses of our messages, and errors.
    Messages(Vec<MetaEvent>),
    /// `message_template_status_update`.
    TemplateStatus(TemplateStatusUpdate),
    /// `template_category_update`.
    TemplateCategory(TemplateCategoryUpdate),
    /// `message_template_quality_update`.
    TemplateQuality(TemplateQualityUpdate),
    /// The business's messaging limit changed (`business_capability_update`, or
    /// `phone_number_quality_update` carrying it); `None` is unlimited.
    MessagingLimit(Option<i32>),
    /// Any other field (or a capability change that says nothing of the messaging limit):
    /// acknowledged, and nothing to do.
    Ignored(String),
}

/// The only object this engine subscribes to.
const WHATSAPP_BUSINESS_ACCOUNT: &str = "whatsapp_business_account";

impl MetaNotification {
    /// Reads a notification body.
    pub fn parse(raw: &[u8]) -> Result<MetaNotification, MalformedNotification> {
        let body: Value = serde_json::from_slice(raw).map_err(|err| {
            MalformedNotification::new(format!("malformed notification body: {err}"))
        })?;
        if !body.is_object() {
            return Err(MalformedNotification::new(
                "notification body is not a JSON object",
            ));
        }
        if let Some(object) = text(&body, "object")
            && object != WHATSAPP_BUSINESS_ACCOUNT
        {
            return Ok(MetaNotification { changes: vec![] });
        }
        let entries = body
            .get("entry")
            .and_then(Value::as_array)
            .ok_or_else(|| MalformedNotification::new("notification has no `entry` array"))?;
        let mut changes = Vec::new();
        for entry in entries {
            let entry_changes = entry
                .get("changes")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for change in entry_changes {
                changes.push(read_change(change)?);
            }
        }
        Ok(MetaNotification { changes })
    }
}

fn read_change(change: &Value) -> Result<MetaChange, MalformedNotification> {
    let field = text(change, "field")
        .ok_or_else(|| MalformedNotification::new("a change has no `field`"))?;
    let value = || {
        change
            .get("value")
            .filter(|value| value.is_object())
            .ok_or_else(|| MalformedNotification::new(format!("`{field}` change has no `value`")))
    };
    Ok(match field {
        "messages" => MetaChange::Messages(messages::read(value()?)?),
        "message_template_status_update" => {
            MetaChange::TemplateStatus(TemplateStatusUpdate::read(value()?)?)
        }
        "template_category_update" => {
            MetaChange::TemplateCategory(TemplateCategoryUpdate::read(value()?)?)
        }
        "message_template_quality_update" => {
            MetaChange::TemplateQuality(TemplateQualityUpdate::read(value()?)?)
        }
        "business_capability_update" | "phone_number_quality_update" => {
            match account::messaging_limit(value()?) {
                Some(limit) => MetaChange::MessagingLimit(limit),
                None => MetaChange::Ignored(field.to_owned()),
            }
        }
        other => MetaChange::Ignored(other.to_owned()),
    })
}

/// A string field, or `None` when absent or of another type.
fn text<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field).and_then(Value::as_str)
}

/// A string field that is not blank.
fn filled<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    text(value, field).filter(|found| !found.trim().is_empty())
}

/// An id Meta writes as a number or a string, as text.
fn id_text(value: &Value, field: &str) -> Option<String> {
    match value.get(field)? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Times accepted: none before this (Unix seconds of 2000-01-01) ...
const EARLIEST_EVENT_SECS: i64 = 946_684_800;
/// ... nor further in the future than this, for clocks slightly ahead.
const MAX_CLOCK_SKEW_SECS: i64 = 24 * 3600;

/// A `timestamp` (Unix seconds, which Meta writes as a string); now when absent or unreadable,
/// malformed when no sender could have stamped it.
fn timestamp(value: &Value) -> Result<DateTime<Utc>, MalformedNotification> {
    let secs = match value.get("timestamp") {
        Some(Value::String(secs)) => secs.trim().parse::<i64>().ok(),
        Some(Value::Number(secs)) => secs.as_i64(),
        _ => None,
    };
    let Some(secs) = secs else {
        return Ok(Utc::now());
    };
    let latest = Utc::now().timestamp() + MAX_CLOCK_SKEW_SECS;
    if !(EARLIEST_EVENT_SECS..=latest).contains(&secs) {
        return Err(MalformedNotification::new(format!(
            "timestamp {secs} is not a plausible Unix time"
        )));
    }
    Utc.timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| MalformedNotification::new(format!("timestamp {secs} is invalid")))
}
