//! `wa-sandbox` binary: serves the sandbox on `SANDBOX_ADDR` (default `127.0.0.1:3001`) until
//! Ctrl-C or SIGTERM. The rest of the configuration comes from the variables documented on
//! [`wa_sandbox::SandboxConfig::from_vars`]; `RUST_LOG` sets the log filter (default `info`).

use std::net::SocketAddr;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use wa_sandbox::SandboxConfig;

/// Address served when `SANDBOX_ADDR` is unset: loopback only, as the sandbox has no auth on
/// its control endpoints.
const DEFAULT_ADDR: &str = "127.0.0.1:3001";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "wa-sandbox failed");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let lookup = |name: &str| std::env::var(name).ok();
    let config = SandboxConfig::from_vars(lookup)?;
    let raw_addr = lookup("SANDBOX_ADDR")
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let addr: SocketAddr = raw_addr
        .trim()
        .parse()
        .map_err(|err| format!("SANDBOX_ADDR={raw_addr:?}: {err}"))?;
    tracing::info!(?config, "starting wa-sandbox");
    let handle = wa_sandbox::spawn(config, addr)
        .await
        .map_err(|err| format!("cannot start on {addr}: {err}"))?;
    tracing::info!(base_url = %handle.base_url, "wa-sandbox ready");
    shutdown_signal().await;
    tracing::info!("shutting down");
    handle
        .shutdown()
        .await
        .map_err(|err| format!("server error: {err}"))
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM. If a signal handler cannot be installed, that
/// signal is simply not awaited: the other one still works.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
