//! Temporal workflows of the campaign engine.
//!
//! Workflow code is replayed from history after every crash, so it holds no I/O, reads time only
//! from the workflow clock, races signals against timers with the SDK's deterministic `select!`,
//! and takes every duration from its input (R16): changing configuration never alters a journey
//! already running.

pub mod campaign;
pub mod journey;

pub use campaign::{
    Campaign, CampaignInput, CampaignProgress, CampaignSettings, CampaignStatus, JourneyReport,
};
pub use journey::{
    ContactJourney, Interaction, JourneyInput, JourneyOutcome, JourneyStatus, TaskQueues,
};

use temporalio_common::search_attributes::SearchAttributeKey;

/// Search attribute with the campaign id, on campaign and journey runs.
pub const CAMPAIGN_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("CampaignId");
/// Search attribute with a journey's current state, kept current as it moves.
pub const JOURNEY_STATE: SearchAttributeKey<String> = SearchAttributeKey::keyword("JourneyState");

/// Workflow id of a campaign (SPEC section 4).
pub fn campaign_workflow_id(campaign_id: i64) -> String {
    format!("campaign-{campaign_id}")
}

/// Workflow id of a contact's journey in a campaign (SPEC section 4).
pub fn journey_workflow_id(campaign_id: i64, contact_id: i64) -> String {
    format!("campaign-{campaign_id}-contact-{contact_id}")
}
