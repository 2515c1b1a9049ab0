//! The bodies the Wassenger client sends and reads, reduced to the fields it needs and read
//! leniently where a field could only lose an acceptance.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/messages`.
#[derive(Serialize)]
pub(super) struct SendBody<'a> {
    pub(super) phone: &'a str,
    pub(super) message: &'a str,
    pub(super) reference: &'a str,
}

/// The part of Wassenger's message object this client needs.
#[derive(Deserialize)]
pub(super) struct MessageBody {
    pub(super) id: String,
    #[serde(default)]
    pub(super) reference: Option<String>,
    /// RFC 3339; an unreadable date is treated as absent rather than losing the acceptance.
    #[serde(default, rename = "createdAt", deserialize_with = "lenient_date")]
    pub(super) created_at: Option<DateTime<Utc>>,
}

fn lenient_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let raw = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(raw
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|date| DateTime::parse_from_rfc3339(date).ok())
        .map(|date| date.with_timezone(&Utc)))
}

/// `GET /v1/messages` answers a JSON array; a `{data: [...]}` envelope is accepted as well so
/// that a paginated variant cannot break crash recovery.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum MessageList {
    Bare(Vec<MessageBody>),
    Wrapped { data: Vec<MessageBody> },
}

/// Body of `POST /v1/numbers/exists`.
#[derive(Serialize)]
pub(super) struct ExistsRequest<'a> {
    pub(super) phone: &'a str,
}

/// The part of the `numbers/exists` answer this client needs.
#[derive(Deserialize)]
pub(super) struct ExistsResponse {
    pub(super) exists: bool,
}
