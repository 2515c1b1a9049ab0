//! Drafts: creating, editing and deleting a campaign before it launches. Texts, templates,
//! categories and settings are checked here so a draft that saves is a draft that can start (R18).

use super::CampaignRecord;
use super::variants::{VariantRequest, valid_variants};
use crate::audit::{Operator, changed, id_list};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::openapi::{MalformedId, MalformedJson};
use crate::request_schema;
use crate::routes::campaign_templates::{set_or_clear, valid_template};
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::audience::MAX_AUDIENCE_SETS;
use campaign_domain::{
    AudienceSet, CampaignState, SettingsOverrides, Template, TemplateMessage, json_integer,
};
use campaign_domain::{AuditAction, AuditTarget};
use campaign_store::campaigns::{CampaignChanges, DraftDelete, DraftWrite, NewCampaign};
use serde::Deserialize;
use utoipa::openapi::Object;

/// Longest campaign name.
const MAX_NAME_CHARS: usize = 200;

/// Why a draft with nothing to add contacts is refused.
const NO_AUDIENCE_SOURCE: &str =
    "the audience needs a category or an included audience set (category_ids, audience_sets)";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateCampaign {
    #[schema(schema_with = name_schema)]
    name: String,
    /// Message 1's text; may be left out when `message_1_template` is given.
    #[serde(default)]
    #[schema(schema_with = text_change_schema)]
    message_1: Option<String>,
    /// Message 1 as an approved template: required on the Meta provider.
    #[serde(default)]
    message_1_template: Option<TemplateMessage>,
    /// Message 2 as a template, for a closed customer-service window (Meta 131047).
    #[serde(default)]
    message_2_template: Option<TemplateMessage>,
    #[schema(schema_with = text_schema)]
    message_2: String,
    /// May be empty when `audience_sets` includes a set (R23).
    #[serde(deserialize_with = "json_integer::vec")]
    category_ids: Vec<i64>,
    /// Earlier campaigns' outcome sets to add or exclude (R23).
    #[serde(default)]
    #[schema(max_items = 20)]
    audience_sets: Vec<AudienceSet>,
    /// Two to four variants of Message 1 (R25), named A, B, C, D in this order; then
    /// `message_1` may be left out.
    #[serde(default)]
    #[schema(max_items = 4)]
    message_1_variants: Vec<VariantRequest>,
    #[serde(default)]
    #[schema(value_type = Option<campaign_domain::SettingsOverrides>)]
    settings: Option<serde_json::Value>,
}

/// Fields of a draft to change; absent ones stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateCampaign {
    #[schema(schema_with = name_change_schema)]
    name: Option<String>,
    #[schema(schema_with = text_change_schema)]
    message_1: Option<String>,
    #[schema(schema_with = text_change_schema)]
    message_2: Option<String>,
    /// A template, or `null` to remove it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<TemplateMessage>, nullable)]
    message_1_template: Option<Option<TemplateMessage>>,
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<TemplateMessage>, nullable)]
    message_2_template: Option<Option<TemplateMessage>>,
    #[serde(default, deserialize_with = "json_integer::option_vec")]
    category_ids: Option<Vec<i64>>,
    /// Replaces the outcome sets (R23).
    #[schema(max_items = 20)]
    audience_sets: Option<Vec<AudienceSet>>,
    /// Replaces the variants of Message 1 (R25); `[]` removes them.
    #[schema(max_items = 4)]
    message_1_variants: Option<Vec<VariantRequest>>,
    #[schema(value_type = Option<campaign_domain::SettingsOverrides>)]
    settings: Option<serde_json::Value>,
}

fn name_schema() -> Object {
    request_schema::name(MAX_NAME_CHARS, false)
}

fn name_change_schema() -> Object {
    request_schema::name(MAX_NAME_CHARS, true)
}

fn text_schema() -> Object {
    request_schema::message_text(false)
}

fn text_change_schema() -> Object {
    request_schema::message_text(true)
}

pub(super) fn valid_text(field: &str, text: &str) -> ApiResult<Template> {
    Template::parse(text).map_err(|err| ApiError::Validation(format!("{field}: {err}")))
}

