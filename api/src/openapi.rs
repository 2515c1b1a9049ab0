//! The OpenAPI 3.1 document of the API (SPEC §6), generated from the handlers'
//! `#[utoipa::path]` annotations: served as JSON at `GET /api/v1/openapi.json` and as an
//! interactive page (Scalar) at `GET /api/v1/docs`, both without authentication.
//!
//! The schemas below only describe answers that handlers build as ad-hoc JSON (the error body,
//! health, small acknowledgements); every other schema is derived on the type the handler
//! actually reads or writes.

use crate::auth::{LoginRequest, RefreshRequest, TokenResponse};
use crate::operations::Launched;
use crate::routes::monitoring::AlertLevel;
use crate::routes::{
    campaigns, categories, contacts, health, messages, monitoring, users, webhooks,
};
use crate::{auth, metrics};
use axum::Json;
use campaign_domain::SettingsOverrides;
use campaign_store::campaigns_api::{CampaignContact, CampaignRecord, CampaignState};
use campaign_store::contacts::{Category, Contact};
use campaign_store::reporting::{CampaignStats, MessageListItem, MessageStats};
use campaign_store::users::User;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Object, ObjectBuilder, Type};
use utoipa::{Modify, OpenApi, ToSchema};

/// Name of the bearer (JWT) security scheme the handlers' `security(...)` refer to.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "WhatsApp campaign engine API",
        description = "Contacts, categories and two-message WhatsApp campaigns run by Temporal \
            workflows. Every error answers `{\"error\": {\"code\", \"message\"}}`."
    ),
    paths(
        auth::login,
        auth::refresh,
        auth::me,
        health::health,
        metrics::render,
        users::list,
        users::create,
        users::show,
        users::update,
        users::remove,
        categories::list,
        categories::create,
        categories::show,
        categories::update,
        categories::remove,
        categories::add_contacts,
        categories::remove_contact,
        contacts::list,
        contacts::create,
        contacts::show,
        contacts::update,
        contacts::remove,
        contacts::import,
        contacts::export,
        contacts::verify,
        contacts::verify_many,
        campaigns::list,
        campaigns::create,
        campaigns::show,
        campaigns::update,
        campaigns::remove,
        campaigns::send,
        campaigns::stop,
        campaigns::retry,
        campaigns::relaunch,
        campaigns::stats,
        campaigns::contacts,
        messages::list,
        messages::stats,
        monitoring::daily,
        webhooks::receive,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        HealthReport,
        AddedAnswer,
        BulkVerifyAnswer,
        WebhookAnswer,
        LoginRequest,
        RefreshRequest,
        TokenResponse,
        User,
        Category,
        Contact,
        CampaignRecord,
        CampaignState,
        CampaignContact,
        CampaignStats,
        SettingsOverrides,
        Launched,
        MessageListItem,
        MessageStats,
        AlertLevel,
    )),
    modifiers(&BearerSecurity),
    tags(
        (name = "auth", description = "Log in, refresh tokens, who am I"),
        (name = "health", description = "Liveness of the API and its dependencies"),
        (name = "users", description = "User administration (super_admin only)"),
        (name = "categories", description = "Groups of contacts that campaigns target"),
        (name = "contacts", description = "Contacts, CSV import and export, WhatsApp checks"),
        (name = "campaigns", description = "Campaign drafts, operations and results"),
        (name = "messages", description = "Messages sent and their statuses"),
        (name = "monitoring", description = "Daily sending against the limit"),
        (name = "webhooks", description = "Provider (Wassenger) events"),
        (name = "metrics", description = "Prometheus metrics"),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` HTTP security scheme (JWT access tokens from `/auth/login`).
struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from `POST /api/v1/auth/login`"))
                    .build(),
            ),
        );
    }
}

/// The document, built once.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// `GET /openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(DOCUMENT.clone())
}

/// `GET /docs`: the interactive page (Scalar), with the document embedded.
pub fn docs_page<S: Clone + Send + Sync + 'static>(path: &'static str) -> axum::Router<S> {
    use utoipa_scalar::{Scalar, Servable};
    Scalar::with_url(path, DOCUMENT.clone()).into()
}

/// Every error answer: `{"error": {"code", "message"}}`, with the HTTP status telling the kind.
#[derive(Debug, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `validation_error`, `quota_exceeded`, `payload_too_large`, `unavailable` or
    /// `internal_error`.
    #[schema(example = "not_found")]
    pub code: String,
    #[schema(example = "campaign not found")]
    pub message: String,
    /// With `quota_exceeded` only: messages still allowed today.
    pub remaining: Option<i64>,
}

/// `GET /health`.
#[derive(Debug, ToSchema)]
pub struct HealthReport {
    /// `ok`, or `degraded` (answered with 503) when a dependency is down.
    #[schema(example = "ok")]
    pub status: String,
    /// `up` or `down`.
    #[schema(example = "up")]
    pub database: String,
    /// `up` or `down`.
    #[schema(example = "up")]
    pub temporal: String,
}

/// Contacts added to a category (those already in it are not counted).
#[derive(Debug, ToSchema)]
pub struct AddedAnswer {
    pub added: u64,
}

/// A bulk WhatsApp check accepted: the distinct contacts it will check.
#[derive(Debug, ToSchema)]
pub struct BulkVerifyAnswer {
    pub accepted: u64,
    /// The workflow doing the checks, when they run in one.
    pub workflow_id: Option<String>,
}

/// What the bridge did with a provider event.
#[derive(Debug, ToSchema)]
pub struct WebhookAnswer {
    /// `signalled`, `recorded_late`, `recorded_without_journey`, `status_updated`,
    /// `status_unchanged` or `ignored`.
    #[schema(example = "signalled")]
    pub status: String,
}

/// A string restricted to `values`, for query parameters whose type lives in the domain crate.
fn string_enum(values: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// `JourneyState` values.
pub(crate) fn journey_state_schema() -> Object {
    string_enum(&[
        "queued",
        "sending_message_1",
        "awaiting_interaction",
        "sending_message_2",
        "message_2_sent",
        "no_interaction",
        "late_interaction",
        "failed",
        "cancelled",
    ])
}

/// `MessageStatus` values.
pub(crate) fn message_status_schema() -> Object {
    string_enum(&["pending", "sent", "delivered", "read", "failed"])
}

/// `MessageType` values.
pub(crate) fn message_type_schema() -> Object {
    string_enum(&["message_1", "message_2"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every `$ref` names a schema of the document, and operation ids are unique (clients
    /// generated from the document name their methods after them).
    #[test]
    fn references_resolve_and_operation_ids_are_unique() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let text = document.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(schemas.contains_key(name), "dangling reference to {name}");
        }
        let mut seen = HashSet::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(
                    seen.insert(id.to_owned()),
                    "{method} {path}: duplicate id {id}"
                );
            }
        }
    }
}
