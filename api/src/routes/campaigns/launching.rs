//! The campaign operations: send, schedule, stop, retry and relaunch, each handed to the engine
//! (`crate::operations`), and the audience preview an operator reads before launching.

use super::CampaignRecord;
use crate::audit::Operator;
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::openapi::{MalformedId, MalformedJson};
use crate::operations::{Launched, OperationError};
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::audience::MAX_AUDIENCE_SETS;
use campaign_domain::{AudienceSet, FrequencyCap, LaunchTime, json_integer, settings};
use campaign_store::campaigns::{AudienceSource, SourceCount};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The audience a draft would target: categories and/or earlier campaigns' outcome sets (R23),
/// under the frequency cap it would run with (R24).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AudienceRequest {
    #[serde(deserialize_with = "json_integer::vec")]
    #[schema(max_items = 1000)]
    category_ids: Vec<i64>,
    #[serde(default)]
    #[schema(max_items = 20)]
    audience_sets: Vec<AudienceSet>,
    /// The draft's cap override: left out, the configured default; `null`, no cap.
    #[serde(default, deserialize_with = "settings::present")]
    #[schema(value_type = Option<FrequencyCap>, nullable)]
    frequency_cap: Option<Option<FrequencyCap>>,
}

/// How many contacts one source holds on its own, before the others, the excluded sets,
/// opt-outs and the cap.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct SourcePreview {
    /// The category counted, or ...
    category_id: Option<i64>,
    /// ... the outcome set counted.
    set: Option<AudienceSet>,
    contacts: i64,
}

impl From<SourceCount> for SourcePreview {
    fn from(count: SourceCount) -> Self {
        match count {
            SourceCount::Category {
                category_id,
                contacts,
            } => SourcePreview {
                category_id: Some(category_id),
                set: None,
                contacts,
            },
            SourceCount::Set { set, contacts } => SourcePreview {
                category_id: None,
                set: Some(set),
                contacts,
            },
        }
    }
}

/// Whom a launch of this audience would reach, and whether today's quota allows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct AudiencePreview {
    /// Distinct contacts: one counted once however many sources hold it, the excluded sets
    /// taken out. Contacts who opted out (R19) or reached the frequency cap (R24) are not in
    /// it ...
    audience: i64,
    /// ... they are counted here ...
    opted_out_excluded: i64,
    /// ... and here.
    capped_excluded: i64,
    /// The cap the count applied, if any.
    frequency_cap: Option<FrequencyCap>,
    /// Each category and each outcome set, counted on its own, in the request's order.
    sources: Vec<SourcePreview>,
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
pub(super) struct StopAnswer {
    campaign_id: i64,
    stop_requested: bool,
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
        (status = 400, response = MalformedId),
        (status = 202, description = "The campaign started", body = Launched),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft (a repeated call starts nothing), or its categories hold no contact", body = ErrorBody),
        (status = 422, description = "Invalid settings", body = ErrorBody),
        (status = 429, description = "Today's quota would be exceeded (`remaining` says by how much)", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn send(
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
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not a draft, or already scheduled", body = ErrorBody),
        (status = 422, description = "`at` is not in the future or more than 90 days ahead, or invalid settings", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn schedule(
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
        (status = 400, response = MalformedId),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not scheduled (it may have launched already)", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn unschedule(
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
        (status = 400, response = MalformedId),
        (status = 202, description = "Stop requested: open journeys end as `cancelled`", body = StopAnswer),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign has already finished", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn stop(
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
        (status = 400, response = MalformedId),
        (status = 202, description = "New journeys started for the failed contacts", body = Launched),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign has not finished, or no contact failed", body = ErrorBody),
        (status = 422, description = "Invalid settings", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn retry(
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
        (status = 400, response = MalformedId),
        (status = 202, description = "A new campaign (its id in the answer) started with the same texts and audience", body = Launched),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign has not finished, or its categories hold no contact", body = ErrorBody),
        (status = 422, description = "Invalid settings", body = ErrorBody),
        (status = 429, description = "Today's quota would be exceeded", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn relaunch(
    State(context): State<ApiContext>,
    operator: Operator,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, ApiJson<Launched>)> {
    let launched = context.engine.relaunch(id, &operator.origin).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(launched)))
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/audience",
    tag = "campaigns",
    operation_id = "campaign_audience",
    security(("bearer" = [])),
    request_body = AudienceRequest,
    responses(
        (status = 200, description = "The deduplicated audience of these categories and outcome sets, and today's quota", body = AudiencePreview),
        (status = 400, response = MalformedJson),
        (status = 409, description = "Outcome sets of campaigns that do not exist or never ran (`unknown_reference`)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Body of the wrong shape, or too many categories or sets", body = ErrorBody),
    )
)]
pub(super) async fn audience(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiJson(request): ApiJson<AudienceRequest>,
) -> ApiResult<ApiJson<AudiencePreview>> {
    if request.category_ids.len() > 1000 {
        return Err(ApiError::Validation(
            "at most 1000 categories at once".to_owned(),
        ));
    }
    if request.audience_sets.len() > MAX_AUDIENCE_SETS {
        return Err(ApiError::Validation(format!(
            "at most {MAX_AUDIENCE_SETS} audience sets"
        )));
    }
    let source = AudienceSource {
        category_ids: &request.category_ids,
        sets: &request.audience_sets,
    };
    let unusable = context.store.unusable_sources(source).await?;
    if !unusable.is_empty() {
        return Err(ApiError::UnknownReference(format!(
            "audience_sets name campaigns that do not exist or never ran: {unusable:?}"
        )));
    }
    let frequency_cap = request
        .frequency_cap
        .unwrap_or(context.engine.defaults.frequency_cap);
    let audience = context.store.audience(source, frequency_cap).await?;
    let daily_limit = context.config.daily_message_limit;
    let sent_today = context.store.sent_today().await?;
    Ok(ApiJson(AudiencePreview {
        audience: audience.contacts,
        opted_out_excluded: audience.opted_out,
        capped_excluded: audience.capped,
        frequency_cap,
        sources: audience.sources.into_iter().map(Into::into).collect(),
        not_on_whatsapp: audience.not_on_whatsapp,
        remaining_today: (i64::from(daily_limit) - i64::from(sent_today)).max(0),
        daily_limit,
        sample: audience.sample.map(Into::into),
    }))
}
