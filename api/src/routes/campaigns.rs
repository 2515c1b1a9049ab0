//! Routes of `/campaigns`: drafts (create, read, edit, delete), the campaign operations (send,
//! schedule, stop, retry, relaunch) and the read side (statistics, per-contact journeys).
//!
//! Texts and settings are validated here, when the campaign is written, so nothing invalid is
//! discovered mid-campaign (R18); whether a campaign is still a draft is decided by the store
//! under a row lock, and whether it may start by the engine.

use crate::audit::{Operator, changed, id_list};
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::operations::{Launched, OperationError};
use crate::pagination::{Page, PageQuery};
use crate::request_schema;
use crate::routes::campaign_templates::{set_or_clear, valid_template};
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::{
    AuditAction, AuditTarget, CampaignState, FailureKind, JourneyState, LaunchTime, MessageStatus,
    SettingsOverrides, Template, TemplateMessage, json_integer,
};
use campaign_store::campaigns::{CampaignChanges, DraftDelete, DraftWrite, NewCampaign};
use campaign_store::reporting::FunnelStage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::Object;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(send))
        .routes(routes!(schedule, unschedule))
        .routes(routes!(stop))
        .routes(routes!(retry))
        .routes(routes!(relaunch))
        .routes(routes!(stats))
        .routes(routes!(funnel))
        .routes(routes!(contacts))
        .routes(routes!(audience))
}

/// Longest campaign name.
const MAX_NAME_CHARS: usize = 200;

/// A campaign as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignRecord {
    id: i64,
    name: String,
    message_1: String,
    message_2: String,
    /// The operator's overrides while a draft; the full snapshot once launched (R16).
    settings: serde_json::Value,
    status: CampaignState,
    workflow_id: Option<String>,
    category_ids: Vec<i64>,
    total_contacts: i32,
    final_stats: Option<serde_json::Value>,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    /// The launch time of a scheduled campaign (R20), kept once it has launched.
    scheduled_at: Option<DateTime<Utc>>,
    /// Why the launch at the scheduled time was refused (the campaign is then `failed`).
    failure_reason: Option<String>,
    /// Message 1 as an approved template (the Meta provider).
    message_1_template: Option<TemplateMessage>,
    /// Message 2 as a template when Meta answers that the customer-service window is closed.
    message_2_template: Option<TemplateMessage>,
    /// Why the campaign is paused (a template paused by Meta, refused credentials): its sends
    /// wait until an operator resumes it.
    paused_reason: Option<String>,
    paused_at: Option<DateTime<Utc>>,
}

impl From<campaign_store::campaigns::CampaignRow> for CampaignRecord {
    fn from(record: campaign_store::campaigns::CampaignRow) -> CampaignRecord {
        CampaignRecord {
            id: record.id,
            name: record.name,
            message_1: record.message_1,
            message_2: record.message_2,
            settings: record.settings,
            status: record.status,
            workflow_id: record.workflow_id,
            category_ids: record.category_ids,
            total_contacts: record.total_contacts,
            final_stats: record.final_stats,
            created_by: record.created_by,
            created_at: record.created_at,
            updated_at: record.updated_at,
            started_at: record.started_at,
            completed_at: record.completed_at,
            scheduled_at: record.scheduled_at,
            failure_reason: record.failure_reason,
            message_1_template: record.message_1_template.map(|template| template.0),
            message_2_template: record.message_2_template.map(|template| template.0),
            paused_reason: record.paused_reason,
            paused_at: record.paused_at,
        }
    }
}

/// One contact of a campaign and where its journey stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignContact {
    contact_id: i64,
    phone: String,
    first_name: Option<String>,
    last_name: Option<String>,
    state: JourneyState,
    failure_reason: Option<String>,
    /// Why a `failed` or `limited` journey ended so.
    failure_kind: Option<FailureKind>,
    message_1_status: Option<MessageStatus>,
    message_2_status: Option<MessageStatus>,
    message_1_sent_at: Option<DateTime<Utc>>,
    first_interaction_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl From<campaign_store::campaigns::CampaignContact> for CampaignContact {
    fn from(contact: campaign_store::campaigns::CampaignContact) -> CampaignContact {
        CampaignContact {
            contact_id: contact.contact_id,
            phone: contact.phone,
            first_name: contact.first_name,
            last_name: contact.last_name,
            state: contact.state,
            failure_reason: contact.failure_reason,
            failure_kind: contact.failure_kind,
            message_1_status: contact.message_1_status,
            message_2_status: contact.message_2_status,
            message_1_sent_at: contact.message_1_sent_at,
            first_interaction_at: contact.first_interaction_at,
            updated_at: contact.updated_at,
        }
    }
}

