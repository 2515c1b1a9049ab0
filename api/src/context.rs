//! The one shared context of every handler: cheap to clone, built once at start-up.

use crate::config::ApiConfig;
use crate::metrics::Metrics;
use crate::operations::Engine;
use crate::tokens::JwtKeys;
use campaign_provider::WhatsAppProvider;
use campaign_store::Store;
use std::sync::Arc;
use temporalio_client::Client;

#[derive(Clone)]
pub struct ApiContext {
    pub config: Arc<ApiConfig>,
    pub store: Store,
    pub temporal: Client,
    /// Campaign operations (launch, stop, retry, relaunch) over the same store and client.
    pub engine: Engine,
    /// The WhatsApp provider: number verification, the template catalog.
    pub provider: Arc<dyn WhatsAppProvider>,
    pub keys: Arc<JwtKeys>,
    pub metrics: Arc<Metrics>,
}
