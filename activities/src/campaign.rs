//! Activities of the `Campaign` workflow: release the audience in pages, count the journeys'
//! progress, write the final result.
//!
//! The audience snapshot (R1) lives in `journeys`; the workflow releases it a page at a time
//! ([`crate::release`]) so its input and history never carry 100k contact ids. The same rows tell it how its journeys are
//! doing, so journeys never report to it (a report is a workflow task on each side).

use crate::release::{ReleaseInput, Released, start_journeys};
use campaign_domain::sending::CUTOFF_REASON;
use campaign_domain::{Closing, JourneyState, JourneyWorkflowId, OpenJourneys};
use campaign_store::{Store, StoreError};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use temporalio_client::WorkflowCancelOptions;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenJourneysInput {
    pub campaign_id: i64,
    /// The last contact id released: the audience is released in contact id order.
    pub released_through_contact_id: i64,
}

/// Why journey workflows are cancelled when an operator stops their campaign.
pub const STOP_REASON: &str = "campaign stopped";

/// Journey workflows cancelled at once when a campaign closes them.
const JOURNEY_CANCEL_CONCURRENCY: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseJourneysInput {
    pub campaign_id: i64,
    pub closing: Closing,
}

/// Final result of a campaign as written at completion (R8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignCompletion {
    pub status: String,
}

/// Campaign-level side effects, shared by all activity tasks of a worker.
#[derive(Clone)]
pub struct CampaignActivities {
    store: Store,
}

impl CampaignActivities {
    pub fn new(store: Store) -> Self {
        CampaignActivities { store }
    }
}

#[activities]
impl CampaignActivities {
    /// The next contacts of the audience still `queued`, in contact id order.
    /// Reads the next page of the audience and starts a journey for each contact in it (see
    /// [`crate::release`]).
    #[activity]
    #[tracing::instrument(name = "release_journeys", skip_all, fields(campaign_id = input.plan.campaign_id))]
    pub async fn release_journeys(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ReleaseInput,
    ) -> Result<Released, ActivityError> {
        let page = self
            .store
            .queued_audience_page(
                input.plan.campaign_id,
                input.after_contact_id,
                i64::from(input.limit),
            )
            .await
            .map_err(ApplicationFailure::new)?;
        start_journeys(&ctx.client(), &input.plan, &page)
            .await
            .map_err(ApplicationFailure::new)?;
        Ok(Released {
            journeys: page.len() as u64,
            last_contact_id: page.last().copied(),
            audience_exhausted: page.len() < input.limit as usize,
        })
    }

    #[activity]
    #[tracing::instrument(name = "open_journeys", skip_all, fields(campaign_id = input.campaign_id))]
    pub async fn open_journeys(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: OpenJourneysInput,
    ) -> Result<OpenJourneys, ActivityError> {
        self.store
            .open_journeys(input.campaign_id, input.released_through_contact_id)
            .await
            .map_err(|err| ApplicationFailure::new(err).into())
    }

    /// How many journeys ended in each final state: the campaign's result.
    #[activity]
    #[tracing::instrument(name = "final_journey_states", skip_all, fields(campaign_id = campaign_id))]
    pub async fn final_journey_states(
        self: Arc<Self>,
        _ctx: ActivityContext,
        campaign_id: i64,
    ) -> Result<BTreeMap<JourneyState, u64>, ActivityError> {
        self.store
            .final_journey_states(campaign_id)
            .await
            .map_err(|err| ApplicationFailure::new(err).into())
    }

    #[activity]
    #[tracing::instrument(name = "close_open_journeys", skip_all, fields(campaign_id = input.campaign_id))]
    pub async fn close_open_journeys(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: CloseJourneysInput,
    ) -> Result<u32, ActivityError> {
        let running = self
            .store
            .close_open_journeys(input.campaign_id, input.closing)
            .await
            .map_err(ApplicationFailure::new)?;
        let client = ctx.client();
        let reason = match input.closing {
            Closing::Cutoff => CUTOFF_REASON,
            Closing::Stop => STOP_REASON,
        };
        futures::stream::iter(running.iter())
            .for_each_concurrent(JOURNEY_CANCEL_CONCURRENCY, |&contact_id| {
                let handle = client.get_workflow_handle::<temporalio_common::UntypedWorkflow>(
                    JourneyWorkflowId::new(input.campaign_id, contact_id).to_string(),
                );
                async move {
                    // A journey that already ended cannot be cancelled; that is fine.
                    let _ = handle
                        .cancel(
                            WorkflowCancelOptions::builder()
                                .reason(reason.to_owned())
                                .build(),
                        )
                        .await;
                }
            })
            .await;
        Ok(running.len() as u32)
    }

    /// Succeeds once no journey of the campaign is open; until then it fails, to be retried a
    /// little later, so the wait adds nothing to the workflow's history. After the cutoff the
    /// only open journeys are those whose Message 2 was already on its way.
    #[activity]
    #[tracing::instrument(name = "await_open_journeys", skip_all, fields(campaign_id = campaign_id))]
    pub async fn await_open_journeys(
        self: Arc<Self>,
        _ctx: ActivityContext,
        campaign_id: i64,
    ) -> Result<(), ActivityError> {
        // Only the total counts here, whatever has been released.
        let open = self
            .store
            .open_journeys(campaign_id, 0)
            .await
            .map_err(ApplicationFailure::new)?
            .open;
        if open == 0 {
            return Ok(());
        }
        Err(
            ApplicationFailure::builder(format!("{open} journeys are still sending Message 2"))
                .type_name("JourneysStillOpen".to_owned())
                .build()
                .into(),
        )
    }

    /// Marks the campaign `cancelled` with its statistics as they stand.
    #[activity]
    #[tracing::instrument(name = "cancel_campaign", skip_all, fields(campaign_id = campaign_id))]
    pub async fn cancel_campaign(
        self: Arc<Self>,
        _ctx: ActivityContext,
        campaign_id: i64,
    ) -> Result<(), ActivityError> {
        self.store
            .cancel_campaign(campaign_id)
            .await
            .map_err(|err| ApplicationFailure::new(err).into())
    }

    /// Marks the campaign `completed` (or `failed` when every journey failed) with its final
    /// statistics and `completed_at`. Idempotent.
    #[activity]
    #[tracing::instrument(name = "complete_campaign", skip_all, fields(campaign_id = campaign_id))]
    pub async fn complete_campaign(
        self: Arc<Self>,
        _ctx: ActivityContext,
        campaign_id: i64,
    ) -> Result<CampaignCompletion, ActivityError> {
        let status = self
            .store
            .complete_campaign(campaign_id)
            .await
            .map_err(|err| match err {
                // A campaign whose launch rolled back after its workflow started: nothing to
                // complete, and retrying will not make it appear.
                StoreError::NotFound(_) => ApplicationFailure::builder(err)
                    .type_name("CampaignNotFound".to_owned())
                    .non_retryable(true)
                    .build(),
                other => ApplicationFailure::new(other),
            })?;
        Ok(CampaignCompletion {
            status: status.to_string(),
        })
    }
}
