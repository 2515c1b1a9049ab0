//! The OpenAPI 3.1 document of the API (SPEC §6): its title, tags and security scheme here, its
//! paths and schemas from the routes that answer them ([`crate::routes::api`]). Served as JSON at
//! `GET /api/v1/openapi.json` and as an interactive page (Scalar, bundled: nothing is loaded
//! from a CDN) at `GET /api/v1/docs`, both without authentication.

use crate::error::ErrorBody;
use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// Name of the bearer (JWT) security scheme the handlers' `security(...)` refer to.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "WhatsApp campaign engine API",
        description = "Contacts, categories and two-message WhatsApp campaigns run by Temporal \
            workflows. Every error answers `{\"error\": {\"code\", \"message\"}}`."
    ),
    components(
        schemas(campaign_domain::CampaignState),
        responses(NotSuperAdmin, MalformedId, MalformedJson),
    ),
    modifiers(&BearerSecurity),
    tags(
        (name = "auth", description = "Log in, refresh tokens, who am I; the console's cookie sessions"),
        (name = "console", description = "What the operator console needs beside the data"),
        (name = "health", description = "Liveness of the API and its dependencies"),
        (name = "users", description = "User administration (super_admin only)"),
        (name = "audit", description = "The append-only audit log (super_admin only)"),
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

// Answers many routes share, declared once in `components.responses` and referenced as
// `(status = ..., response = Name)`; each doc line is the description the document shows.

// The 403 of every route only a super admin may use (`crate::auth::SuperAdmin`).
/// Not a super_admin
#[derive(utoipa::ToResponse)]
pub struct NotSuperAdmin(pub ErrorBody);

// The 400 of a route whose path id is not a number (`crate::error::ApiPath`).
/// Malformed id (not a 64-bit integer)
#[derive(utoipa::ToResponse)]
pub struct MalformedId(pub ErrorBody);

// The 400 of a route whose body is not JSON (`crate::error::ApiJson`).
/// Malformed JSON
#[derive(utoipa::ToResponse)]
pub struct MalformedJson(pub ErrorBody);

/// Name of the shared 401 response in `components.responses`.
const UNAUTHORIZED: &str = "Unauthorized";

/// The 401 every operation behind the `bearer` scheme may answer, declared once: added to the
/// document's shared responses and referenced from each such operation that does not describe a
/// 401 of its own. Applied to the assembled document ([`crate::routes::api`]), since the
/// operations come from the routes.
pub struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let unauthorized = ResponseBuilder::new()
            .description("Missing or invalid access token")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .responses
            .insert(UNAUTHORIZED.to_owned(), RefOr::T(unauthorized));
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if requires_bearer(operation) {
                    operation
                        .responses
                        .responses
                        .entry("401".to_owned())
                        .or_insert_with(|| Ref::from_response_name(UNAUTHORIZED).into());
                }
            }
        }
    }
}

/// Whether `operation` asks for the `bearer` scheme.
fn requires_bearer(operation: &utoipa::openapi::path::Operation) -> bool {
    operation.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement).is_ok_and(|value| value.get(BEARER).is_some())
    })
}

/// The docs page's Content-Security-Policy: Scalar's bundle from this server, its one inline
/// script (allowed by its hash, filled in at start-up), styles it injects, nothing from another
/// origin (no fonts, no proxy, no CDN).
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'sha256-{hash}'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
    connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'";

/// `GET /openapi.json`, and `GET /docs`: the interactive page (Scalar), served with its bundle
/// from this binary so it works offline; both at `prefix`.
pub fn routes<S: Clone + Send + Sync + 'static>(
    prefix: &str,
    document: utoipa::openapi::OpenApi,
) -> axum::Router<S> {
    let bundle_url = format!("{prefix}/docs/scalar.js");
    let page = scalar_api_reference::scalar_html(
        &serde_json::json!({
            "url": format!("{prefix}/openapi.json"),
            "withDefaultFonts": false,
            "hideClientButton": true,
        }),
        Some(&bundle_url),
    );
    let policy = DOCS_POLICY.replace("{hash}", &inline_script_hashes(&page).join("' 'sha256-"));
    let page = Arc::new(page);
    let policy = Arc::new(policy);
    let document = Arc::new(document);
    axum::Router::new()
        .route(
            &format!("{prefix}/openapi.json"),
            get(move || async move { Json(document.as_ref().clone()) }),
        )
        .route(
            &format!("{prefix}/docs"),
            get(move || async move {
                (
                    [(CONTENT_SECURITY_POLICY, policy.as_str().to_owned())],
                    Html(page.as_str().to_owned()),
                )
            }),
        )
        .route(&bundle_url, get(scalar_bundle))
}

async fn scalar_bundle() -> Response {
    match scalar_api_reference::get_asset_with_mime("scalar.js") {
        Some((mime, bytes)) => ([(CONTENT_TYPE, mime)], bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Base64 SHA-256 digests of each inline `<script>` of `html`, as CSP `'sha256-…'` sources take
/// them.
fn inline_script_hashes(html: &str) -> Vec<String> {
    use base64::Engine;
    html.split("<script>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</script>"))
        .map(|(script, _)| {
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_as_csp_wants() {
        // The digest of `alert(1)` as browsers compute it for CSP.
        assert_eq!(
            inline_script_hashes("<p><script src=x></script><script>alert(1)</script>"),
            ["bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="]
        );
    }
}
