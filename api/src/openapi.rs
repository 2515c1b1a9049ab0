//! The OpenAPI 3.1 document of the API (SPEC §6): its title, tags and security scheme here, its
//! paths and schemas from the routes that answer them ([`crate::routes::api`]). Served as JSON at
//! `GET /api/v1/openapi.json` and as an interactive page (Scalar) at `GET /api/v1/docs`, both
//! without authentication.

use axum::Json;
use axum::routing::get;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable};

/// Name of the bearer (JWT) security scheme the handlers' `security(...)` refer to.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "WhatsApp campaign engine API",
        description = "Contacts, categories and two-message WhatsApp campaigns run by Temporal \
            workflows. Every error answers `{\"error\": {\"code\", \"message\"}}`."
    ),
    components(schemas(campaign_domain::CampaignState)),
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

/// `GET /openapi.json` and `GET /docs` (the interactive page, with the document embedded), at
/// `prefix`.
pub fn routes<S: Clone + Send + Sync + 'static>(
    prefix: &str,
    document: utoipa::openapi::OpenApi,
) -> axum::Router<S> {
    let docs_page: axum::Router<S> =
        Scalar::with_url(format!("{prefix}/docs"), document.clone()).into();
    let document = Arc::new(document);
    axum::Router::new()
        .route(
            &format!("{prefix}/openapi.json"),
            get(move || async move { Json(document.as_ref().clone()) }),
        )
        .merge(docs_page)
}
