//! `campaign-api`: serves the API on `API_ADDR` (default 127.0.0.1:8080) until Ctrl-C or SIGTERM.

use campaign_api::{ApiConfig, Application};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = ApiConfig::from_env()?;
    let application = Application::build(config).await?;
    application
        .run_until_stopped(campaign_worker::shutdown_signal())
        .await
}
