//! Routes of `/monitoring`: today's sending against the daily limit (R10) with its alert level
//! (R14), whether the circuit breaker has paused sending (R13), the last days of sending, and
//! the messages that failed, with how many failed of each kind.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::pagination::{Page, PageQuery};
use axum::extract::State;
use campaign_domain::{Channel, FailureKind, MessageType};
use campaign_store::reporting::percent;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(daily))
        .routes(routes!(history))
        .routes(routes!(errors))
        .routes(routes!(errors_by_kind))
}

/// How close today's sends are to the daily limit (R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Ok,
    Attention,
    Danger,
    Blocked,
}

/// R14's levels, written for the default limit of 1000 (0–750 ok, 751–900 attention,
/// 901–1000 danger, above blocked), scaled to `limit`: up to 75 % ok, up to 90 % attention, up
/// to 100 % danger, beyond blocked. A limit of zero or less refuses every send, so it is
/// always blocked. Integer arithmetic, so the boundaries are exact.
pub fn alert_level(sent: i32, limit: i32) -> AlertLevel {
    let (sent, limit) = (i64::from(sent), i64::from(limit));
    if limit <= 0 {
        AlertLevel::Blocked
    } else if sent * 100 <= limit * 75 {
        AlertLevel::Ok
    } else if sent * 100 <= limit * 90 {
        AlertLevel::Attention
    } else if sent <= limit {
        AlertLevel::Danger
    } else {
        AlertLevel::Blocked
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct DailyMonitoring {
    date: NaiveDate,
    sent: i32,
    message_1: i32,
    message_2: i32,
    errors: i32,
    limit: i32,
    remaining: i32,
    level: AlertLevel,
    /// Contacts who answered within their window today, as a percentage of today's Message 1
    /// sends (at most 100).
    interaction_rate: f64,
    sending_paused_until: Option<DateTime<Utc>>,
    /// On the Meta provider: the business's messaging limit (configured, else read from the
    /// account) and the unique contacts Message 1 reached in the last 24 hours, which it caps.
    messaging_limit: Option<MessagingLimit>,
}

/// Meta's messaging limit against its use (SPEC §7).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MessagingLimit {
    /// Unique contacts reached outside a service window per moving 24 hours; `null` when the
    /// account's limit is unlimited or unknown.
    limit: Option<i32>,
    reached_last_24h: i64,
    level: Option<AlertLevel>,
}

#[utoipa::path(
    get,
    path = "/api/v1/monitoring/daily",
    tag = "monitoring",
    operation_id = "daily_monitoring",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Today's sending (UTC day) against the daily limit", body = DailyMonitoring),
    )
)]
async fn daily(
    State(context): State<ApiContext>,
    _user: AuthUser,
) -> ApiResult<ApiJson<DailyMonitoring>> {
    let today = context.store.daily_sends().await?;
    let limit = context.config.daily_message_limit;
    let messaging_limit = match context.engine.channel {
        Channel::Templates { messaging_limit } => {
            let limit = match messaging_limit {
                Some(limit) => Some(limit),
                None => context.store.messaging_limit().await?,
            };
            let reached = context.store.contacts_reached_last_24h().await?;
            Some(MessagingLimit {
                limit,
                reached_last_24h: reached,
                level: limit
                    .map(|limit| alert_level(i32::try_from(reached).unwrap_or(i32::MAX), limit)),
            })
        }
        Channel::FreeText => None,
    };
    let message_1 = i64::from(today.message_1);
    Ok(ApiJson(DailyMonitoring {
        date: today.date,
        sent: today.sent,
        message_1: today.message_1,
        message_2: today.message_2,
        errors: today.errors,
        limit,
        remaining: (limit - today.sent).max(0),
        level: alert_level(today.sent, limit),
        interaction_rate: percent(today.answered.min(message_1), message_1),
        sending_paused_until: today.sending_paused_until,
        messaging_limit,
    }))
}

/// Days of history when the client asks for none, and the most it may ask for.
const DEFAULT_HISTORY_DAYS: u32 = 7;
const MAX_HISTORY_DAYS: u32 = 90;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// How many UTC days, today included (1 to 90, default 7).
    #[param(minimum = 1, maximum = 90)]
    days: Option<u32>,
}

/// One UTC day of sending.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct HistoryDay {
    date: NaiveDate,
    /// Message 1s handed to the provider that day (the daily ledger's count, R10).
    message_1: i32,
    /// Message 2s handed to the provider that day.
    message_2: i32,
    /// Sends that failed that day.
    errors: i32,
    /// Replies, reactions and media received.
    interactions: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SendingHistory {
    /// Oldest first; a day without sends is zeros.
    days: Vec<HistoryDay>,
}

