//! Routes of `/messages`: the message list with filters, and counts by status with rates.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiJson, ApiQuery, ApiResult};
use crate::routes::campaigns::page_request;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use campaign_activities::store::campaigns_api::Page;
use campaign_activities::store::reporting::{MessageFilter, MessageListItem, MessageStats};
use campaign_domain::{MessageStatus, MessageType};
use serde::Deserialize;

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/messages", get(list))
        .route("/messages/stats", get(stats))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    page: Option<u32>,
    size: Option<u32>,
    campaign_id: Option<i64>,
    contact_id: Option<i64>,
    status: Option<MessageStatus>,
    message_type: Option<MessageType>,
}

#[derive(Debug, Deserialize)]
struct StatsQuery {
    campaign_id: Option<i64>,
}

/// Messages, newest first; an unknown `status` or `message_type` is refused (422).
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

async fn stats(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<ApiJson<MessageStats>> {
    Ok(ApiJson(
        context.store.message_stats(query.campaign_id).await?,
    ))
}
