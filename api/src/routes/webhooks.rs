//! `POST /webhooks/wassenger`: the provider's events, turned into workflow signals and
//! message status changes (SPEC §7, R15).
//!
//! The answer is 2xx only once the event's effect is durable: the `interaction` signal accepted
//! by Temporal, or the row written. When Temporal or Postgres is down the answer is 503, so the
//! provider redelivers; redelivered events change nothing (the journey drops an interaction id
//! it has seen, the interactions table has a unique provider id, and message status only moves
//! forward). The secret is compared in constant time, before the body is even parsed.

use crate::context::ApiContext;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::openapi::{ErrorBody, WebhookAnswer};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use campaign_domain::{
    InteractionType, JourneyWorkflowId, MessageReference, MessageStatus, MessageType, PhoneNumber,
};
use campaign_store::NewInteraction;
use campaign_workflows::{ContactJourney, Interaction};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use temporalio_client::WorkflowSignalOptions;
use temporalio_client::errors::WorkflowInteractionError;

/// Header carrying the shared secret (the query parameter `token` is accepted too).
pub const SECRET_HEADER: &str = "x-webhook-secret";

pub fn routes() -> Router<ApiContext> {
    Router::new().route("/webhooks/wassenger", post(receive))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SecretQuery {
    /// The shared webhook secret, when the `x-webhook-secret` header is not used.
    token: Option<String>,
}

/// What the bridge did with an event, echoed in the answer for operators reading logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handled {
    Signalled,
    RecordedLate,
    RecordedWithoutJourney,
    StatusMoved,
    StatusUnchanged,
    Ignored,
}

impl Handled {
    fn as_str(self) -> &'static str {
        match self {
            Handled::Signalled => "signalled",
            Handled::RecordedLate => "recorded_late",
            Handled::RecordedWithoutJourney => "recorded_without_journey",
            Handled::StatusMoved => "status_updated",
            Handled::StatusUnchanged => "status_unchanged",
            Handled::Ignored => "ignored",
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/wassenger",
    tag = "webhooks",
    operation_id = "wassenger_webhook",
    params(
        ("x-webhook-secret" = Option<String>, Header, description = "The shared webhook secret (or the `token` query parameter)"),
        SecretQuery,
    ),
    request_body(
        content = Object,
        content_type = "application/json",
        description = "A Wassenger event: `message:in:new`, `message:reaction`, `message:out:ack`, `message:update` or `message:out:failed` (others are ignored)",
    ),
    responses(
        (status = 200, description = "The event's effect is durable", body = WebhookAnswer),
        (status = 400, description = "Malformed event", body = ErrorBody),
        (status = 401, description = "Missing or wrong webhook secret", body = ErrorBody),
        (status = 503, description = "Temporal or the database is unavailable, or the acknowledged message is not recorded yet: the provider should redeliver", body = ErrorBody),
    )
)]
async fn receive(
    State(context): State<ApiContext>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<SecretQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<Value>> {
    let presented = headers
        .get(SECRET_HEADER)
        .map(|value| value.as_bytes().to_vec())
        .or(query.token.map(String::into_bytes));
    let expected = context.config.webhook_secret.expose().as_bytes();
    if !presented.is_some_and(|secret| bool::from(secret.as_slice().ct_eq(expected))) {
        return Err(ApiError::Unauthorized("missing or wrong webhook secret"));
    }
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(rejection.body_text()),
    })?;
    let event: Value = serde_json::from_slice(&body)
        .map_err(|err| ApiError::BadRequest(format!("malformed webhook body: {err}")))?;
    let name = event
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::BadRequest("webhook body has no `event`".to_owned()))?;
    context
        .metrics
        .webhook_events
        .with_label_values(&[known_event(name)])
        .inc();
    let handled = match name {
        "message:in:new" | "message:reaction" => {
            interaction(&context, inbound(&event, name)?).await?
        }
        "message:out:ack" | "message:update" => {
            let (provider_id, status) = acknowledgement(&event)?;
            match status {
                Some(status) => move_status(&context, &event, &provider_id, status).await?,
                None => Handled::Ignored,
            }
        }
        "message:out:failed" => {
            let provider_id = message_id(data(&event)?)?;
            move_status(&context, &event, &provider_id, MessageStatus::Failed).await?
        }
        _ => Handled::Ignored,
    };
    Ok(axum::Json(json!({ "status": handled.as_str() })))
}

/// Event names as metric labels: unknown ones share one label so a caller cannot create
/// unbounded series.
fn known_event(name: &str) -> &'static str {
    match name {
        "message:in:new" => "message:in:new",
        "message:reaction" => "message:reaction",
        "message:out:ack" => "message:out:ack",
        "message:update" => "message:update",
        "message:out:failed" => "message:out:failed",
        _ => "other",
    }
}

