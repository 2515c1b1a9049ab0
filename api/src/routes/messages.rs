//! Routes of `/messages`: the message list with filters, and counts by status with rates.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::pagination::{Page, PageQuery};
use crate::routes::contacts::non_blank;
use axum::extract::State;
use campaign_domain::{FailureKind, MessageStatus, MessageType};
use campaign_store::reporting::MessageFilter;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stats))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only messages of this campaign.
    campaign_id: Option<i64>,
    /// Only messages to this contact.
    contact_id: Option<i64>,
    #[param(inline)]
    status: Option<MessageStatus>,
    #[param(inline)]
    message_type: Option<MessageType>,
    /// A fragment of the recipient's name (case-insensitive) or phone number.
    #[param(max_length = 200)]
    q: Option<String>,
}

/// Longest search text: a name or a phone number is far shorter.
const MAX_SEARCH_CHARS: usize = 200;

/// One message as the API lists it, with its recipient's phone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageListItem {
    id: i64,
    campaign_id: i64,
    contact_id: i64,
    phone: String,
    message_type: MessageType,
    content: String,
    status: MessageStatus,
    provider_message_id: Option<String>,
    attempts: i32,
    error: Option<String>,
    /// The kind of `error`: why the message failed, or why its last attempt did.
    failure_kind: Option<FailureKind>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    read_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
}

impl From<campaign_store::reporting::MessageListItem> for MessageListItem {
    fn from(message: campaign_store::reporting::MessageListItem) -> MessageListItem {
        MessageListItem {
            id: message.id,
            campaign_id: message.campaign_id,
            contact_id: message.contact_id,
            phone: message.phone,
            message_type: message.message_type,
            content: message.content,
            status: message.status,
            provider_message_id: message.provider_message_id,
            attempts: message.attempts,
            error: message.error,
            failure_kind: message.failure_kind,
            created_at: message.created_at,
            sent_at: message.sent_at,
            delivered_at: message.delivered_at,
            read_at: message.read_at,
            failed_at: message.failed_at,
        }
    }
}

/// Messages by current status (each message counted once, so the five add up to `total`) and
/// rates in percent, two decimals:
/// - `success_rate`: accepted by the provider (`sent`, `delivered` or `read`) among messages
///   with an outcome (pending ones are still being tried);
/// - `delivery_rate`: `delivered` or `read` among accepted ones (a read message was delivered);
/// - `read_rate`: `read` among accepted ones.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageStats {
    total: i64,
    sent: i64,
    delivered: i64,
    read: i64,
    failed: i64,
    pending: i64,
    success_rate: f64,
    delivery_rate: f64,
    read_rate: f64,
}

impl From<campaign_store::reporting::MessageStats> for MessageStats {
    fn from(stats: campaign_store::reporting::MessageStats) -> MessageStats {
        MessageStats {
            total: stats.total,
            sent: stats.sent,
            delivered: stats.delivered,
            read: stats.read,
            failed: stats.failed,
            pending: stats.pending,
            success_rate: stats.success_rate,
            delivery_rate: stats.delivery_rate,
            read_rate: stats.read_rate,
        }
    }
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
    params(PageQuery, ListQuery),
    responses(
        (status = 200, description = "A page of messages, newest first", body = Page<MessageListItem>),
        (status = 422, description = "Invalid page, size, status, message_type or q", body = ErrorBody),
    )
)]
async fn list(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<MessageListItem>>> {
    let page = page.request()?;
    if query
        .q
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(ApiError::Validation(format!(
            "q must be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let filter = MessageFilter {
        campaign_id: query.campaign_id,
        contact_id: query.contact_id,
        status: query.status,
        message_type: query.message_type,
        search: non_blank(query.q),
    };
    Ok(ApiJson(
        context.store.list_messages(filter, page).await?.into(),
    ))
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
        (status = 422, description = "Invalid query", body = ErrorBody),
    )
)]
async fn stats(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<ApiJson<MessageStats>> {
    Ok(ApiJson(
        context.store.message_stats(query.campaign_id).await?.into(),
    ))
}
