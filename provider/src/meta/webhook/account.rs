//! Changes to the business account: its templates' status, category and quality, and its
//! messaging limit.
//!
//! Shapes:
//! * `message_template_status_update`: `{event, message_template_id, message_template_name,
//!   message_template_language, reason, message_template_category, ...}`, `event` being a status
//!   (`APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, ...) or a step that is not one (`FLAGGED`,
//!   `UNARCHIVED`, `LOCKED`, ...)
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update>);
//! * `template_category_update`: `{message_template_id, message_template_name,
//!   message_template_language}` with, for a change made, `previous_category` and `new_category`,
//!   and for a change announced, `correct_category` (the category to come) and `new_category`
//!   (the current one). Meta asks senders to route on `new_category` of a change made only
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update>,
//!   <https://developers.facebook.com/documentation/business-messaging/whatsapp/marketing-messages/route-template-messages/>);
//! * `message_template_quality_update`: `{previous_quality_score, new_quality_score,
//!   message_template_id, message_template_name, message_template_language}`, scores `GREEN`,
//!   `YELLOW`, `RED` or `UNKNOWN` (pending)
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_quality_update>);
//! * the messaging limit: see [`crate::meta::limits`].

use super::{MalformedNotification, filled, id_text, text};
use crate::meta::limits::read_messaging_limit;
use crate::meta::templates::category_from_meta;
use campaign_domain::{TemplateCategory, TemplateStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A template's status changed, or went through a step of its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateStatusUpdate {
    pub template_id: Option<String>,
    pub name: String,
    pub language: String,
    /// The new status; `None` when the event is not a status this engine knows (`FLAGGED`,
    /// `UNARCHIVED`, ...): the catalog, read again, says where the template stands.
    pub status: Option<TemplateStatus>,
    /// The event as Meta wrote it.
    pub raw_status: String,
    /// Meta's reason (a rejection's or a pause's), `None` when it says `NONE`.
    pub reason: Option<String>,
    pub category: Option<TemplateCategory>,
}

/// A template's category changed, or will.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateCategoryUpdate {
    pub template_id: Option<String>,
    pub name: String,
    pub language: Option<String>,
    /// The category to route on now (`new_category`); on an announced change, still the
    /// current one.
    pub category: Option<TemplateCategory>,
    /// `new_category` as Meta wrote it.
    pub raw_category: String,
    /// On an announced change, the category to come (`correct_category`), for operators; it
    /// must not be routed on before the change is made. `None` once made.
    pub announced: Option<String>,
}

/// A template's quality score changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateQualityUpdate {
    pub template_id: Option<String>,
    pub name: String,
    pub language: Option<String>,
    pub quality: Option<TemplateQuality>,
    pub previous: Option<TemplateQuality>,
}

/// Meta's quality score of a template: low quality comes before a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateQuality {
    Green,
    Yellow,
    Red,
    /// Meta's `UNKNOWN`: no score yet.
    Pending,
}

impl TemplateQuality {
    /// Reads Meta's spelling (`GREEN`, ..., `UNKNOWN`); `None` for another.
    pub fn from_meta(score: &str) -> Option<TemplateQuality> {
        match score.trim().to_ascii_uppercase().as_str() {
            "GREEN" => Some(TemplateQuality::Green),
            "YELLOW" => Some(TemplateQuality::Yellow),
            "RED" => Some(TemplateQuality::Red),
            "UNKNOWN" => Some(TemplateQuality::Pending),
            _ => None,
        }
    }
}

/// The template's name, which every template change must carry.
fn template_name(value: &Value, what: &str) -> Result<String, MalformedNotification> {
    filled(value, "message_template_name")
        .map(str::to_owned)
        .ok_or_else(|| MalformedNotification::new(format!("{what} has no `message_template_name`")))
}

fn language(value: &Value) -> Option<String> {
    filled(value, "message_template_language").map(str::to_owned)
}

impl TemplateStatusUpdate {
    pub(super) fn read(value: &Value) -> Result<TemplateStatusUpdate, MalformedNotification> {
        const WHAT: &str = "template status update";
        let raw_status = filled(value, "event")
            .ok_or_else(|| MalformedNotification::new(format!("{WHAT} has no `event`")))?;
        Ok(TemplateStatusUpdate {
            template_id: id_text(value, "message_template_id"),
            name: template_name(value, WHAT)?,
            language: language(value).ok_or_else(|| {
                MalformedNotification::new(format!("{WHAT} has no `message_template_language`"))
            })?,
            status: TemplateStatus::from_meta(raw_status),
            raw_status: raw_status.to_owned(),
            reason: filled(value, "reason")
                .filter(|reason| !reason.eq_ignore_ascii_case("NONE"))
                .map(str::to_owned),
            category: text(value, "message_template_category").and_then(category_from_meta),
        })
    }
}

impl TemplateCategoryUpdate {
    pub(super) fn read(value: &Value) -> Result<TemplateCategoryUpdate, MalformedNotification> {
        const WHAT: &str = "template category update";
        let raw_category = filled(value, "new_category")
            .ok_or_else(|| MalformedNotification::new(format!("{WHAT} has no `new_category`")))?;
        Ok(TemplateCategoryUpdate {
            template_id: id_text(value, "message_template_id"),
            name: template_name(value, WHAT)?,
            language: language(value),
            category: category_from_meta(raw_category),
            raw_category: raw_category.to_owned(),
            announced: filled(value, "correct_category").map(str::to_owned),
        })
    }
}

impl TemplateQualityUpdate {
    pub(super) fn read(value: &Value) -> Result<TemplateQualityUpdate, MalformedNotification> {
        let score = |field: &str| text(value, field).and_then(TemplateQuality::from_meta);
        Ok(TemplateQualityUpdate {
            template_id: id_text(value, "message_template_id"),
            name: template_name(value, "template quality update")?,
            language: language(value),
            quality: score("new_quality_score"),
            previous: score("previous_quality_score"),
        })
    }
}

/// The messaging limit a capability change carries (`Some(None)`: unlimited), or `None` when it
/// carries none that can be read: `max_daily_conversations_per_business`, else the per-phone
/// field Meta sent before February 2026.
pub(super) fn messaging_limit(value: &Value) -> Option<Option<i32>> {
    [
        "max_daily_conversations_per_business",
        "max_daily_conversation_per_phone",
    ]
    .into_iter()
    .filter_map(|field| value.get(field))
    .find_map(|limit| read_messaging_limit(limit).ok())
}
