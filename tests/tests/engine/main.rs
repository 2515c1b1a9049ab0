//! Every end-to-end test in one binary, against the real Temporal dev server, real Postgres and
//! the sandbox provider: one link of the whole SDK instead of one per subject. Tests share the
//! machine, each with an engine of its own (see `campaign_tests::TestEnv`), except the chaos test,
//! which runs alone (`campaign_tests::isolation`). Run one subject with a filter, e.g.
//! `cargo test --release -p campaign-tests --test engine -- journey::`.

mod api_audit;
mod api_campaigns;
mod api_console;
mod api_contacts;
mod api_openapi;
mod api_sign_in_throttle;
mod api_story;
mod api_webhooks;
mod campaign;
mod chaos;
mod consent;
mod console;
mod deploy;
mod follow_up;
mod journey;
mod meta;
mod observability;
mod quiet_hours;
mod schedule;
mod sending;
mod variants;
