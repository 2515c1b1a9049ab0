//! The Wassenger-compatible endpoints under `/v1`: sending a message, searching sent messages
//! by reference, and the number check.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ApiError, Authorized, JsonBody, injected_response, invalid_phone, query};
use crate::phone;
use crate::record::AcceptedRecord;
use crate::state::AppState;
use crate::webhook;

/// Longest message accepted, in characters: WhatsApp's limit for a text message.
const MAX_MESSAGE_CHARS: usize = 4096;

/// An accepted message in the shape Wassenger returns from `POST /v1/messages`.
fn message_view(state: &AppState, record: &AcceptedRecord) -> Value {
    let date = record
        .accepted_at
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({
        "id": record.id,
        "waId": record.wa_id,
        "phone": record.phone,
        "wid": phone::wid(&record.phone),
        "status": "queued",
        "deliveryStatus": "queued",
        "createdAt": date,
        "deliverAt": date,
        "message": record.message,
        "reference": record.reference,
        "priority": "normal",
        "retry": { "count": 0 },
        "webhookStatus": "pending",
        "media": { "format": "native" },
        "device": state.device_id(),
    })
}

#[derive(Deserialize)]
pub(super) struct SendRequest {
    phone: String,
    message: String,
    #[serde(default)]
    reference: Option<String>,
}

pub(super) async fn send_message(
    State(state): State<AppState>,
    _: Authorized,
    JsonBody(request): JsonBody<SendRequest>,
) -> Result<Response, ApiError> {
    // Processed in its own task so that it completes even if the client gives up (a timeout
    // shorter than the injected latency): like the real API, a send that arrived is accepted,
    // which is exactly the ambiguity `find_by_reference` exists to resolve.
    tokio::spawn(process_send(state, request))
        .await
        .map_err(|err| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                format!("send task failed: {err}"),
            )
        })?
}

async fn process_send(state: AppState, request: SendRequest) -> Result<Response, ApiError> {
    let plan = state.plan_send();
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if let Some(failure) = plan.failure {
        tracing::info!(status = failure.status, "injected send failure");
        return Ok(injected_response(failure));
    }
    let phone = phone::normalize(&request.phone).ok_or_else(|| invalid_phone(&request.phone))?;
    if request.message.trim().is_empty() {
        return Err(ApiError::bad_request(
            "invalid_message",
            "message must not be empty",
        ));
    }
    let length = request.message.chars().count();
    if length > MAX_MESSAGE_CHARS {
        return Err(ApiError::bad_request(
            "message_too_long",
            format!("message is {length} characters long, the maximum is {MAX_MESSAGE_CHARS}"),
        ));
    }
    let (record, behaviour) = state.accept(phone, request.message, request.reference);
    tracing::info!(id = %record.id, reference = ?record.reference, "accepted message");
    let body = message_view(&state, &record);
    webhook::spawn_conversation(state, record, behaviour);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    reference: Option<String>,
}

/// Wassenger's outbound-message search, reduced to the `reference` filter.
pub(super) async fn search_messages(
    State(state): State<AppState>,
    _: Authorized,
    search: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let records = match query(search)?.reference {
        Some(reference) => state.records_with_reference(&reference),
        None => state.records(None),
    };
    Ok(Json(
        records
            .iter()
            .map(|record| message_view(&state, record))
            .collect(),
    ))
}

#[derive(Deserialize)]
pub(super) struct ExistsRequest {
    phone: String,
}

pub(super) async fn number_exists(
    State(state): State<AppState>,
    _: Authorized,
    JsonBody(request): JsonBody<ExistsRequest>,
) -> Result<Json<Value>, ApiError> {
    let phone = phone::normalize(&request.phone).ok_or_else(|| invalid_phone(&request.phone))?;
    let exists = state.has_whatsapp(&phone);
    Ok(Json(json!({
        "exists": exists,
        "phone": phone,
        "wid": exists.then(|| phone::wid(&phone)),
        "isBusiness": false,
    })))
}