fn data(event: &Value) -> ApiResult<&Value> {
    event
        .get("data")
        .filter(|data| data.is_object())
        .ok_or_else(|| ApiError::BadRequest("webhook body has no `data` object".to_owned()))
}

/// Longest provider message id accepted: Wassenger's are 24 characters, WhatsApp's about 30; the
/// unique index on them refuses much longer keys anyway.
const MAX_MESSAGE_ID_LEN: usize = 256;

fn message_id(data: &Value) -> ApiResult<String> {
    let id = data
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::BadRequest("webhook data has no message `id`".to_owned()))?;
    if id.len() > MAX_MESSAGE_ID_LEN || id.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(format!(
            "message `id` must be at most {MAX_MESSAGE_ID_LEN} printable characters"
        )));
    }
    Ok(id.to_owned())
}

/// A phone as Wassenger writes it (with or without `+`), in E.164 with `+`.
fn phone(raw: &str) -> ApiResult<PhoneNumber> {
    let digits = raw.trim().trim_start_matches('+');
    PhoneNumber::parse(&format!("+{digits}"))
        .map_err(|err| ApiError::BadRequest(format!("invalid phone {raw:?}: {err}")))
}

/// An inbound message or reaction, parsed.
struct Inbound {
    provider_message_id: String,
    phone: PhoneNumber,
    interaction_type: InteractionType,
    content: Option<String>,
    received_at: DateTime<Utc>,
    /// `(campaign, contact)` of the Message 1 it quotes, if any.
    quoted: Option<(i64, i64)>,
}

fn inbound(event: &Value, name: &str) -> ApiResult<Inbound> {
    let data = data(event)?;
    let from = data
        .get("fromNumber")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::BadRequest("inbound message has no `fromNumber`".to_owned()))?;
    let interaction_type = if name == "message:reaction" {
        InteractionType::Emoji
    } else {
        InteractionType::from_provider_type(data.get("type").and_then(Value::as_str).unwrap_or(""))
    };
    let received_at = message_time(event)?;
    let quoted = data
        .get("quoted")
        .and_then(|quoted| quoted.get("reference"))
        .and_then(Value::as_str)
        .and_then(message_1_reference);
    Ok(Inbound {
        provider_message_id: message_id(data)?,
        phone: phone(from)?,
        interaction_type,
        // Postgres text cannot hold NUL; nothing a person typed is lost by dropping it.
        content: data
            .get("body")
            .and_then(Value::as_str)
            .map(|body| body.replace('\0', "")),
        received_at,
        quoted,
    })
}

/// Event times accepted: none before this (Unix seconds of 2000-01-01) ...
const EARLIEST_EVENT_SECS: i64 = 946_684_800;
/// ... nor further in the future than this, for clocks slightly ahead.
const MAX_CLOCK_SKEW_SECS: i64 = 24 * 3600;

/// When a person sent what an inbound event reports: the message's `timestamp`, else the
/// event's `created`, else now.
fn message_time(event: &Value) -> ApiResult<DateTime<Utc>> {
    plausible_time(
        event
            .get("data")
            .and_then(|data| data.get("timestamp"))
            .and_then(Value::as_i64)
            .or_else(|| event.get("created").and_then(Value::as_i64)),
    )
}

/// When an ack happened: the event's `created` (the message's own `timestamp` is when it was
/// sent), else now.
fn ack_time(event: &Value) -> ApiResult<DateTime<Utc>> {
    plausible_time(event.get("created").and_then(Value::as_i64))
}

/// Unix seconds as a time, now when absent; a time no provider could have stamped is a
/// malformed body.
fn plausible_time(stamped: Option<i64>) -> ApiResult<DateTime<Utc>> {
    let Some(secs) = stamped else {
        return Ok(Utc::now());
    };
    let latest = Utc::now().timestamp() + MAX_CLOCK_SKEW_SECS;
    if !(EARLIEST_EVENT_SECS..=latest).contains(&secs) {
        return Err(ApiError::BadRequest(format!(
            "event time {secs} is not a plausible Unix time"
        )));
    }
    Utc.timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| ApiError::BadRequest(format!("event time {secs} is invalid")))
}

/// The journey a quoted reference names, when it is a Message 1 (replies quote Message 1).
fn message_1_reference(reference: &str) -> Option<(i64, i64)> {
    let reference: MessageReference = reference.parse().ok()?;
    (reference.message_type == MessageType::Message1)
        .then_some((reference.campaign_id, reference.contact_id))
}

