//! The OpenAPI document and the interactive documentation page, served by the running API
//! without authentication.

use campaign_tests::TestEnv;
use reqwest::StatusCode;
use serde_json::Value;

/// Every route of SPEC §6, as mounted, with its methods.
const ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/auth/login", &["post"]),
    ("/api/v1/auth/refresh", &["post"]),
    ("/api/v1/auth/me", &["get"]),
    ("/api/v1/health", &["get"]),
    ("/api/v1/users", &["get", "post"]),
    ("/api/v1/users/{id}", &["get", "put", "delete"]),
    ("/api/v1/audit", &["get"]),
    ("/api/v1/categories", &["get", "post"]),
    ("/api/v1/categories/{id}", &["get", "put", "delete"]),
    ("/api/v1/categories/{id}/contacts", &["post"]),
    ("/api/v1/categories/{id}/contacts/{contact_id}", &["delete"]),
    ("/api/v1/contacts", &["get", "post"]),
    ("/api/v1/contacts/{id}", &["get", "put", "delete"]),
    ("/api/v1/contacts/import", &["post"]),
    ("/api/v1/contacts/export", &["get"]),
    ("/api/v1/contacts/{id}/verify", &["post"]),
    ("/api/v1/contacts/verify", &["post"]),
    ("/api/v1/campaigns", &["get", "post"]),
    ("/api/v1/campaigns/{id}", &["get", "put", "delete"]),
    ("/api/v1/campaigns/{id}/send", &["post"]),
    ("/api/v1/campaigns/{id}/schedule", &["post", "delete"]),
    ("/api/v1/campaigns/{id}/stop", &["post"]),
    ("/api/v1/campaigns/{id}/retry", &["post"]),
    ("/api/v1/campaigns/{id}/relaunch", &["post"]),
    ("/api/v1/campaigns/{id}/stats", &["get"]),
    ("/api/v1/campaigns/{id}/contacts", &["get"]),
    ("/api/v1/messages", &["get"]),
    ("/api/v1/messages/stats", &["get"]),
    ("/api/v1/monitoring/daily", &["get"]),
    ("/api/v1/webhooks/wassenger", &["post"]),
    ("/api/v1/metrics", &["get"]),
];

/// Routes answered without a bearer token (SPEC §6).
const PUBLIC: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/health",
    "/api/v1/webhooks/wassenger",
    "/api/v1/metrics",
];

#[tokio::test]
async fn the_openapi_document_describes_every_route() -> anyhow::Result<()> {
    let env = TestEnv::start().await?;
    let api = env.spawn_api().await?;

    // No token: the document is public.
    let response = api.http.get(api.url("/openapi.json")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = serde_json::from_str(&response.text().await?)?;

    let version = document["openapi"].as_str().expect("an `openapi` version");
    assert!(version.starts_with("3."), "openapi version {version}");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let paths = document["paths"].as_object().expect("a `paths` object");
    for (path, methods) in ROUTES {
        let operations = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} is missing from the document"));
        for method in *methods {
            let operation = &operations[*method];
            assert!(operation.is_object(), "{method} {path} is not documented");
            let secured = operation["security"]
                .as_array()
                .is_some_and(|requirements| {
                    requirements
                        .iter()
                        .any(|requirement| requirement.get("bearer").is_some())
                });
            assert_eq!(
                secured,
                !PUBLIC.contains(path),
                "{method} {path}: bearer security"
            );
            let responses = operation["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} has no responses"));
            assert!(
                responses.keys().any(|status| status.starts_with('2')),
                "{method} {path} documents no success"
            );
        }
    }

    // The error body of SPEC §6 is a schema, and error answers use it.
    let error = &document["components"]["schemas"]["ErrorBody"];
    assert!(error["properties"]["error"].is_object(), "{error}");
    assert_eq!(
        paths["/api/v1/campaigns/{id}/send"]["post"]["responses"]["409"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );

    api.stop().await
}

#[tokio::test]
async fn the_documentation_page_is_served() -> anyhow::Result<()> {
    let env = TestEnv::start().await?;
    let api = env.spawn_api().await?;

    let response = api.http.get(api.url("/docs")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await?;
    assert!(page.to_lowercase().contains("<html"), "{page}");

    api.stop().await
}
