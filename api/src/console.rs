//! The operator console (`web/`, built to `web/dist`): its files served at `/` by the API
//! binary, and the few facts it needs that are not data (`GET /api/v1/console/settings`).
//!
//! The console is a single-page app: any path that is not a file and not under `/api` answers
//! its `index.html`, whose scripts route on the client. Built assets carry a content hash in
//! their names, so they are cached for a year; `index.html` is revalidated every time, so a new
//! build reaches operators on their next load. Every console response carries a strict
//! Content-Security-Policy: scripts, styles, fonts and connections from this origin only, which
//! is what keeps an injected script from loading code or sending data elsewhere.
//!
//! The build writes Brotli and gzip copies beside its files, sent to browsers that accept them
//! (a third of the bytes, and no compression work per request).
//!
//! The directory is read at run time (`CONSOLE_DIR`), so `cargo build` needs no Node.js and the
//! API runs without a console when none was built.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiResult};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::any;
use campaign_domain::Channel;
use campaign_domain::template::PLACEHOLDERS;
use serde::Serialize;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The console's Content-Security-Policy: nothing from another origin, no inline code, no
/// framing.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
/// Where the build puts its content-hashed files.
const ASSETS_PREFIX: &str = "/assets/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(settings))
}

/// What the console shows beside the data: where the Temporal UI is, and the placeholders
/// message texts may use.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ConsoleSettings {
    /// Base URL of the Temporal Web UI; the journey of a contact is at
    /// `{temporal_ui_url}/namespaces/{temporal_namespace}/workflows/campaign-{campaign}-contact-{contact}`.
    temporal_ui_url: Option<String>,
    temporal_namespace: String,
    /// Provider sends allowed per UTC day (R10).
    daily_message_limit: i32,
    /// Placeholders a message text may contain, without braces (R18).
    placeholders: Vec<&'static str>,
    /// Message 1 must be an approved template from the catalog (the Meta provider, SPEC §7).
    templates: bool,
    /// The provider can tell whether a number has WhatsApp (not Meta's Cloud API).
    number_verification: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/console/settings",
    tag = "console",
    operation_id = "console_settings",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Facts the console needs beside the data", body = ConsoleSettings),
    )
)]
async fn settings(
    State(context): State<ApiContext>,
    _user: AuthUser,
) -> ApiResult<ApiJson<ConsoleSettings>> {
    Ok(ApiJson(ConsoleSettings {
        temporal_ui_url: context.config.temporal_ui_url.clone(),
        temporal_namespace: context.config.temporal.namespace.clone(),
        daily_message_limit: context.config.daily_message_limit,
        placeholders: PLACEHOLDERS.to_vec(),
        templates: matches!(context.engine.channel, Channel::Templates { .. }),
        number_verification: context.provider.supports_number_check(),
    }))
}

/// What answers the paths no API route matched: the console's files when `dir` is set (the
/// JSON 404 still answers under `/api`), the JSON 404 otherwise.
pub fn fallback(dir: Option<&Path>) -> Router {
    let not_found = || async { ApiError::NotFound("route") };
    let Some(dir) = dir else {
        return Router::new().fallback(not_found);
    };
    let index = ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let assets = ServeDir::new(dir.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .nest_service(ASSETS_PREFIX.trim_end_matches('/'), assets)
        .fallback_service(files)
        .layer(axum::middleware::from_fn(console_headers))
}

/// The console's security headers, and caching by kind of file.
async fn console_headers(request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with(ASSETS_PREFIX);
    let mut response = next.run(request).await;
    let cache = if immutable && response.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