/// A campaign's statistics, straight from its live counters (its row and 16 counter rows read by
/// primary key, so it stays fast on a 100k-contact campaign). `pending` counts journeys not yet
/// final.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignStats {
    status: CampaignState,
    total_contacts: i32,
    messages_sent: i32,
    messages_delivered: i32,
    messages_read: i32,
    messages_failed: i32,
    interactions: i32,
    message_2_sent: i32,
    no_interaction: i32,
    late_interaction: i32,
    failed: i32,
    cancelled: i32,
    /// Journeys ended because the contact opted out (R19).
    opted_out: i32,
    /// Journeys Meta held back under its per-user marketing limit (131049): not failures, and
    /// the contacts stay eligible for later campaigns.
    limited: i32,
    pending: i32,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

impl From<campaign_store::reporting::CampaignStats> for CampaignStats {
    fn from(stats: campaign_store::reporting::CampaignStats) -> CampaignStats {
        CampaignStats {
            status: stats.status,
            total_contacts: stats.total_contacts,
            messages_sent: stats.messages_sent,
            messages_delivered: stats.messages_delivered,
            messages_read: stats.messages_read,
            messages_failed: stats.messages_failed,
            interactions: stats.interactions,
            message_2_sent: stats.message_2_sent,
            no_interaction: stats.no_interaction,
            late_interaction: stats.late_interaction,
            failed: stats.failed,
            cancelled: stats.cancelled,
            opted_out: stats.opted_out,
            limited: stats.limited,
            pending: stats.pending,
            started_at: stats.started_at,
            completed_at: stats.completed_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateCampaign {
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
    #[serde(deserialize_with = "json_integer::vec")]
    #[schema(min_items = 1)]
    category_ids: Vec<i64>,
    #[serde(default)]
    #[schema(value_type = Option<campaign_domain::SettingsOverrides>)]
    settings: Option<serde_json::Value>,
}

/// Fields of a draft to change; absent ones stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateCampaign {
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
    #[schema(min_items = 1)]
    category_ids: Option<Vec<i64>>,
    #[schema(value_type = Option<campaign_domain::SettingsOverrides>)]
    settings: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    #[param(inline)]
    status: Option<CampaignState>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ContactsQuery {
    #[param(inline)]
    state: Option<JourneyState>,
    /// Only the contacts who reached this stage of the funnel.
    #[param(inline)]
    stage: Option<Stage>,
}

/// A stage of the funnel whose contacts can be listed.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum Stage {
    #[serde(rename = "message_1_sent")]
    Message1Sent,
    #[serde(rename = "message_1_delivered")]
    Message1Delivered,
    #[serde(rename = "message_1_read")]
    Message1Read,
    InteractedInWindow,
}

impl From<Stage> for FunnelStage {
    fn from(stage: Stage) -> FunnelStage {
        match stage {
            Stage::Message1Sent => FunnelStage::Message1Sent,
            Stage::Message1Delivered => FunnelStage::Message1Delivered,
            Stage::Message1Read => FunnelStage::Message1Read,
            Stage::InteractedInWindow => FunnelStage::InteractedInWindow,
        }
    }
}

/// A campaign's funnel: contacts at each stage, then the outcomes (see
/// `campaign_store::reporting::CampaignFunnel`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct CampaignFunnel {
    total: i64,
    message_1_sent: i64,
    message_1_delivered: i64,
    message_1_read: i64,
    interacted_in_window: i64,
    message_2_sent: i64,
    no_interaction: i64,
    late_interaction: i64,
    failed: i64,
    cancelled: i64,
    opted_out: i64,
    /// Held back by Meta's per-user marketing limit, apart from `failed`.
    limited: i64,
    pending: i64,
}

impl From<campaign_store::reporting::CampaignFunnel> for CampaignFunnel {
    fn from(funnel: campaign_store::reporting::CampaignFunnel) -> CampaignFunnel {
        CampaignFunnel {
            total: funnel.total,
            message_1_sent: funnel.message_1_sent,
            message_1_delivered: funnel.message_1_delivered,
            message_1_read: funnel.message_1_read,
            interacted_in_window: funnel.interacted_in_window,
            message_2_sent: funnel.message_2_sent,
            no_interaction: funnel.no_interaction,
            late_interaction: funnel.late_interaction,
            failed: funnel.failed,
            cancelled: funnel.cancelled,
            opted_out: funnel.opted_out,
            limited: funnel.limited,
            pending: funnel.pending,
        }
    }
}

/// The categories a draft would target.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct AudienceRequest {
    #[serde(deserialize_with = "json_integer::vec")]
    #[schema(max_items = 1000)]
    category_ids: Vec<i64>,
}

