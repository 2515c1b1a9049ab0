//! The read side of a campaign: its statistics, its funnel and where each contact's journey
//! stands.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::openapi::MalformedId;
use crate::pagination::{Page, PageQuery};
use axum::extract::State;
use campaign_domain::{CampaignState, MessageStatus};
use campaign_domain::{FailureKind, JourneyState};
use campaign_store::reporting::FunnelStage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ContactsQuery {
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
pub(super) struct CampaignFunnel {
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

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/stats",
    tag = "campaigns",
    operation_id = "campaign_stats",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 200, description = "Counters of the campaign", body = CampaignStats),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub(super) async fn stats(
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
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 422, description = "Invalid page, size, state or stage", body = ErrorBody),
    )
)]
pub(super) async fn contacts(
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
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub(super) async fn funnel(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<CampaignFunnel>> {
    Ok(ApiJson(context.store.campaign_funnel(id).await?.into()))
}
