//! The process runtime the worker and the API share.
//!
//! Both binaries read their configuration from the environment, connect to the same Temporal
//! namespace, log the same way and stop the same way; each piece is written once here so the two
//! cannot drift apart (they once disagreed on the provider's timeout).

pub mod config;
pub mod provider;
pub mod shutdown;
pub mod telemetry;
pub mod temporal;

pub use config::{
    ConfigError, Env, MetaConfig, ProviderConfig, ProviderKind, Secret, TemporalConfig,
};
pub use provider::build_provider;
pub use shutdown::shutdown_signal;
pub use telemetry::init_telemetry;
pub use temporal::connect_temporal;
