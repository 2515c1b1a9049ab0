//! Releasing a campaign's journeys: a page of the audience read and one `ContactJourney`
//! workflow started per contact, in one activity.
//!
//! Journeys are started with the Temporal client rather than as children of the campaign
//! workflow: a child's start and its completion are each an event and a workflow task on the
//! parent, so a campaign of 100,000 contacts would serialise 200,000 of them on one workflow.
//! Started this way a journey costs its campaign nothing, and the campaign learns how journeys
//! are doing from the database. Starting is idempotent (a journey already running under its id is
//! taken as started), so the activity may be retried whole.
//!
//! The journey's input and the search attributes are defined here, beside the code that starts
//! journeys; the `campaign-workflows` crate, which depends on this one, re-exports them.

use campaign_domain::{JourneyState, JourneyWorkflowId, Pacing, QuietHoursPolicy, SendPolicy};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use temporalio_client::errors::WorkflowStartError;
use temporalio_client::{Client, WorkflowStartOptions};
use temporalio_common::data_converters::RawValue;
use temporalio_common::search_attributes::{SearchAttributeKey, SearchAttributes};
use temporalio_common::{HasWorkflowDefinition, WorkflowDefinition};

/// Search attribute with the campaign id, on campaign and journey runs.
pub const CAMPAIGN_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("CampaignId");
/// Search attribute with a journey's state: set when the journey is started, then when Message 1
/// has been accepted and when the journey ends (each change is a visibility write on the server,
/// so the short-lived sending states in between are not published).
pub const JOURNEY_STATE: SearchAttributeKey<String> = SearchAttributeKey::keyword("JourneyState");

/// The registered name of the journey workflow (`campaign_workflows::ContactJourney`).
pub const JOURNEY_WORKFLOW_TYPE: &str = "ContactJourney";

/// Journey starts sent to Temporal at once by one release.
const START_CONCURRENCY: usize = 32;

/// Task queues of a journey's sends: Message 2 has a queue of its own so that it is never
/// queued behind bulk Message 1 traffic (R11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskQueues {
    /// The journey's own queue: its workflow tasks, and Message 1, sent as a local activity.
    pub message_1: String,
    pub message_2: String,
}

/// Everything a journey needs, fixed at launch (R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyInput {
    pub campaign_id: i64,
    pub contact_id: i64,
    /// The interaction window, 24 h in production.
    pub interaction_window_ms: u64,
    pub send_policy: SendPolicy,
    pub task_queues: TaskQueues,
    /// R11 pacing of Message 1, when the campaign paces its sends.
    pub pacing: Option<Pacing>,
    /// R21 quiet hours of Message 1 (absent from journeys started before them).
    #[serde(default)]
    pub quiet_hours: Option<QuietHoursPolicy>,
}

/// What every journey of a campaign shares: its input but for the contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyPlan {
    pub campaign_id: i64,
    pub interaction_window_ms: u64,
    pub send_policy: SendPolicy,
    pub task_queues: TaskQueues,
    pub pacing: Option<Pacing>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHoursPolicy>,
}

impl JourneyPlan {
    pub fn for_contact(&self, contact_id: i64) -> JourneyInput {
        JourneyInput {
            campaign_id: self.campaign_id,
            contact_id,
            interaction_window_ms: self.interaction_window_ms,
            send_policy: self.send_policy,
            task_queues: self.task_queues.clone(),
            pacing: self.pacing,
            quiet_hours: self.quiet_hours.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInput {
    pub plan: JourneyPlan,
    /// Contact ids greater than this one; 0 for the first page.
    pub after_contact_id: i64,
    pub limit: u32,
}

/// What a release started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    pub journeys: u64,
    /// The last contact id of the page, if it had any.
    pub last_contact_id: Option<i64>,
    /// The page was shorter than asked: the audience has no more queued contacts.
    pub audience_exhausted: bool,
}

/// The journey workflow as this crate starts it: its name and input (its result is not read).
struct ContactJourneyRun;

impl WorkflowDefinition for ContactJourneyRun {
    type Input = JourneyInput;
    type Output = RawValue;
    fn name(&self) -> &str {
        JOURNEY_WORKFLOW_TYPE
    }
}

impl HasWorkflowDefinition for ContactJourneyRun {
    type Run = Self;
}

/// Starts the journey of each of `contacts`, some at a time; a journey already running counts as
/// started.
pub(crate) async fn start_journeys(
    client: &Client,
    plan: &JourneyPlan,
    contacts: &[i64],
) -> Result<(), WorkflowStartError> {
    futures::stream::iter(contacts.iter().copied())
        .map(|contact_id| start_journey(client, plan, contact_id))
        .buffer_unordered(START_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

async fn start_journey(
    client: &Client,
    plan: &JourneyPlan,
    contact_id: i64,
) -> Result<(), WorkflowStartError> {
    let options = WorkflowStartOptions::new(
        plan.task_queues.message_1.clone(),
        JourneyWorkflowId::new(plan.campaign_id, contact_id).to_string(),
    )
    // Set with the start rather than by the journey: an upsert is a command and a visibility
    // write of its own.
    .search_attributes(SearchAttributes::new([
        CAMPAIGN_ID.value_set(plan.campaign_id.to_string()),
        JOURNEY_STATE.value_set(JourneyState::SendingMessage1.as_str().to_owned()),
    ]))
    // The first workflow task goes straight back to this worker when it polls the journey's
    // queue, instead of through matching.
    .enable_eager_workflow_start(true)
    .build();
    match client
        .start_workflow(ContactJourneyRun, plan.for_contact(contact_id), options)
        .await
    {
        Ok(_) | Err(WorkflowStartError::AlreadyStarted { .. }) => Ok(()),
        Err(err) => Err(err),
    }
}