fn valid_sets(sets: &[AudienceSet]) -> ApiResult<()> {
    if sets.len() > MAX_AUDIENCE_SETS {
        return Err(ApiError::Validation(format!(
            "audience_sets: at most {MAX_AUDIENCE_SETS} sets"
        )));
    }
    Ok(())
}

/// Checks overrides the way launch will read them (known keys, sensible values), so a draft
/// that saves is a draft that can start. Stored as given.
fn valid_settings(
    context: &ApiContext,
    settings: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    let overrides: SettingsOverrides = serde_json::from_value(settings.clone())
        .map_err(|err| ApiError::Validation(format!("settings: {err}")))?;
    context
        .engine
        .defaults
        .with_overrides(overrides)
        .map_err(|reason| ApiError::Validation(format!("settings: {reason}")))?;
    Ok(settings)
}

fn written(outcome: DraftWrite) -> ApiResult<CampaignRecord> {
    match outcome {
        DraftWrite::Saved(record) => Ok((*record).into()),
        DraftWrite::NotFound => Err(ApiError::NotFound("campaign")),
        DraftWrite::NotDraft {
            status: CampaignState::Scheduled,
        } => Err(ApiError::Conflict(
            "campaign is scheduled; unschedule it to edit it".to_owned(),
        )),
        DraftWrite::NotDraft { status } => Err(ApiError::Conflict(format!(
            "campaign is {status}; only a draft can be edited"
        ))),
        DraftWrite::UnknownCategories(ids) => Err(ApiError::UnknownReference(format!(
            "unknown category ids: {ids:?}"
        ))),
        DraftWrite::UnusableSources(ids) => Err(ApiError::UnknownReference(format!(
            "audience_sets name campaigns that do not exist or never ran: {ids:?}"
        ))),
        DraftWrite::NoAudienceSource => Err(ApiError::Validation(NO_AUDIENCE_SOURCE.to_owned())),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    operation_id = "create_campaign",
    security(("bearer" = [])),
    request_body = CreateCampaign,
    responses(
        (status = 201, description = "The draft created", body = CampaignRecord),
        (status = 400, response = MalformedJson),
        (status = 409, description = "Unknown category ids, or audience sets of campaigns that do not exist or never ran (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Invalid name, texts, audience, settings or body", body = ErrorBody),
    )
)]
pub(super) async fn create(
    State(context): State<ApiContext>,
    Operator { user, origin }: Operator,
    ApiJson(request): ApiJson<CreateCampaign>,
) -> ApiResult<(StatusCode, ApiJson<CampaignRecord>)> {
    let name = request_schema::valid_name(&request.name, MAX_NAME_CHARS)?.to_owned();
    let message_1 = request
        .message_1
        .as_deref()
        .map(|text| valid_text("message_1", text))
        .transpose()?;
    let variants = valid_variants(request.message_1_variants)?;
    // With variants and no Message 1 of its own, the campaign's Message 1 is variant A's: the
    // draft still has one if its variants are removed later.
    let (message_1, message_1_template) =
        match (message_1, request.message_1_template, variants.first()) {
            (None, None, Some(first)) => (first.text.clone(), first.template.clone()),
            (text, template, _) => (text, template),
        };
    if message_1.is_none() && message_1_template.is_none() {
        return Err(ApiError::Validation(
            "message_1, message_1_template or message_1_variants is required".to_owned(),
        ));
    }
    for (field, template) in [
        ("message_1_template", &message_1_template),
        ("message_2_template", &request.message_2_template),
    ] {
        if let Some(template) = template {
            valid_template(field, template)?;
        }
    }
    let message_2 = valid_text("message_2", &request.message_2)?;
    valid_sets(&request.audience_sets)?;
    let settings = valid_settings(
        &context,
        request.settings.unwrap_or_else(|| serde_json::json!({})),
    )?;
    let entry = origin
        .entry(AuditAction::CampaignCreate)
        .summary(serde_json::json!({
            "name": name,
            "category_ids": id_list(&request.category_ids),
            "audience_sets": request.audience_sets.len(),
            "message_1_variants": variants.len(),
        }));
    let outcome = context
        .store
        .create_campaign(
            NewCampaign {
                name: &name,
                message_1: message_1.as_ref(),
                message_1_template: message_1_template.as_ref(),
                message_2_template: request.message_2_template.as_ref(),
                message_2: &message_2,
                category_ids: &request.category_ids,
                audience_sets: &request.audience_sets,
                message_1_variants: &variants,
                settings: &settings,
                created_by: Some(user.id),
            },
            &entry,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(written(outcome)?)))
}

