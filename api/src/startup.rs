//! Building and running the API: `Application::build` binds the listener (port 0 in tests)
//! and assembles the router; `run_until_stopped` serves until the shutdown future resolves,
//! letting requests in progress finish.

use crate::config::ApiConfig;
use crate::context::ApiContext;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::operations::Engine;
use crate::tokens::JwtKeys;
use crate::{auth, console, metrics, openapi, request_trace, routes};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use campaign_domain::Channel;
use campaign_store::Store;
use campaign_workflows::TaskQueues;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// What stops a server (`Box::pin(shutdown_signal())`). Boxed, not generic, so that axum's
/// serving code is compiled once, here, instead of once in every binary and test that serves the
/// API (issue 26: that was minutes of each build).
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
}

impl Application {
    /// Connects to Postgres and Temporal, runs migrations, creates the first super admin if
    /// needed, and binds `config.listen_addr`.
    pub async fn build(config: ApiConfig) -> anyhow::Result<Application> {
        let store = Store::connect(&config.database_url).await?;
        store.migrate().await?;
        let temporal = campaign_runtime::connect_temporal(&config.temporal, "campaign-api").await?;
        let provider = campaign_runtime::build_provider(&config.provider)?;
        let engine = Engine {
            store: store.clone(),
            client: temporal.clone(),
            task_queues: TaskQueues {
                message_1: config.temporal.task_queue.clone(),
                message_2: config.temporal.message_2_task_queue.clone(),
            },
            daily_limit: config.daily_message_limit,
            defaults: config.campaign_defaults.clone(),
            channel: config.provider.channel(),
        };
        let context = ApiContext {
            keys: Arc::new(JwtKeys::new(
                config.jwt_secret.expose(),
                config.access_token_ttl,
                config.refresh_token_ttl,
            )),
            config: Arc::new(config),
            store,
            temporal,
            engine,
            provider,
            metrics: Arc::new(Metrics::new()),
        };
        auth::bootstrap_admin(&context).await?;
        if matches!(context.engine.channel, Channel::Templates { .. }) {
            let context = context.clone();
            // The catalog is also kept current by Meta's webhooks; a failed read at start-up
            // leaves the last one in place, and an operator can read it again.
            tokio::spawn(async move {
                if let Err(err) = routes::templates::sync_catalog(&context, None).await {
                    tracing::warn!(%err, "template catalog not read at start-up");
                }
            });
        }
        let listener = TcpListener::bind(&context.config.listen_addr).await?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener,
            router: router(context),
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self, shutdown: Shutdown) -> anyhow::Result<()> {
        tracing::info!(port = self.port, "API listening");
        // With the peer's address, which the audit log records (R22) and sign-ins are throttled by.
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

/// Serves the API configured from the environment until Ctrl-C or SIGTERM, on a runtime of its
/// own: the binaries' whole body. Here rather than in their `async fn main`, which would compile
/// the whole server again in each binary (issue 26: minutes of every build).
#[tokio::main]
pub async fn serve_from_env() -> anyhow::Result<()> {
    let config = ApiConfig::from_env(&campaign_runtime::Env::process())?;
    let application = Application::build(config).await?;
    application
        .run_until_stopped(Box::pin(campaign_runtime::shutdown_signal()))
        .await
}

/// All routes under `/api/v1` and their OpenAPI document, with request ids and tracing, metrics
/// and body limits.
pub fn router(context: ApiContext) -> Router {
    let (api, document) = routes::api().split_for_parts();
    api.merge(openapi::routes("/api/v1", document))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback_service(console::fallback(context.config.console_dir.as_deref()))
        .layer(axum::middleware::from_fn_with_state(
            context.metrics.clone(),
            metrics::count_requests,
        ))
        .layer(DefaultBodyLimit::max(context.config.max_body_bytes))
        .layer(TraceLayer::new_for_http().make_span_with(request_trace::request_span))
        // Outermost, so the span above sees the request's id.
        .layer(axum::middleware::from_fn(request_trace::request_id))
        .with_state(context)
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
