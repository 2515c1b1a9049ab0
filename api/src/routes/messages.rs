//! Routes of `/messages`: the message list with filters, and counts by status with rates.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiJson, ApiQuery, ApiResult};
use crate::openapi::ErrorBody;
use crate::routes::campaigns::page_request;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use campaign_domain::{MessageStatus, MessageType};
use campaign_store::campaigns_api::Page;
use campaign_store::reporting::{MessageFilter, MessageListItem, MessageStats};
use serde::Deserialize;

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/messages", get(list))
        .route("/messages/stats", get(stats))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Page number, from 1 (default 1).
    page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    size: Option<u32>,
    /// Only messages of this campaign.
    campaign_id: Option<i64>,
    /// Only messages to this contact.
    contact_id: Option<i64>,
    #[param(schema_with = crate::openapi::message_status_schema)]
    status: Option<MessageStatus>,
    #[param(schema_with = crate::openapi::message_type_schema)]
    message_type: Option<MessageType>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsQuery {
    /// Only messages of this campaign; all messages when absent.
    campaign_id: Option<i64>,
}

/// Messages, newest first; an unknown `status` or `message_type` is refused (422).
#[utoipa::path(
    get,
    path = "/api/v1/messages",
    tag = "messages",
    operation_id = "list_messages",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of messages, newest first", body = Page<MessageListItem>),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 422, description = "Invalid page, size, status or message_type", body = ErrorBody),
    )
)]
async fn list(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<MessageListItem>>> {
    let page = page_request(query.page, query.size)?;
    let filter = MessageFilter {
        campaign_id: query.campaign_id,
        contact_id: query.contact_id,
        status: query.status,
        message_type: query.message_type,
    };
    Ok(ApiJson(context.store.list_messages(filter, page).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/messages/stats",
    tag = "messages",
    operation_id = "message_stats",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Counts by status, with rates in percent", body = MessageStats),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 422, description = "Invalid query", body = ErrorBody),
    )
)]
async fn stats(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<ApiJson<MessageStats>> {
    Ok(ApiJson(
        context.store.message_stats(query.campaign_id).await?,
    ))
}
