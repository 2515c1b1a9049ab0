//! `/templates`: the business account's WhatsApp template catalog (SPEC §7), as the console's
//! campaign editor picks from it. It is read from Meta when the API starts and on an operator's
//! request, and kept current between reads by Meta's template webhooks.

use crate::audit::Operator;
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use axum::extract::State;
use campaign_domain::{AuditAction, CatalogTemplate};
use campaign_store::{AuditEntry, CatalogEntry};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(sync))
}

/// A template of the catalog, with what Meta last said of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CatalogItem {
    #[serde(flatten)]
    template: CatalogTemplate,
    /// Why Meta gave it its status (a rejection or a pause), when it said.
    status_reason: Option<String>,
    /// Meta's quality rating (`GREEN`, `YELLOW`, `RED`), when it said.
    quality: Option<String>,
    updated_at: DateTime<Utc>,
}

impl From<CatalogEntry> for CatalogItem {
    fn from(entry: CatalogEntry) -> CatalogItem {
        CatalogItem {
            template: entry.template,
            status_reason: entry.status_reason,
            quality: entry.quality,
            updated_at: entry.updated_at,
        }
    }
}

/// The catalog after a read from the business account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SyncAnswer {
    templates: Vec<CatalogItem>,
    /// Campaigns paused because a template they use is now paused or disabled.
    paused_campaigns: u64,
    /// The business's messaging limit as read (`null`: unlimited or not exposed).
    messaging_limit: Option<i32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/templates",
    tag = "templates",
    operation_id = "list_templates",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The template catalog, by name then language (empty on a provider without templates)", body = Vec<CatalogItem>),
    )
)]
async fn list(
    _user: AuthUser,
    State(context): State<ApiContext>,
) -> ApiResult<ApiJson<Vec<CatalogItem>>> {
    Ok(ApiJson(
        context
            .store
            .catalog()
            .await?
            .into_iter()
            .map(CatalogItem::from)
            .collect(),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/templates/sync",
    tag = "templates",
    operation_id = "sync_templates",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalog as read from the business account now", body = SyncAnswer),
        (status = 503, description = "The provider could not be read", body = ErrorBody),
    )
)]
async fn sync(
    State(context): State<ApiContext>,
    operator: Operator,
) -> ApiResult<ApiJson<SyncAnswer>> {
    let entry = operator.origin.entry(AuditAction::TemplatesSync);
    let (paused_campaigns, messaging_limit) = sync_catalog(&context, Some(&entry)).await?;
    let templates = context
        .store
        .catalog()
        .await?
        .into_iter()
        .map(CatalogItem::from)
        .collect();
    Ok(ApiJson(SyncAnswer {
        templates,
        paused_campaigns,
        messaging_limit,
    }))
}

/// Reads the catalog and the messaging limit from the provider into the store; answers how
/// many campaigns paused and the limit read.
pub async fn sync_catalog(
    context: &ApiContext,
    entry: Option<&AuditEntry>,
) -> ApiResult<(u64, Option<i32>)> {
    let unavailable = |err: campaign_provider::ProviderError| {
        tracing::warn!(reason = err.reason(), "reading the template catalog failed");
        ApiError::Unavailable("WhatsApp provider")
    };
    let templates = context
        .provider
        .list_templates()
        .await
        .map_err(unavailable)?;
    let messaging_limit = context
        .provider
        .messaging_limit()
        .await
        .map_err(unavailable)?;
    let paused = context.store.replace_catalog(&templates, entry).await?;
    context.store.set_messaging_limit(messaging_limit).await?;
    tracing::info!(
        templates = templates.len(),
        paused_campaigns = paused,
        "template catalog read"
    );
    Ok((paused, messaging_limit))
}
