//! What the sandbox remembers of every accepted send, on either API, so tests can assert
//! "exactly one Message 1 per contact" without caring which provider the engine spoke.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The endpoint that accepted a send; it also tells which API the engine spoke.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendEndpoint {
    /// Wassenger's `POST /v1/messages`.
    #[default]
    WassengerMessages,
    /// Meta's `POST /{version}/{phone_number_id}/messages`.
    MetaMessages,
    /// Meta's `POST /{version}/{phone_number_id}/marketing_messages`.
    MetaMarketingMessages,
}

impl SendEndpoint {
    /// Whether the send went through Meta's Cloud API.
    pub fn is_meta(self) -> bool {
        !matches!(self, Self::WassengerMessages)
    }
}

/// One parameter of an accepted template message, as the engine sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedParameter {
    /// The component it fills: `header` or `body`.
    pub component: String,
    /// `parameter_name` for a named template; `None` for a positional one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The text value.
    pub text: String,
}

/// The template of an accepted Meta template message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedTemplate {
    /// Template name.
    pub name: String,
    /// Language code, e.g. `fr` or `en_US`.
    pub language: String,
    /// Parameters in the order they were sent.
    pub parameters: Vec<AcceptedParameter>,
}

/// A message the sandbox accepted, as tests see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedRecord {
    /// Wassenger-style message id (24 hex characters), or Meta's `wamid.…`, as the send returned.
    pub id: String,
    /// WhatsApp-style message id, as Wassenger's `waId`; the same `wamid.…` on Meta.
    pub wa_id: String,
    /// Recipient, normalized to E.164 with `+`.
    pub phone: String,
    /// Text body; for a template, its body with the parameters filled in.
    pub message: String,
    /// The client's `reference` (Wassenger) or `biz_opaque_callback_data` (Meta), when given.
    pub reference: Option<String>,
    /// When the send was accepted, serialized as RFC 3339 with milliseconds.
    #[serde(with = "rfc3339_millis")]
    pub accepted_at: DateTime<Utc>,
    /// The endpoint that accepted it.
    #[serde(default)]
    pub endpoint: SendEndpoint,
    /// The template, for a Meta template message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<AcceptedTemplate>,
}

/// RFC 3339 with exactly millisecond precision, the format Wassenger uses for dates.
mod rfc3339_millis {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|date| date.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}