#[utoipa::path(
    get,
    path = "/api/v1/monitoring/history",
    tag = "monitoring",
    operation_id = "sending_history",
    security(("bearer" = [])),
    params(HistoryQuery),
    responses(
        (status = 200, description = "Sends, errors and interactions of the last days", body = SendingHistory),
        (status = 422, description = "Days out of range, or a malformed query", body = ErrorBody),
    )
)]
async fn history(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<ApiJson<SendingHistory>> {
    let days = query.days.unwrap_or(DEFAULT_HISTORY_DAYS);
    if !(1..=MAX_HISTORY_DAYS).contains(&days) {
        return Err(ApiError::Validation(format!(
            "days must be between 1 and {MAX_HISTORY_DAYS}"
        )));
    }
    let days = context
        .store
        .sending_history(days as i32)
        .await?
        .into_iter()
        .map(|day| HistoryDay {
            date: day.date,
            message_1: day.message_1,
            message_2: day.message_2,
            errors: day.errors,
            interactions: day.interactions,
        })
        .collect();
    Ok(ApiJson(SendingHistory { days }))
}

/// A message the provider refused for good.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SendError {
    message_id: i64,
    campaign_id: i64,
    campaign_name: String,
    contact_id: i64,
    contact_name: Option<String>,
    phone: String,
    message_type: MessageType,
    /// The provider's or the engine's reason.
    error: Option<String>,
    /// What kind of failure `error` is: the console explains it by this kind.
    failure_kind: FailureKind,
    attempts: i32,
    at: DateTime<Utc>,
}

impl From<campaign_store::reporting::SendError> for SendError {
    fn from(error: campaign_store::reporting::SendError) -> SendError {
        SendError {
            message_id: error.message_id,
            campaign_id: error.campaign_id,
            campaign_name: error.campaign_name,
            contact_id: error.contact_id,
            contact_name: error.contact_name,
            phone: error.phone,
            message_type: error.message_type,
            error: error.error,
            failure_kind: error.failure_kind,
            attempts: error.attempts,
            at: error.at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ErrorsQuery {
    /// Only the failures of this kind.
    #[param(inline)]
    kind: Option<FailureKind>,
}

/// The failed messages still on record, of one kind or all. A retry of a campaign removes the
/// failed messages it sends again, so after one this list can be shorter than the days'
/// `errors`, which count each refusal when it happened.
#[utoipa::path(
    get,
    path = "/api/v1/monitoring/errors",
    tag = "monitoring",
    operation_id = "recent_send_errors",
    security(("bearer" = [])),
    params(PageQuery, ErrorsQuery),
    responses(
        (status = 200, description = "Failed messages, most recent first", body = Page<SendError>),
        (status = 422, description = "Invalid page, size or kind", body = ErrorBody),
    )
)]
async fn errors(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ErrorsQuery>,
) -> ApiResult<ApiJson<Page<SendError>>> {
    let page = page.request()?;
    Ok(ApiJson(
        context
            .store
            .recent_send_errors(query.kind, page)
            .await?
            .into(),
    ))
}

/// How many failed messages on record are of one kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct KindCount {
    kind: FailureKind,
    count: i64,
}

/// The failed messages on record, counted by kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ErrorsByKind {
    /// Every failed message on record: the sum of `by_kind`.
    total: i64,
    /// Most frequent first; kinds with no failure are left out.
    by_kind: Vec<KindCount>,
}

#[utoipa::path(
    get,
    path = "/api/v1/monitoring/errors/by-kind",
    tag = "monitoring",
    operation_id = "send_errors_by_kind",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Failed messages counted by kind", body = ErrorsByKind),
    )
)]
async fn errors_by_kind(
    State(context): State<ApiContext>,
    _user: AuthUser,
) -> ApiResult<ApiJson<ErrorsByKind>> {
    let by_kind: Vec<KindCount> = context
        .store
        .send_errors_by_kind()
        .await?
        .into_iter()
        .map(|(kind, count)| KindCount { kind, count })
        .collect();
    Ok(ApiJson(ErrorsByKind {
        total: by_kind.iter().map(|kind| kind.count).sum(),
        by_kind,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r14_levels_at_the_default_limit() {
        let level = |sent| alert_level(sent, 1000);
        assert_eq!(level(0), AlertLevel::Ok);
        assert_eq!(level(750), AlertLevel::Ok);
        assert_eq!(level(751), AlertLevel::Attention);
        assert_eq!(level(900), AlertLevel::Attention);
        assert_eq!(level(901), AlertLevel::Danger);
        assert_eq!(level(1000), AlertLevel::Danger);
        assert_eq!(level(1001), AlertLevel::Blocked);
    }

    #[test]
    fn levels_scale_with_the_limit() {
        let level = |sent| alert_level(sent, 20);
        assert_eq!(level(15), AlertLevel::Ok);
        assert_eq!(level(16), AlertLevel::Attention);
        assert_eq!(level(18), AlertLevel::Attention);
        assert_eq!(level(19), AlertLevel::Danger);
        assert_eq!(level(20), AlertLevel::Danger);
        assert_eq!(level(21), AlertLevel::Blocked);
        assert_eq!(alert_level(0, 0), AlertLevel::Blocked);
        assert_eq!(alert_level(i32::MAX, i32::MAX), AlertLevel::Danger);
    }

    proptest::proptest! {
        #[test]
        fn levels_never_go_down_as_sends_grow(
            limit in 0..=1_000_000i32,
            a in 0..=2_000_002i32,
            b in 0..=2_000_002i32,
        ) {
            proptest::prop_assert!(alert_level(a.min(b), limit) <= alert_level(a.max(b), limit));
        }

        #[test]
        fn beyond_the_limit_is_always_blocked(limit in 0..=1_000_000i32, over in 1..=1_000i32) {
            proptest::prop_assert_eq!(alert_level(limit + over, limit), AlertLevel::Blocked);
        }
    }
}
