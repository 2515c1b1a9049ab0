//! The Graph API endpoints the engine calls: sends, the template list and the phone number's
//! fields. Errors are Graph's `{"error": {...}}` bodies with Meta's HTTP statuses.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::delivery;
use super::send::{self, SendContext};
use crate::meta_account::MetaTemplate;
use crate::meta_account::is_graph_version;
use crate::meta_account::{MetaErrorCode, error_body};
use crate::record::SendEndpoint;
use crate::state::AppState;

/// Templates per page when the client gives no `limit`.
const DEFAULT_PAGE_SIZE: usize = 25;

/// A Graph error answer.
pub(crate) struct GraphError {
    code: MetaErrorCode,
    details: Option<String>,
}

impl GraphError {
    pub(crate) fn new(code: MetaErrorCode, details: impl Into<String>) -> Self {
        Self {
            code,
            details: Some(details.into()),
        }
    }

    fn bare(code: MetaErrorCode) -> Self {
        Self {
            code,
            details: None,
        }
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(error_body(self.code, self.details.as_deref()))).into_response()
    }
}

/// Proof that the request carried `Authorization: Bearer <access token>`, compared in constant
/// time.
pub(crate) struct Bearer;

impl FromRequestParts<AppState> for Bearer {
    type Rejection = GraphError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, GraphError> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        let expected = state.meta().access_token();
        if bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
            Ok(Self)
        } else {
            Err(GraphError::bare(MetaErrorCode::AccessTokenExpired))
        }
    }
}

/// Refuses a path whose version is not accepted or whose node is not `expected`, as Graph
/// refuses an unknown object.
fn check_node(
    state: &AppState,
    version: &str,
    node: &str,
    expected: &str,
) -> Result<(), GraphError> {
    if state.meta().accepts_version(version) && node == expected {
        Ok(())
    } else {
        Err(GraphError::new(
            MetaErrorCode::InvalidParameter,
            format!(
                "Unsupported request. Object with ID '{node}' does not exist in {version}, \
                 cannot be loaded due to missing permissions, or does not support this operation"
            ),
        ))
    }
}

pub(crate) async fn send_message(
    State(state): State<AppState>,
    Path((version, node)): Path<(String, String)>,
    _: Bearer,
    body: Bytes,
) -> Result<Response, GraphError> {
    accept(&state, &version, &node, SendEndpoint::MetaMessages, &body)
}

pub(crate) async fn send_marketing_message(
    State(state): State<AppState>,
    Path((version, node)): Path<(String, String)>,
    _: Bearer,
    body: Bytes,
) -> Result<Response, GraphError> {
    accept(
        &state,
        &version,
        &node,
        SendEndpoint::MetaMarketingMessages,
        &body,
    )
}

fn accept(
    state: &AppState,
    version: &str,
    node: &str,
    endpoint: SendEndpoint,
    body: &[u8],
) -> Result<Response, GraphError> {
    let meta = state.meta();
    check_node(state, version, node, meta.phone_number_id())?;
    if let Some(code) = meta.take_fail_next() {
        tracing::info!(code = code.code(), "injected Meta send failure");
        return Err(GraphError::bare(code));
    }
    if !meta.admit_send(Instant::now()) {
        return Err(GraphError::new(
            MetaErrorCode::RateLimitHit,
            "Cloud API message throughput has been reached.",
        ));
    }
    let request = serde_json::from_slice(body)
        .map_err(|err| GraphError::new(MetaErrorCode::InvalidParameter, err.to_string()))?;
    let now = Utc::now();
    let template = |name: &str, language: &str| meta.template(name, language);
    let window_open = |phone: &str| meta.window_open(phone, now);
    let context = SendContext {
        endpoint,
        now,
        template: &template,
        window_open: &window_open,
    };
    let accepted = send::check(request, &context)
        .map_err(|refusal| GraphError::new(refusal.code, refusal.details))?;
    let behaviour = state.record(accepted.record.clone());
    tracing::info!(id = %accepted.record.id, ?endpoint, "accepted Meta message");
    let mut message = json!({ "id": accepted.record.id });
    if accepted.record.template.is_some() {
        message["message_status"] = json!("accepted");
    }
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{
            "input": accepted.input,
            "wa_id": accepted.record.phone.trim_start_matches('+'),
        }],
        "messages": [message],
    });
    delivery::spawn_conversation(state, accepted, behaviour);
    Ok(Json(answer).into_response())
}

#[derive(Deserialize)]
pub(crate) struct TemplateQuery {
    limit: Option<usize>,
    after: Option<String>,
    before: Option<String>,
    fields: Option<String>,
    name: Option<String>,
    status: Option<String>,
    category: Option<String>,
    language: Option<String>,
}

