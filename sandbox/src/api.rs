//! HTTP surface: the Wassenger-compatible API under `/v1` and the sandbox controls under
//! `/sandbox`.
//!
//! Every error, including malformed JSON, oversized bodies and unknown routes, is answered with
//! Wassenger's error shape `{status, errorCode, message}`, so the engine's error classification
//! sees the same bodies it would see in production.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

use crate::meta;
use crate::phone;
use crate::record::AcceptedRecord;
use crate::state::{AppState, Behaviour, Faults, InjectedFailure, ReplyKind};
use crate::webhook;

/// Largest request body accepted. A WhatsApp text is at most 4096 characters (16 KiB of UTF-8),
/// so anything bigger is a client bug, answered `413`.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest message accepted, in characters: WhatsApp's limit for a text message.
const MAX_MESSAGE_CHARS: usize = 4096;

/// `Retry-After` (seconds) sent with every `429`, so clients can exercise their handling of it.
const RATE_LIMIT_RETRY_AFTER_SECS: u64 = 1;

/// Header carrying the API token. Like the real API, `Authorization: <token>` (with or without
/// `Bearer `) is accepted as well.
const TOKEN_HEADER: &str = "Token";

/// All routes, sharing `state`.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/messages", post(send_message).get(search_messages))
        .route("/v1/numbers/exists", post(number_exists))
        .route("/sandbox/health", get(health))
        .route(
            "/sandbox/messages",
            get(list_accepted).delete(clear_accepted),
        )
        .route("/sandbox/faults", get(get_faults).post(set_faults))
        .route("/sandbox/config", get(get_config).post(set_config))
        .merge(meta::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// An error answered in Wassenger's shape.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({
            "status": self.status.as_u16(),
            "errorCode": self.code,
            "message": self.message,
        }));
        with_retry_after((self.status, body).into_response())
    }
}

/// Adds `Retry-After` to `429` responses.
fn with_retry_after(mut response: Response) -> Response {
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RATE_LIMIT_RETRY_AFTER_SECS));
    }
    response
}

/// The response for a failure chosen by the fault injector.
fn injected_response(failure: InjectedFailure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match failure.body {
        Some(body) => {
            let content_type = if serde_json::from_str::<IgnoredAny>(&body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            with_retry_after((status, [(CONTENT_TYPE, content_type)], body).into_response())
        }
        None => {
            let (code, message) = match status.as_u16() {
                429 => (
                    "rate_limit_exceeded",
                    "Too many requests: rate limit exceeded, retry later",
                ),
                401 => ("unauthorized", "Invalid or missing API token"),
                500..=599 => ("internal_error", "Internal server error (injected)"),
                _ => ("injected_error", "Request failed (injected)"),
            };
            ApiError::new(status, code, message).into_response()
        }
    }
}

/// A JSON body parsed leniently (any or no content type) into Wassenger-shaped `400`s.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_body"
            };
            ApiError::new(rejection.status(), code, rejection.body_text())
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|err| {
            ApiError::bad_request("invalid_body", format!("invalid JSON body: {err}"))
        })
    }
}

/// Query string parsing with Wassenger-shaped `400`s.
fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(value)| value)
        .map_err(|rejection| ApiError::bad_request("invalid_query", rejection.body_text()))
}

/// Proof that the request carried the configured API token.
struct Authorized;

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|value: &HeaderValue| value.to_str().ok())
        };
        let presented = header(TOKEN_HEADER).or_else(|| {
            header(AUTHORIZATION.as_str())
                .map(|value| value.strip_prefix("Bearer ").unwrap_or(value))
        });
        match presented {
            Some(token) if token == state.token() => Ok(Self),
            _ => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Invalid or missing API token",
            )),
        }
    }
}

fn invalid_phone(raw: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_phone",
        format!(
            "Invalid phone number {raw:?}: expected E.164 digits with an optional leading +, \
             8 to 15 digits long"
        ),
    )
}

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
struct SendRequest {
    phone: String,
    message: String,
    #[serde(default)]
    reference: Option<String>,
}

async fn send_message(
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
struct SearchQuery {
    reference: Option<String>,
}

/// Wassenger's outbound-message search, reduced to the `reference` filter.
async fn search_messages(
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
struct ExistsRequest {
    phone: String,
}

async fn number_exists(
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

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[derive(Deserialize)]
struct PhoneFilter {
    phone: Option<String>,
}

async fn list_accepted(
    State(state): State<AppState>,
    filter: Result<Query<PhoneFilter>, QueryRejection>,
) -> Result<Json<Vec<AcceptedRecord>>, ApiError> {
    let phone = query(filter)?
        .phone
        .map(|raw| phone::normalize(&raw).ok_or_else(|| invalid_phone(&raw)))
        .transpose()?;
    Ok(Json(state.records(phone.as_deref())))
}

async fn clear_accepted(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "deleted": state.clear_records() }))
}

async fn get_faults(State(state): State<AppState>) -> Json<Faults> {
    Json(state.faults())
}

/// Replaces the faults wholesale; omitted fields reset to "no fault", so `{}` clears them all.
async fn set_faults(
    State(state): State<AppState>,
    JsonBody(faults): JsonBody<Faults>,
) -> Result<Json<Faults>, ApiError> {
    state
        .set_faults(faults)
        .map_err(|err| ApiError::bad_request("invalid_faults", err.to_string()))?;
    Ok(Json(state.faults()))
}

/// The behaviour as `GET`/`POST /sandbox/config` show it; the secret itself is never echoed.
#[derive(Serialize)]
struct BehaviourView {
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
struct BehaviourPatch {
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

async fn get_config(State(state): State<AppState>) -> Json<BehaviourView> {
    Json(state.behaviour().into())
}

async fn set_config(
    State(state): State<AppState>,
    JsonBody(patch): JsonBody<BehaviourPatch>,
) -> Result<Json<BehaviourView>, ApiError> {
    let behaviour = state.update_behaviour(|behaviour| patch.apply(behaviour))?;
    tracing::info!(?behaviour, "behaviour updated");
    Ok(Json(behaviour.into()))
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed on this endpoint",
    )
}