#[utoipa::path(
    put,
    path = "/api/v1/campaigns/{id}",
    tag = "campaigns",
    operation_id = "update_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = UpdateCampaign,
    responses(
        (status = 200, description = "The draft as changed", body = CampaignRecord),
        (status = 400, response = MalformedJson),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft, or unknown category ids or audience-set campaigns (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Invalid name, texts, audience, settings or body", body = ErrorBody),
    )
)]
pub(super) async fn update(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UpdateCampaign>,
) -> ApiResult<ApiJson<CampaignRecord>> {
    if let Some(sets) = &request.audience_sets {
        valid_sets(sets)?;
    }
    for (field, template) in [
        ("message_1_template", &request.message_1_template),
        ("message_2_template", &request.message_2_template),
    ] {
        if let Some(Some(template)) = template {
            valid_template(field, template)?;
        }
    }
    let changes = CampaignChanges {
        name: request
            .name
            .as_deref()
            .map(|name| request_schema::valid_name(name, MAX_NAME_CHARS).map(str::to_owned))
            .transpose()?,
        message_1: request
            .message_1
            .as_deref()
            .map(|text| valid_text("message_1", text))
            .transpose()?,
        message_2: request
            .message_2
            .as_deref()
            .map(|text| valid_text("message_2", text))
            .transpose()?,
        message_1_template: request.message_1_template,
        message_2_template: request.message_2_template,
        category_ids: request.category_ids,
        audience_sets: request.audience_sets,
        message_1_variants: request.message_1_variants.map(valid_variants).transpose()?,
        settings: request
            .settings
            .map(|settings| valid_settings(&context, settings))
            .transpose()?,
    };
    let entry = operator
        .origin
        .entry(AuditAction::CampaignUpdate)
        .target(AuditTarget::Campaign, id)
        .summary(changed(&[
            ("name", changes.name.is_some()),
            ("message_1", changes.message_1.is_some()),
            ("message_2", changes.message_2.is_some()),
            ("message_1_template", changes.message_1_template.is_some()),
            ("message_2_template", changes.message_2_template.is_some()),
            ("category_ids", changes.category_ids.is_some()),
            ("audience_sets", changes.audience_sets.is_some()),
            ("message_1_variants", changes.message_1_variants.is_some()),
            ("settings", changes.settings.is_some()),
        ]));
    let outcome = context
        .store
        .update_draft_campaign(id, changes, &entry)
        .await?;
    Ok(ApiJson(written(outcome)?))
}

/// Deletes a draft. A launched campaign keeps its history: a running one must be stopped, and
/// even then it stays (409).
#[utoipa::path(
    delete,
    path = "/api/v1/campaigns/{id}",
    tag = "campaigns",
    operation_id = "delete_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 204, description = "The draft deleted"),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft (a running one must be stopped first)", body = ErrorBody),
    )
)]
pub(super) async fn remove(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let entry = operator
        .origin
        .entry(AuditAction::CampaignDelete)
        .target(AuditTarget::Campaign, id);
    match context.store.delete_draft_campaign(id, &entry).await? {
        DraftDelete::Deleted => Ok(StatusCode::NO_CONTENT),
        DraftDelete::NotFound => Err(ApiError::NotFound("campaign")),
        DraftDelete::NotDraft {
            status: CampaignState::Running,
        } => Err(ApiError::Conflict(
            "campaign is running; stop it first".to_owned(),
        )),
        DraftDelete::NotDraft {
            status: CampaignState::Scheduled,
        } => Err(ApiError::Conflict(
            "campaign is scheduled; unschedule it first".to_owned(),
        )),
        DraftDelete::NotDraft { status } => Err(ApiError::Conflict(format!(
            "campaign is {status}; only a draft can be deleted"
        ))),
    }
}
