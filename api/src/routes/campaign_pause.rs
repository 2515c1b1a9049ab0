//! `POST /campaigns/{id}/resume`: an operator resumes a campaign that a provider condition
//! paused (SPEC §7: its template paused or disabled by Meta, or the provider refusing our
//! credentials). The campaign's sends were waiting, not failing; they go on at their next try.

use crate::audit::Operator;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::openapi::MalformedId;
use crate::routes::campaigns::CampaignRecord;
use axum::extract::State;
use campaign_domain::{AuditAction, AuditTarget};
use campaign_store::ResumeOutcome;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(resume))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/resume",
    tag = "campaigns",
    operation_id = "resume_campaign",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The campaign, no longer paused", body = CampaignRecord),
        (status = 400, response = MalformedId),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not paused", body = ErrorBody),
    )
)]
async fn resume(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<CampaignRecord>> {
    let entry = operator
        .origin
        .entry(AuditAction::CampaignResume)
        .target(AuditTarget::Campaign, id);
    match context.store.resume_campaign(id, &entry).await? {
        ResumeOutcome::Resumed => Ok(ApiJson(context.store.campaign(id).await?.into())),
        ResumeOutcome::NotFound => Err(ApiError::NotFound("campaign")),
        ResumeOutcome::NotPaused { status } => Err(ApiError::Conflict(format!(
            "campaign is {status} and not paused"
        ))),
    }
}
