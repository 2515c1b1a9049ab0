//! `campaign-api`: serves the API on `API_ADDR` (default 127.0.0.1:8080) until Ctrl-C or SIGTERM.

use campaign_api::{ApiConfig, Application};
use campaign_runtime::Env;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    campaign_runtime::init_telemetry();
    let config = ApiConfig::from_env(&Env::process())?;
    let application = Application::build(config).await?;
    application
        .run_until_stopped(campaign_runtime::shutdown_signal())
        .await
}