/// The template's JSON, reduced to `fields` (and `id`) when the client names them.
fn template_view(template: &MetaTemplate, fields: Option<&str>) -> Value {
    let full = serde_json::to_value(template).unwrap_or_default();
    let Some(fields) = fields else { return full };
    let mut view = json!({ "id": template.id });
    for field in fields.split(',').map(str::trim) {
        if let Some(value) = full.get(field) {
            view[field] = value.clone();
        }
    }
    view
}

/// `GET /{version}/{waba_id}/message_templates`: cursor paging as Graph does it, the cursors
/// being template ids (clients treat them as opaque).
pub(crate) async fn list_templates(
    State(state): State<AppState>,
    Path((version, node)): Path<(String, String)>,
    _: Bearer,
    headers: HeaderMap,
    Query(query): Query<TemplateQuery>,
) -> Result<Json<Value>, GraphError> {
    check_node(&state, &version, &node, state.meta().waba_id())?;
    let matches = |wanted: &Option<String>, actual: &str| {
        wanted
            .as_deref()
            .is_none_or(|wanted| wanted.eq_ignore_ascii_case(actual))
    };
    let text = |value: Value| value.as_str().unwrap_or_default().to_owned();
    let templates: Vec<MetaTemplate> = state
        .meta()
        .catalog()
        .into_iter()
        .filter(|t| matches(&query.name, &t.name) && matches(&query.language, &t.language))
        .filter(|t| matches(&query.status, &text(json!(t.status))))
        .filter(|t| matches(&query.category, &text(json!(t.category))))
        .collect();
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
    let position = |cursor: &str| templates.iter().position(|t| t.id == cursor);
    let (start, end) = match (&query.after, &query.before) {
        (Some(after), _) => {
            let start = position(after).map_or(templates.len(), |index| index + 1);
            (start, (start + limit).min(templates.len()))
        }
        (None, Some(before)) => {
            let end = position(before).unwrap_or(0);
            (end.saturating_sub(limit), end)
        }
        (None, None) => (0, limit.min(templates.len())),
    };
    let page = &templates[start..end];
    let data: Vec<Value> = page
        .iter()
        .map(|template| template_view(template, query.fields.as_deref()))
        .collect();
    let (Some(first), Some(last)) = (page.first(), page.last()) else {
        return Ok(Json(json!({ "data": data })));
    };
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let link = |cursor_name: &str, cursor: &str| {
        let mut url =
            reqwest::Url::parse(&format!("http://{host}/{version}/{node}/message_templates"))
                .unwrap_or_else(|_| unreachable!("a host header always makes a valid URL"));
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("limit", &limit.to_string());
            for (name, value) in [
                ("fields", &query.fields),
                ("name", &query.name),
                ("status", &query.status),
                ("category", &query.category),
                ("language", &query.language),
            ] {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
            pairs.append_pair(cursor_name, cursor);
        }
        url.to_string()
    };
    let mut paging = json!({ "cursors": { "before": first.id, "after": last.id } });
    if end < templates.len() {
        paging["next"] = json!(link("after", &last.id));
    }
    if start > 0 {
        paging["previous"] = json!(link("before", &first.id));
    }
    Ok(Json(json!({ "data": data, "paging": paging })))
}

#[derive(Deserialize)]
pub(crate) struct FieldsQuery {
    fields: Option<String>,
}

/// `GET /{version}/{phone_number_id}?fields=…`: the phone number's fields, among them
/// `whatsapp_business_manager_messaging_limit` (<https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits>).
///
/// This route catches every two-segment `GET`, so a path that is not a Graph one (no `vN.M`
/// version) gets the sandbox's plain 404.
pub(crate) async fn read_phone_number(
    State(state): State<AppState>,
    Path((version, node)): Path<(String, String)>,
    bearer: Result<Bearer, GraphError>,
    Query(query): Query<FieldsQuery>,
) -> Result<Response, GraphError> {
    if !is_graph_version(&version) {
        return Ok(crate::http::not_found().await.into_response());
    }
    bearer?;
    check_node(&state, &version, &node, state.meta().phone_number_id())?;
    let known = json!({
        "display_phone_number": state.device_phone(),
        "verified_name": "Sandbox Business",
        "quality_rating": "GREEN",
        "whatsapp_business_manager_messaging_limit": state.meta().settings().messaging_limit,
    });
    let fields = query
        .fields
        .unwrap_or_else(|| "display_phone_number,verified_name".to_owned());
    let mut answer = json!({ "id": node });
    for field in fields
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
    {
        let value = known.get(field).ok_or_else(|| {
            GraphError::new(
                MetaErrorCode::InvalidParameter,
                format!("(#100) Tried accessing nonexisting field ({field})"),
            )
        })?;
        answer[field] = value.clone();
    }
    Ok(Json(answer).into_response())
}
