//! `campaign-api`: serves the API on `API_ADDR` (default 127.0.0.1:8080) until Ctrl-C or SIGTERM.

fn main() -> anyhow::Result<()> {
    campaign_runtime::init_telemetry();
    campaign_api::serve_from_env()
}
