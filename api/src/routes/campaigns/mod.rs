//! Routes of `/campaigns`: drafts (create, read, edit, delete), the campaign operations (send,
//! schedule, stop, retry, relaunch) and the read side (statistics, per-contact journeys).
//!
//! Texts and settings are validated here, when the campaign is written, so nothing invalid is
//! discovered mid-campaign (R18); whether a campaign is still a draft is decided by the store
//! under a row lock, and whether it may start by the engine.

mod drafts;
mod launching;
mod report;
mod results;
mod variants;

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::openapi::MalformedId;
use crate::pagination::{Page, PageQuery};
use axum::extract::State;
use campaign_domain::{AudienceSet, CampaignState, TemplateMessage};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list, drafts::create))
        .routes(routes!(show, drafts::update, drafts::remove))
        .routes(routes!(launching::send))
        .routes(routes!(launching::schedule, launching::unschedule))
        .routes(routes!(launching::stop))
        .routes(routes!(launching::retry))
        .routes(routes!(launching::relaunch))
        .routes(routes!(results::stats))
        .routes(routes!(results::funnel))
        .routes(routes!(results::contacts))
        .routes(routes!(launching::audience))
        .routes(routes!(report::report))
        .routes(routes!(variants::comparison))
}

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
    /// Earlier campaigns' outcome sets the audience adds or excludes (R23).
    audience_sets: Vec<AudienceSet>,
    /// Contacts the launch left out because they opted out (R19) ...
    opted_out_excluded: i32,
    /// ... or reached the frequency cap (R24).
    capped_excluded: i32,
    /// Message 1's variants (R25), in variant order; empty without.
    message_1_variants: Vec<variants::VariantRecord>,
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
            audience_sets: record.audience_sets.0,
            opted_out_excluded: record.opted_out_excluded,
            capped_excluded: record.capped_excluded,
            message_1_variants: record
                .message_1_variants
                .0
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    #[param(inline)]
    status: Option<CampaignState>,
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
        (status = 400, response = MalformedId),
        (status = 200, description = "The campaign", body = CampaignRecord),
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
