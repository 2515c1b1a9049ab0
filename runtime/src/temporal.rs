//! The Temporal client both processes use.

use crate::TemporalConfig;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};

/// Connects a Temporal client to the configured frontend and namespace; `identity` names the
/// process in Temporal's history and UI.
pub async fn connect_temporal(config: &TemporalConfig, identity: &str) -> anyhow::Result<Client> {
    let url = url::Url::parse(&format!("http://{}", config.address))?;
    let connection = Connection::connect(
        ConnectionOptions::new(url)
            .identity(identity.to_owned())
            .build(),
    )
    .await?;
    Ok(Client::new(
        connection,
        ClientOptions::new(config.namespace.clone()).build(),
    )?)
}
