//! Sandbox controls for the Cloud API side (no authentication, like the other controls), and
//! the operations they share with [`crate::SandboxHandle`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

use super::delivery;
use super::events;
use crate::http::{ApiError, JsonBody};
use crate::meta_account::MetaErrorCode;
use crate::meta_account::{InvalidMetaSettings, MetaSettings};
use crate::meta_account::{MetaTemplate, TemplateCategory, TemplateStatus};
use crate::phone;
use crate::state::AppState;

/// Changes a template's status and sends `message_template_status_update`; `None` when there
/// is no such template.
pub(crate) fn change_status(
    state: &AppState,
    name: &str,
    language: &str,
    status: TemplateStatus,
    reason: Option<&str>,
) -> Option<MetaTemplate> {
    let change = state
        .meta()
        .change_template(name, language, Some(status), None)?;
    delivery::spawn_changes(
        state,
        vec![events::template_status_change(&change.after, reason)],
    );
    Some(change.after)
}

/// Changes a template's category and sends a completed `template_category_update`.
pub(crate) fn change_category(
    state: &AppState,
    name: &str,
    language: &str,
    category: TemplateCategory,
) -> Option<MetaTemplate> {
    let change = state
        .meta()
        .change_template(name, language, None, Some(category))?;
    delivery::spawn_changes(
        state,
        vec![events::template_category_change(
            &change.before,
            &change.after,
        )],
    );
    Some(change.after)
}

/// A message from `e164`: a text, or a quick-reply tap when `button` is set (which needs the
/// quoted message). Opens the contact's window and goes out by webhook.
pub(crate) fn inbound(
    state: &AppState,
    e164: &str,
    text: &str,
    button: Option<&str>,
    quoting: Option<&str>,
) {
    let business = delivery::business(state);
    let now = Utc::now();
    let message = match (button, quoting) {
        (Some(payload), Some(quoting)) => {
            events::button_message(&business, e164, payload, quoting, now)
        }
        _ => events::text_message(&business, e164, text, quoting, now),
    };
    delivery::inbound(state, e164, vec![message]);
}

fn invalid(err: InvalidMetaSettings) -> ApiError {
    ApiError::bad_request("invalid_meta_settings", err.to_string())
}

fn no_template(name: &str, language: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "template_not_found",
        format!("no template {name} in {language}"),
    )
}

pub(crate) async fn get_catalog(State(state): State<AppState>) -> Json<Vec<MetaTemplate>> {
    Json(state.meta().catalog())
}

pub(crate) async fn set_catalog(
    State(state): State<AppState>,
    JsonBody(catalog): JsonBody<Vec<MetaTemplate>>,
) -> Result<Json<Vec<MetaTemplate>>, ApiError> {
    state.meta().set_catalog(catalog).map_err(invalid)?;
    Ok(Json(state.meta().catalog()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusChange {
    status: TemplateStatus,
    reason: Option<String>,
}

pub(crate) async fn post_status(
    State(state): State<AppState>,
    Path((name, language)): Path<(String, String)>,
    JsonBody(change): JsonBody<StatusChange>,
) -> Result<Json<MetaTemplate>, ApiError> {
    change_status(
        &state,
        &name,
        &language,
        change.status,
        change.reason.as_deref(),
    )
    .map(Json)
    .ok_or_else(|| no_template(&name, &language))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryChange {
    category: TemplateCategory,
}

pub(crate) async fn post_category(
    State(state): State<AppState>,
    Path((name, language)): Path<(String, String)>,
    JsonBody(change): JsonBody<CategoryChange>,
) -> Result<Json<MetaTemplate>, ApiError> {
    change_category(&state, &name, &language, change.category)
        .map(Json)
        .ok_or_else(|| no_template(&name, &language))
}

pub(crate) async fn get_settings(State(state): State<AppState>) -> Json<MetaSettings> {
    Json(state.meta().settings())
}

/// Patches the settings: the keys given replace theirs, the others stay.
pub(crate) async fn patch_settings(
    State(state): State<AppState>,
    JsonBody(patch): JsonBody<serde_json::Map<String, Value>>,
) -> Result<Json<MetaSettings>, ApiError> {
    let mut merged = serde_json::to_value(state.meta().settings())
        .map_err(|err| ApiError::bad_request("invalid_meta_settings", err.to_string()))?;
    for (key, value) in patch {
        merged[key] = value;
    }
    let settings: MetaSettings = serde_json::from_value(merged)
        .map_err(|err| ApiError::bad_request("invalid_meta_settings", err.to_string()))?;
    state.meta().set_settings(settings).map_err(invalid)?;
    Ok(Json(state.meta().settings()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FailNext {
    code: MetaErrorCode,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

pub(crate) async fn post_fail_next(
    State(state): State<AppState>,
    JsonBody(fail): JsonBody<FailNext>,
) -> StatusCode {
    state.meta().push_fail_next(fail.code, fail.count);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Inbound {
    phone: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    button: Option<String>,
    #[serde(default)]
    context_id: Option<String>,
}

pub(crate) async fn post_inbound(
    State(state): State<AppState>,
    JsonBody(message): JsonBody<Inbound>,
) -> Result<StatusCode, ApiError> {
    let e164 = phone::normalize(&message.phone).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_phone",
            format!("invalid phone {:?}", message.phone),
        )
    })?;
    if message.button.is_some() && message.context_id.is_none() {
        return Err(ApiError::bad_request(
            "invalid_inbound",
            "a button reply needs the context_id of the message it answers",
        ));
    }
    let text = message.text.as_deref().unwrap_or("Hello");
    inbound(
        &state,
        &e164,
        text,
        message.button.as_deref(),
        message.context_id.as_deref(),
    );
    Ok(StatusCode::ACCEPTED)
}