/// Signals the journey the interaction belongs to (R3; SPEC §7: the open journey it
/// quotes, else the latest Message 1 to that phone), or records it when that journey has already
/// ended (a late reply, R4) or when no journey exists (R6).
async fn interaction(context: &ApiContext, inbound: Inbound) -> ApiResult<Handled> {
    let journey = context
        .store
        .journey_for_interaction(inbound.phone.as_str(), inbound.quoted, inbound.received_at)
        .await?;
    let Some((campaign_id, contact_id)) = journey else {
        let contact_id = context
            .store
            .contact_id_by_phone(inbound.phone.as_str())
            .await?;
        context
            .store
            .record_interactions(&[record(&inbound, None, contact_id)])
            .await?;
        return Ok(Handled::RecordedWithoutJourney);
    };
    let signal = Interaction {
        provider_message_id: inbound.provider_message_id.clone(),
        interaction_type: inbound.interaction_type,
        phone: inbound.phone.as_str().to_owned(),
        content: inbound.content.clone(),
        received_at_ms: inbound.received_at.timestamp_millis(),
    };
    let sent = context
        .temporal
        .get_workflow_handle::<ContactJourney>(
            JourneyWorkflowId::new(campaign_id, contact_id).to_string(),
        )
        .signal(
            ContactJourney::interaction,
            signal,
            WorkflowSignalOptions::default(),
        )
        .await;
    let result = match &sent {
        Ok(()) => "ok",
        Err(WorkflowInteractionError::NotFound(_)) => "journey_closed",
        Err(_) => "error",
    };
    context
        .metrics
        .signals_sent
        .with_label_values(&["interaction", result])
        .inc();
    match sent {
        Ok(()) => Ok(Handled::Signalled),
        Err(WorkflowInteractionError::NotFound(_)) => {
            context
                .store
                .record_late_interaction(&record(&inbound, Some(campaign_id), Some(contact_id)))
                .await?;
            Ok(Handled::RecordedLate)
        }
        Err(err) => {
            tracing::warn!(%err, campaign_id, contact_id, "interaction signal failed");
            Err(ApiError::Unavailable("Temporal"))
        }
    }
}

fn record(inbound: &Inbound, campaign_id: Option<i64>, contact_id: Option<i64>) -> NewInteraction {
    NewInteraction {
        campaign_id,
        contact_id,
        phone: inbound.phone.as_str().to_owned(),
        interaction_type: inbound.interaction_type.as_str().to_owned(),
        provider_message_id: inbound.provider_message_id.clone(),
        content: inbound.content.clone(),
        received_at: inbound.received_at,
        within_window: false,
    }
}

/// The message and its new status from an ack event; `None` for acks that mean nothing new
/// (e.g. `pending`).
fn acknowledgement(event: &Value) -> ApiResult<(String, Option<MessageStatus>)> {
    let data = data(event)?;
    let ack = event
        .get("ack")
        .or_else(|| data.get("ack"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let status = match ack {
        "sent" | "server" => Some(MessageStatus::Sent),
        "delivered" | "device" => Some(MessageStatus::Delivered),
        "read" | "played" => Some(MessageStatus::Read),
        "failed" | "error" => Some(MessageStatus::Failed),
        _ => None,
    };
    Ok((message_id(data)?, status))
}

/// Moves a message forward (R7) and its campaign's delivered / read / failed counters with it.
///
/// The provider may acknowledge a message before the send activity has written the id it got
/// back: an ack for one of our messages (its `reference` says so) whose id is not recorded yet
/// answers 503, and the provider's redelivery finds it.
async fn move_status(
    context: &ApiContext,
    event: &Value,
    provider_message_id: &str,
    status: MessageStatus,
) -> ApiResult<Handled> {
    let moved = context
        .store
        .advance_message_status_at(provider_message_id, status, ack_time(event)?)
        .await?;
    if moved {
        return Ok(Handled::StatusMoved);
    }
    let ours = data(event)?
        .get("reference")
        .and_then(Value::as_str)
        .is_some_and(MessageReference::is_engine_reference);
    if ours && !context.store.message_recorded(provider_message_id).await? {
        return Err(ApiError::Unavailable("the acknowledged message's record"));
    }
    Ok(Handled::StatusUnchanged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_1_references_are_parsed_and_others_refused() {
        assert_eq!(
            message_1_reference("campaign-12-contact-345-message_1"),
            Some((12, 345))
        );
        assert_eq!(
            message_1_reference("campaign-12-contact-345-message_2"),
            None
        );
        assert_eq!(message_1_reference("campaign-1:contact-7:step-0"), None);
        assert_eq!(message_1_reference(""), None);
    }

    #[test]
    fn phones_match_with_and_without_plus() {
        assert_eq!(
            phone("33612345678").unwrap(),
            phone("+33612345678").unwrap()
        );
        assert!(phone("not a phone").is_err());
    }
}
