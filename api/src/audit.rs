//! The audit log at the HTTP boundary (R22): who a request acts as and from which address
//! ([`Operator`], [`ClientAddr`]), and `GET /audit`, the super admin's read of the log. No route
//! changes the log: rows are written by the store, in the transaction of each change.
//!
//! The client address is the TCP peer (the server is served with `ConnectInfo`), not a
//! forwarded-for header, which any client can forge: behind a reverse proxy the log shows the
//! proxy's address.

use crate::auth::{AuthUser, SuperAdmin};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::openapi::NotSuperAdmin;
use crate::pagination::{Page, PageQuery};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use campaign_domain::{ActorKind, AuditAction, AuditTarget};
use campaign_store::audit::{AuditFilter, AuditRecord};
use campaign_store::users::User as UserRow;
use campaign_store::{Actor, Origin};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(list))
}

/// The address of the client a request came from, when the server knows it (it always does
/// when served by [`crate::Application`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                // An IPv4 client of a dual-stack socket shows as `::ffff:a.b.c.d`.
                .map(|ConnectInfo(addr)| addr.ip().to_canonical()),
        ))
    }
}

/// The audit origin of `user` acting from `client_addr`.
pub fn origin_of(user: &UserRow, client_addr: Option<IpAddr>) -> Origin {
    Origin::new(Actor::user(user.id, user.email.clone()), client_addr)
}

/// The summary of an edit: the names of the fields it gives (never their values, which may be
/// secrets or personal data).
pub fn changed(fields: &[(&str, bool)]) -> serde_json::Value {
    let names: Vec<&str> = fields
        .iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| *name)
        .collect();
    serde_json::json!({ "changed": names })
}

/// Ids listed in a summary at most; a longer list is cut there (the table bounds a summary's
/// size, and a body may repeat an id thousands of times).
const MAX_SUMMARY_IDS: usize = 50;
/// Characters of free text (a search) kept in a summary.
const MAX_SUMMARY_TEXT_CHARS: usize = 100;

/// A list of ids as a summary shows it: distinct, sorted, at most [`MAX_SUMMARY_IDS`].
pub fn id_list(ids: &[i64]) -> serde_json::Value {
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.truncate(MAX_SUMMARY_IDS);
    serde_json::json!(distinct)
}

/// Free text as a summary keeps it: its first [`MAX_SUMMARY_TEXT_CHARS`] characters.
pub fn short_text(text: &str) -> String {
    text.chars().take(MAX_SUMMARY_TEXT_CHARS).collect()
}

/// The authenticated user of a request and where it acts from: what its audit rows record.
#[derive(Debug, Clone)]
pub struct Operator {
    pub user: UserRow,
    pub origin: Origin,
}

impl FromRequestParts<ApiContext> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, context: &ApiContext) -> ApiResult<Self> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, context).await?;
        let ClientAddr(client_addr) = ClientAddr::from_request_parts(parts, context)
            .await
            .unwrap_or_else(|never| match never {});
        Ok(Operator {
            origin: origin_of(&user, client_addr),
            user,
        })
    }
}

/// Filters of `GET /audit`; they combine with AND.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// An actor id, or an actor label (email or phone) matched whole, ignoring case.
    #[param(max_length = 320, pattern = r"^[^\u0000]*$")]
    actor: Option<String>,
    action: Option<AuditAction>,
    target_type: Option<AuditTarget>,
    #[param(max_length = 320, pattern = r"^[^\u0000]*$")]
    target_id: Option<String>,
    /// From this time (RFC 3339), inclusive.
    from: Option<DateTime<Utc>>,
    /// Up to this time (RFC 3339), exclusive; before `from`, the range selects nothing.
    to: Option<DateTime<Utc>>,
}

/// Longest filter value: the longest label the log keeps.
const MAX_FILTER_CHARS: usize = 320;

impl AuditQuery {
    fn filter(self) -> ApiResult<AuditFilter> {
        let texts = [&self.actor, &self.target_id];
        if texts
            .into_iter()
            .flatten()
            .any(|text| text.chars().count() > MAX_FILTER_CHARS)
        {
            return Err(ApiError::Validation(format!(
                "filters are at most {MAX_FILTER_CHARS} characters"
            )));
        }
        let given = |value: Option<String>| {
            value
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        Ok(AuditFilter {
            actor: given(self.actor),
            action: self.action,
            target_type: self.target_type,
            target_id: given(self.target_id),
            from: self.from,
            to: self.to,
        })
    }
}

/// One audited action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    id: i64,
    occurred_at: DateTime<Utc>,
    /// `anonymous`: a sign-in that did not succeed.
    actor_kind: ActorKind,
    actor_id: Option<i64>,
    /// The actor's email or phone, as it was when they acted.
    actor_label: Option<String>,
    action: AuditAction,
    target_type: Option<AuditTarget>,
    target_id: Option<String>,
    /// What changed, briefly (field names, counts); never a secret.
    #[schema(value_type = Object)]
    summary: serde_json::Value,
    /// The client's address (the TCP peer).
    client_addr: Option<String>,
}

impl From<AuditRecord> for AuditRow {
    fn from(record: AuditRecord) -> AuditRow {
        AuditRow {
            id: record.id,
            occurred_at: record.occurred_at,
            actor_kind: record.actor_kind,
            actor_id: record.actor_id,
            actor_label: record.actor_label,
            action: record.action,
            target_type: record.target_type,
            target_id: record.target_id,
            summary: record.summary,
            client_addr: record.client_addr,
        }
    }
}

/// The audit log, newest first (R22). Read-only: no route changes it.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    operation_id = "list_audit",
    security(("bearer" = [])),
    params(PageQuery, AuditQuery),
    responses(
        (status = 200, description = "A page of audit rows, newest first", body = Page<AuditRow>),
        (status = 403, response = NotSuperAdmin),
        (status = 422, description = "Invalid page, size, time or filter", body = ErrorBody),
    )
)]
async fn list(
    _: SuperAdmin,
    State(context): State<ApiContext>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<ApiJson<Page<AuditRow>>> {
    let page = page.request()?;
    let filter = query.filter()?;
    Ok(ApiJson(
        context.store.audit_page(&filter, page).await?.into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_stay_short() {
        let repeated = vec![7; 10_000];
        assert_eq!(id_list(&repeated), serde_json::json!([7]));
        let many: Vec<i64> = (0..1_000).rev().collect();
        assert_eq!(id_list(&many).as_array().unwrap().len(), MAX_SUMMARY_IDS);
        assert_eq!(
            short_text(&"é".repeat(500)).chars().count(),
            MAX_SUMMARY_TEXT_CHARS
        );
        assert_eq!(
            changed(&[("name", true), ("color", false)]),
            serde_json::json!({ "changed": ["name"] })
        );
    }
}
