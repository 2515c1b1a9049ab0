//! The sandbox controls tests drive: the list of accepted messages and the injected faults.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ApiError, JsonBody, invalid_phone, query};
use crate::phone;
use crate::record::AcceptedRecord;
use crate::state::{AppState, Faults};

#[derive(Deserialize)]
pub(super) struct PhoneFilter {
    phone: Option<String>,
}

pub(super) async fn list_accepted(
    State(state): State<AppState>,
    filter: Result<Query<PhoneFilter>, QueryRejection>,
) -> Result<Json<Vec<AcceptedRecord>>, ApiError> {
    let phone = query(filter)?
        .phone
        .map(|raw| phone::normalize(&raw).ok_or_else(|| invalid_phone(&raw)))
        .transpose()?;
    Ok(Json(state.records(phone.as_deref())))
}

pub(super) async fn clear_accepted(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "deleted": state.clear_records() }))
}

pub(super) async fn get_faults(State(state): State<AppState>) -> Json<Faults> {
    Json(state.faults())
}

/// Replaces the faults wholesale; omitted fields reset to "no fault", so `{}` clears them all.
pub(super) async fn set_faults(
    State(state): State<AppState>,
    JsonBody(faults): JsonBody<Faults>,
) -> Result<Json<Faults>, ApiError> {
    state
        .set_faults(faults)
        .map_err(|err| ApiError::bad_request("invalid_faults", err.to_string()))?;
    Ok(Json(state.faults()))
}
