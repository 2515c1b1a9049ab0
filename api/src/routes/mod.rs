//! Routes of SPEC §6, one module per resource, each thin over the store and the
//! campaign operations. Each module's router carries the OpenAPI description of its routes, so
//! the document is assembled here, from the routes themselves.

pub mod auth;
pub mod campaign_pause;
pub mod campaign_templates;
pub mod campaigns;
pub mod categories;
pub mod contacts;
pub mod health;
pub mod messages;
pub mod meta_webhooks;
pub mod metrics;
pub mod monitoring;
pub mod templates;
pub mod users;
pub mod webhooks;

use crate::context::ApiContext;
use crate::openapi::{ApiDoc, SharedResponses};
use crate::{audit, console, request_trace, session};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// Every route of the API, with the document describing them.
pub fn api() -> OpenApiRouter<ApiContext> {
    let mut router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(session::routes())
        .merge(console::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(users::routes())
        .merge(audit::routes())
        .merge(categories::routes())
        .merge(contacts::routes())
        .merge(campaigns::routes())
        .merge(campaign_pause::routes())
        .merge(templates::routes())
        .merge(messages::routes())
        .merge(monitoring::routes())
        .merge(webhooks::routes())
        .merge(meta_webhooks::routes())
        .route_layer(axum::middleware::from_fn(request_trace::record_path_ids));
    SharedResponses.modify(router.get_openapi_mut());
    router
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    /// The console's API types are generated from `web/openapi.json` (`npm run gen:api`), so it
    /// must be this document: a renamed field then breaks the console's build, not its pages.
    /// `make openapi` rewrites it.
    #[test]
    fn the_console_builds_against_the_current_document() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
        let current = serde_json::to_string_pretty(&api().into_openapi()).unwrap() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &current).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == current,
            "{} is not the API's document: run `make openapi`",
            path.display()
        );
    }

    /// Every operation behind the bearer scheme documents the 401 it answers without a valid
    /// token.
    #[test]
    fn secured_operations_document_401() {
        let document = serde_json::to_value(api().into_openapi()).unwrap();
        let mut secured = 0;
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                if operation["security"].to_string().contains("\"bearer\"") {
                    secured += 1;
                    assert!(
                        operation["responses"]["401"].is_object(),
                        "{method} {path} does not document its 401"
                    );
                }
            }
        }
        assert!(secured > 40, "only {secured} secured operations found");
    }

    /// Every `$ref` names a schema or a shared response of the document, and operation ids are unique (clients
    /// generated from the document name their methods after them).
    #[test]
    fn references_resolve_and_operation_ids_are_unique() {
        let document = serde_json::to_value(api().into_openapi()).unwrap();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        let text = document.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(schemas.contains_key(name), "dangling reference to {name}");
        }
        let responses = document["components"]["responses"].as_object().unwrap();
        for reference in text.split("\"#/components/responses/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(responses.contains_key(name), "dangling reference to {name}");
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
