//! What crosses the provider boundary for one send: whether the provider in use takes free text
//! or approved templates as Message 1 (SPEC §7), and the body of a message as it leaves.

use crate::meta_template::RenderedTemplate;
use serde::{Deserialize, Serialize};

/// What the provider in use takes as Message 1, a business-initiated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Channel {
    /// Free text (Wassenger).
    FreeText,
    /// Approved templates only, within the business's messaging limit (Meta's Cloud API):
    /// `messaging_limit`, when configured, stands instead of the one read from the account.
    Templates { messaging_limit: Option<i32> },
}

/// The body of a message as it leaves: free text, or an approved template with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MessageContent {
    /// Free text (Wassenger; Meta only inside the customer-service window).
    Text { body: String },
    /// An approved template, rendered for this contact (Meta only).
    Template(RenderedTemplate),
}

impl MessageContent {
    /// Free text.
    pub fn text(body: impl Into<String>) -> MessageContent {
        MessageContent::Text { body: body.into() }
    }
}
