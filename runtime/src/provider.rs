//! The WhatsApp provider client both binaries use, built once from [`ProviderConfig`]: the
//! worker sends through it, the API checks numbers and reads the template catalog.

use crate::config::{ProviderConfig, ProviderKind};
use campaign_provider::meta::{MetaClient, MetaSettings};
use campaign_provider::{WassengerClient, WhatsAppProvider};
use std::sync::Arc;

/// The client `config` names.
pub fn build_provider(config: &ProviderConfig) -> anyhow::Result<Arc<dyn WhatsAppProvider>> {
    Ok(match (config.kind, &config.meta) {
        (ProviderKind::Meta, Some(meta)) => Arc::new(MetaClient::new(
            MetaSettings {
                graph_url: meta.graph_url.clone(),
                graph_version: meta.graph_version.clone(),
                phone_number_id: meta.phone_number_id.clone(),
                waba_id: meta.waba_id.clone(),
                access_token: meta.access_token.expose().to_owned(),
            },
            config.timeout,
        )?),
        (ProviderKind::Meta, None) => anyhow::bail!("the Meta provider has no settings"),
        (ProviderKind::Sandbox | ProviderKind::Wassenger, _) => Arc::new(WassengerClient::new(
            &config.base_url,
            config.token.expose(),
            config.timeout,
        )?),
    })
}