/// Whom a launch to these categories would reach, and whether today's quota allows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AudiencePreview {
    /// Distinct contacts: one counted once however many of the categories hold it. Contacts who
    /// opted out are not in it (R19) ...
    audience: i64,
    /// ... they are counted here.
    opted_out_excluded: i64,
    /// Contacts of the audience WhatsApp cannot reach, as far as the provider said (a number
    /// check, or Meta's 131026 on an earlier send): still in the audience, likely to fail.
    not_on_whatsapp: i64,
    /// Sends left today (UTC) before the daily limit (R10).
    remaining_today: i64,
    daily_limit: i32,
    /// A contact of the audience to preview the texts with.
    sample: Option<crate::routes::contacts::Contact>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct StopAnswer {
    campaign_id: i64,
    stop_requested: bool,
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

fn valid_text(field: &str, text: &str) -> ApiResult<Template> {
    Template::parse(text).map_err(|err| ApiError::Validation(format!("{field}: {err}")))
}

fn valid_categories(category_ids: &[i64]) -> ApiResult<()> {
    if category_ids.is_empty() {
        return Err(ApiError::Validation(
            "category_ids must name at least one category".to_owned(),
        ));
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
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 409, description = "Unknown category ids (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Invalid name, texts, categories, settings or body", body = ErrorBody),
    )
)]
async fn create(
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
    if message_1.is_none() && request.message_1_template.is_none() {
        return Err(ApiError::Validation(
            "message_1 or message_1_template is required".to_owned(),
        ));
    }
    for (field, template) in [
        ("message_1_template", &request.message_1_template),
        ("message_2_template", &request.message_2_template),
    ] {
        if let Some(template) = template {
            valid_template(field, template)?;
        }
    }
    let message_2 = valid_text("message_2", &request.message_2)?;
    valid_categories(&request.category_ids)?;
    let settings = valid_settings(
        &context,
        request.settings.unwrap_or_else(|| serde_json::json!({})),
    )?;
    let entry = origin
        .entry(AuditAction::CampaignCreate)
        .summary(serde_json::json!({
            "name": name,
            "category_ids": id_list(&request.category_ids),
        }));
    let outcome = context
        .store
        .create_campaign(
            NewCampaign {
                name: &name,
                message_1: message_1.as_ref(),
                message_1_template: request.message_1_template.as_ref(),
                message_2_template: request.message_2_template.as_ref(),
                message_2: &message_2,
                category_ids: &request.category_ids,
                settings: &settings,
                created_by: Some(user.id),
            },
            &entry,
        )
        .await?;
    Ok((StatusCode::CREATED, ApiJson(written(outcome)?)))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    operation_id = "list_campaigns",
    security(("bearer" = [])),
    params(PageQuery, ListQuery),
    responses(
        (status = 200, description = "A page of campaigns", body = Page<CampaignRecord>),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 422, description = "Invalid page, size or status", body = ErrorBody),
    )
)]
async fn list(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<CampaignRecord>>> {
    let page = page.request()?;
    Ok(ApiJson(
        context
            .store
            .list_campaigns(query.status, page)
            .await?
            .into(),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}",
    tag = "campaigns",
    operation_id = "get_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 200, description = "The campaign", body = CampaignRecord),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
async fn show(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<CampaignRecord>> {
    Ok(ApiJson(context.store.campaign(id).await?.into()))
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
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft, or unknown category ids (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Invalid name, texts, categories, settings or body", body = ErrorBody),
    )
)]
async fn update(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UpdateCampaign>,
) -> ApiResult<ApiJson<CampaignRecord>> {
    if let Some(category_ids) = &request.category_ids {
        valid_categories(category_ids)?;
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
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 204, description = "The draft deleted"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft (a running one must be stopped first)", body = ErrorBody),
    )
)]
async fn remove(
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

/// Starts a draft (202): the engine refuses a repeat (409), a quota it would exceed (429 with
/// the remaining count) and an empty audience (409).
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/send",
    tag = "campaigns",
    operation_id = "send_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 202, description = "The campaign started", body = Launched),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft (a repeated call starts nothing), or its categories hold no contact", body = ErrorBody),
        (status = 422, description = "Invalid settings", body = ErrorBody),
        (status = 429, description = "Today's quota would be exceeded (`remaining` says by how much)", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn send(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, ApiJson<Launched>)> {
    let launched = context.engine.launch(id, &operator.origin).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(launched)))
}

/// When a draft is to launch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// RFC 3339, in the future, at most 90 days ahead.
    at: DateTime<Utc>,
}

