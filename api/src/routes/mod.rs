//! Routes of SPEC §6, one module per resource, each thin over the store and the
//! campaign operations.

pub mod campaigns;
pub mod categories;
pub mod contacts;
pub mod health;
pub mod messages;
pub mod monitoring;
pub mod users;
pub mod webhooks;
