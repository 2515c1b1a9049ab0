//! The real API, built inside the test package so the chaos test can start and SIGKILL it as a
//! separate process (the other tests serve it in-process, see `src/api.rs`). Configured from the
//! environment like `campaign-api`.

use campaign_api::{ApiConfig, Application};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .init();
    let application =
        Application::build(ApiConfig::from_env(&campaign_runtime::Env::process())?).await?;
    application
        .run_until_stopped(campaign_runtime::shutdown_signal())
        .await
}
