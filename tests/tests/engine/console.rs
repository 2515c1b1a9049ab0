//! The operator console in a real browser: Debian's Chromium, driven by Playwright (`web/e2e/`),
//! against the API serving the built console (`web/dist`) on a free port, with a worker, the
//! sandbox (answering every Message 1 through the API's webhook), Temporal and a database of
//! the test's own. The specs save a screenshot of every screen in `web/e2e-artifacts/`.
//!
//! The suite runs twice: on Wassenger (every spec but `meta.spec.ts`, which skips itself), and
//! on Meta's Cloud API (`meta.spec.ts` only: Message 1 is a template there, which the other
//! specs do not write), each on a stack of its own.
//!
//! `make test` builds the console and installs Chromium before the Rust tests run; run alone,
//! `scripts/web.sh build` and `apt-get install chromium` come first.

use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, ADMIN_PASSWORD, WEBHOOK_SECRET};
use campaign_tests::provider::Provider;
use std::path::PathBuf;
use std::time::Duration;
use tokio::process::Command;

/// The whole browser suite; it starts the specs and waits for them.
const BROWSER_SUITE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web")
}

/// Starts an engine on `provider` with the API serving the console, its sandbox's webhooks
/// pointed at the API, then runs Playwright over `specs` (every spec when empty), its traces in
/// `web/{output}/` so that the two suites do not clear each other's.
async fn run_browser_suite(provider: Provider, specs: &[&str], output: &str) {
    let web = web_dir();
    let dist = web.join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} is missing: `scripts/web.sh build` builds the console (make test does)",
        dist.display()
    );
    let env = TestEnv::start_with_provider(provider).await.unwrap();
    let dist_dir = dist.to_string_lossy().into_owned();
    let api = env
        .spawn_api_with(&[
            ("CONSOLE_DIR", dist_dir.as_str()),
            ("TEMPORAL_UI_URL", "http://127.0.0.1:8233"),
        ])
        .await
        .unwrap();
    let console_url = api.base_url.trim_end_matches("/api/v1").to_owned();
    let provider_name = match provider {
        Provider::Wassenger => {
            let mut behaviour = env.sandbox.behaviour();
            behaviour.webhook_url = Some(api.url("/webhooks/wassenger"));
            behaviour.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
            env.sandbox.set_behaviour(behaviour);
            "wassenger"
        }
        Provider::Meta => {
            // Signed with the app secret the API was given (TestEnv::provider_env).
            env.sandbox
                .set_meta_webhook_url(Some(api.url("/webhooks/meta")));
            "meta"
        }
    };

    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let run = Command::new("npx")
        .args(["playwright", "test", &format!("--output={output}")])
        .args(specs)
        .current_dir(&web)
        .env("CONSOLE_URL", &console_url)
        .env("CONSOLE_PROVIDER", provider_name)
        .env("SANDBOX_URL", &env.sandbox.base_url)
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("CHROMIUM_PATH", chromium)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .kill_on_drop(true)
        .status();
    let status = tokio::time::timeout(BROWSER_SUITE_TIMEOUT, run)
        .await
        .expect("the browser suite did not finish in time")
        .expect("npx could not be started: is Node.js installed and `npm ci` run in web/?");
    assert!(
        status.success(),
        "the browser suite failed ({status}); its output is above, traces in web/{output}/"
    );
}

#[tokio::test]
async fn operators_run_campaigns_from_the_console_in_chromium() {
    run_browser_suite(Provider::Wassenger, &[], "test-results").await;
}

#[tokio::test]
async fn operators_run_meta_campaigns_from_the_console_in_chromium() {
    run_browser_suite(Provider::Meta, &["e2e/meta.spec.ts"], "test-results-meta").await;
}
