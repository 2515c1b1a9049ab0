//! The real worker, built inside the test package so tests can start and SIGKILL it as a
//! separate process.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    campaign_worker::run_from_env().await
}
