//! The operator console in a real browser: Debian's Chromium, driven by Playwright (`web/e2e/`),
//! against the API serving the built console (`web/dist`) on a free port, with a worker, the
//! sandbox (answering every Message 1 through the API's webhook), Temporal and a database of
//! the test's own. The specs save a screenshot of every screen in `web/e2e-artifacts/`.
//!
//! `make test` builds the console and installs Chromium before the Rust tests run; run alone,
//! `scripts/web.sh build` and `apt-get install chromium` come first.

use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, ADMIN_PASSWORD, WEBHOOK_SECRET};
use std::path::PathBuf;
use std::time::Duration;
use tokio::process::Command;

/// The whole browser suite; it starts the specs and waits for them.
const BROWSER_SUITE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web")
}

#[tokio::test]
async fn operators_run_campaigns_from_the_console_in_chromium() {
    let web = web_dir();
    let dist = web.join("dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} is missing: `scripts/web.sh build` builds the console (make test does)",
        dist.display()
    );
    let env = TestEnv::start().await.unwrap();
    let dist_dir = dist.to_string_lossy().into_owned();
    let api = env
        .spawn_api_with(&[
            ("CONSOLE_DIR", dist_dir.as_str()),
            ("TEMPORAL_UI_URL", "http://127.0.0.1:8233"),
        ])
        .await
        .unwrap();
    let console_url = api.base_url.trim_end_matches("/api/v1").to_owned();
    let mut behaviour = env.sandbox.behaviour();
    behaviour.webhook_url = Some(api.url("/webhooks/wassenger"));
    behaviour.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
    env.sandbox.set_behaviour(behaviour);

    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let run = Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(&web)
        .env("CONSOLE_URL", &console_url)
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
        "the browser suite failed ({status}); its output is above, traces in web/test-results/"
    );
}
