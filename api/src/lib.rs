//! HTTP API of the campaign engine (SPEC §6): authentication, contacts and categories,
//! campaigns and their operations, messages, monitoring, the audit log, and the provider's
//! webhooks, which it turns into workflow signals. Handlers are thin over the same [`Store`] the activities use
//! and over the campaign [`operations`].
//!
//! The modules form layers, each using only those below it (`tests/tests/module_graph.rs`
//! fails on a circle): `config`, `metrics`, `tokens`, `operations` and `error` at the bottom,
//! `context` above them, the extractors (`auth`, `audit`, `sign_in`) above the context, and
//! `routes` and `startup` on top.
//!
//! [`Store`]: campaign_store::Store

pub mod audit;
pub mod auth;
pub mod config;
pub mod console;
pub mod context;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod operations;
pub mod pagination;
mod request_schema;
pub mod request_trace;
pub mod routes;
pub mod session;
pub mod sign_in;
pub mod startup;
pub mod tokens;

pub use config::ApiConfig;
pub use startup::{Application, Shutdown, serve_from_env};