/// Schedules a draft's launch (R20): at `at` it launches exactly as `send` does, or becomes
/// `failed` with the reason (`failure_reason`) when that launch is refused. A scheduled campaign
/// cannot be edited or deleted until it is unscheduled.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/schedule",
    tag = "campaigns",
    operation_id = "schedule_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "The campaign, now `scheduled`", body = CampaignRecord),
        (status = 400, description = "Malformed id or JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft, or already scheduled", body = ErrorBody),
        (status = 422, description = "`at` is not in the future or more than 90 days ahead, or invalid settings", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn schedule(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ScheduleRequest>,
) -> ApiResult<ApiJson<CampaignRecord>> {
    let at = LaunchTime::new(request.at, Utc::now()).map_err(OperationError::from)?;
    context.engine.schedule(id, at, &operator.origin).await?;
    Ok(ApiJson(context.store.campaign(id).await?.into()))
}

/// Returns a scheduled campaign to draft; its launch will not happen.
#[utoipa::path(
    delete,
    path = "/api/v1/campaigns/{id}/schedule",
    tag = "campaigns",
    operation_id = "unschedule_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The campaign, a draft again", body = CampaignRecord),
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not scheduled (it may have launched already)", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn unschedule(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<CampaignRecord>> {
    context.engine.unschedule(id, &operator.origin).await?;
    Ok(ApiJson(context.store.campaign(id).await?.into()))
}

/// Asks the campaign's workflow to stop (202): it closes every open journey as `cancelled`,
/// then the campaign; `stats` shows `cancelled` once it has.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/stop",
    tag = "campaigns",
    operation_id = "stop_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 202, description = "Stop requested: open journeys end as `cancelled`", body = StopAnswer),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign has already finished", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn stop(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, ApiJson<StopAnswer>)> {
    context.engine.stop(id, &operator.origin).await?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(StopAnswer {
            campaign_id: id,
            stop_requested: true,
        }),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/retry",
    tag = "campaigns",
    operation_id = "retry_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 202, description = "New journeys started for the failed contacts", body = Launched),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign has not finished, or no contact failed", body = ErrorBody),
        (status = 422, description = "Invalid settings", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn retry(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, ApiJson<Launched>)> {
    let launched = context.engine.retry(id, &operator.origin).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(launched)))
}

/// A fresh run of a finished campaign, as a new campaign whose id the answer carries.
#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/relaunch",
    tag = "campaigns",
    operation_id = "relaunch_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 202, description = "A new campaign (its id in the answer) started with the same texts and audience", body = Launched),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign has not finished, or its categories hold no contact", body = ErrorBody),
        (status = 422, description = "Invalid settings", body = ErrorBody),
        (status = 429, description = "Today's quota would be exceeded", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn relaunch(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, ApiJson<Launched>)> {
    let launched = context.engine.relaunch(id, &operator.origin).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(launched)))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/stats",
    tag = "campaigns",
    operation_id = "campaign_stats",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 200, description = "Counters of the campaign", body = CampaignStats),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
async fn stats(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<CampaignStats>> {
    Ok(ApiJson(context.store.campaign_stats(id).await?.into()))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/contacts",
    tag = "campaigns",
    operation_id = "campaign_contacts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id"), PageQuery, ContactsQuery),
    responses(
        (status = 200, description = "A page of per-contact journey states", body = Page<CampaignContact>),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 422, description = "Invalid page, size, state or stage", body = ErrorBody),
    )
)]
async fn contacts(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ContactsQuery>,
) -> ApiResult<ApiJson<Page<CampaignContact>>> {
    let page = page.request()?;
    Ok(ApiJson(
        context
            .store
            .campaign_contacts(id, query.state, query.stage.map(Into::into), page)
            .await?
            .into(),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/funnel",
    tag = "campaigns",
    operation_id = "campaign_funnel",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Contacts at each stage of the campaign, then its outcomes", body = CampaignFunnel),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
async fn funnel(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<CampaignFunnel>> {
    Ok(ApiJson(context.store.campaign_funnel(id).await?.into()))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/audience",
    tag = "campaigns",
    operation_id = "campaign_audience",
    security(("bearer" = [])),
    request_body = AudienceRequest,
    responses(
        (status = 200, description = "The deduplicated audience of these categories and today's quota", body = AudiencePreview),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Body of the wrong shape, or too many categories", body = ErrorBody),
    )
)]
async fn audience(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiJson(request): ApiJson<AudienceRequest>,
) -> ApiResult<ApiJson<AudiencePreview>> {
    if request.category_ids.len() > 1000 {
        return Err(ApiError::Validation(
            "at most 1000 categories at once".to_owned(),
        ));
    }
    let audience = context.store.audience(&request.category_ids).await?;
    let daily_limit = context.config.daily_message_limit;
    let sent_today = context.store.sent_today().await?;
    Ok(ApiJson(AudiencePreview {
        audience: audience.contacts,
        opted_out_excluded: audience.opted_out,
        not_on_whatsapp: audience.not_on_whatsapp,
        remaining_today: (i64::from(daily_limit) - i64::from(sent_today)).max(0),
        daily_limit,
        sample: audience.sample.map(Into::into),
    }))
}
