//! `/sandbox/config`: the contact behaviour (webhook target, replies, delays) as shown, and the
//! partial updates that change it.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

use crate::http::{ApiError, JsonBody, invalid_phone};
use crate::phone;
use crate::state::{AppState, Behaviour, ReplyKind};

/// The behaviour as `GET`/`POST /sandbox/config` show it; the secret itself is never echoed.
#[derive(Serialize)]
pub(super) struct BehaviourView {
    webhook_url: Option<String>,
    webhook_secret_set: bool,
    reply_probability: f64,
    reply_delay_ms: u64,
    ack_delay_ms: u64,
    reply_types: Vec<ReplyKind>,
    scripted_replies: BTreeMap<String, ScriptedReply>,
}

/// A scripted answer: a text (`"STOP"`), or a quick-reply button tap (`{"button": "STOP"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum ScriptedReply {
    Text(String),
    Button { button: String },
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl From<Behaviour> for BehaviourView {
    fn from(behaviour: Behaviour) -> Self {
        Self {
            reply_types: if behaviour.reply_types.is_empty() {
                ReplyKind::META_ALL.to_vec()
            } else {
                behaviour.reply_types.clone()
            },
            scripted_replies: behaviour
                .scripted_replies
                .iter()
                .map(|(number, text)| (number.clone(), ScriptedReply::Text(text.clone())))
                .chain(behaviour.scripted_buttons.iter().map(|(number, button)| {
                    let button = button.clone();
                    (number.clone(), ScriptedReply::Button { button })
                }))
                .collect(),
            webhook_url: behaviour.webhook_url,
            webhook_secret_set: behaviour.webhook_secret.is_some(),
            reply_probability: behaviour.reply_probability,
            reply_delay_ms: millis(behaviour.reply_delay),
            ack_delay_ms: millis(behaviour.ack_delay),
        }
    }
}

/// A partial update of the behaviour: omitted fields keep their value, and `null` (or `""`)
/// clears the webhook URL or secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BehaviourPatch {
    #[serde(default, deserialize_with = "present")]
    webhook_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    webhook_secret: Option<Option<String>>,
    reply_probability: Option<f64>,
    reply_delay_ms: Option<u64>,
    ack_delay_ms: Option<u64>,
    reply_types: Option<Vec<ReplyKind>>,
    /// Replaces the whole map (texts and buttons); numbers are normalised to E.164 with `+`.
    scripted_replies: Option<BTreeMap<String, ScriptedReply>>,
}

/// Distinguishes a field set to `null` (`Some(None)`) from an omitted one (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty())
}

impl BehaviourPatch {
    fn apply(self, behaviour: &mut Behaviour) -> Result<(), ApiError> {
        if let Some(url) = self.webhook_url {
            let url = non_empty(url);
            if let Some(url) = &url {
                let parsed = reqwest::Url::parse(url).map_err(|err| {
                    ApiError::bad_request("invalid_config", format!("webhook_url: {err}"))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ApiError::bad_request(
                        "invalid_config",
                        "webhook_url must be an http(s) URL",
                    ));
                }
            }
            behaviour.webhook_url = url;
        }
        if let Some(secret) = self.webhook_secret {
            let secret = non_empty(secret);
            if secret
                .as_deref()
                .is_some_and(|secret| HeaderValue::from_str(secret).is_err())
            {
                return Err(ApiError::bad_request(
                    "invalid_config",
                    "webhook_secret must be usable as an HTTP header value",
                ));
            }
            behaviour.webhook_secret = secret;
        }
        if let Some(probability) = self.reply_probability {
            if !(0.0..=1.0).contains(&probability) {
                return Err(ApiError::bad_request(
                    "invalid_config",
                    format!("reply_probability must be between 0 and 1, got {probability}"),
                ));
            }
            behaviour.reply_probability = probability;
        }
        if let Some(delay) = self.reply_delay_ms {
            behaviour.reply_delay = std::time::Duration::from_millis(delay);
        }
        if let Some(delay) = self.ack_delay_ms {
            behaviour.ack_delay = std::time::Duration::from_millis(delay);
        }
        if let Some(kinds) = self.reply_types {
            behaviour.reply_types = kinds;
        }
        if let Some(scripted) = self.scripted_replies {
            behaviour.scripted_replies.clear();
            behaviour.scripted_buttons.clear();
            for (number, reply) in scripted {
                let number = phone::normalize(&number).ok_or_else(|| invalid_phone(&number))?;
                match reply {
                    ScriptedReply::Text(text) => behaviour.scripted_replies.insert(number, text),
                    ScriptedReply::Button { button } => {
                        behaviour.scripted_buttons.insert(number, button)
                    }
                };
            }
        }
        Ok(())
    }
}

pub(super) async fn get_config(State(state): State<AppState>) -> Json<BehaviourView> {
    Json(state.behaviour().into())
}

pub(super) async fn set_config(
    State(state): State<AppState>,
    JsonBody(patch): JsonBody<BehaviourPatch>,
) -> Result<Json<BehaviourView>, ApiError> {
    let behaviour = state.update_behaviour(|behaviour| patch.apply(behaviour))?;
    tracing::info!(?behaviour, "behaviour updated");
    Ok(Json(behaviour.into()))
}
