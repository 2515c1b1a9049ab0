//! The real API, built inside the test package so the chaos test can start and SIGKILL it as a
//! separate process (the other tests serve it in-process, see `src/api.rs`). Configured from the
//! environment like `campaign-api`.

use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .init();
    campaign_api::serve_from_env()
}
