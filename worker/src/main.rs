//! `campaign-worker`: see the library docs. Configured by environment variables; stops
//! gracefully on Ctrl-C or SIGTERM.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    campaign_worker::run_from_env().await
}
