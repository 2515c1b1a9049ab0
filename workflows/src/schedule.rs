//! `ScheduledLaunch`: launches a scheduled campaign at its time (R20).
//!
//! A durable timer waits for the time, so the launch survives restarts of the worker, the API and
//! Temporal itself; the Rust client cannot start a workflow with a delay, and a Temporal Schedule
//! is made for recurring runs. At the time, one activity makes the same launch as `send` in the
//! database (or marks the campaign `failed` with the reason), then the campaign's run starts as an
//! abandoned child under its usual id `campaign-{id}`: it outlives this workflow, and starting it
//! here, after the activity, is as durable as the launch itself (the history records it).
//!
//! Unscheduling cancels the timer. Once the launch has been decided, cancelling changes nothing:
//! the activity and the child's start are detached from this workflow's cancellation.

pub use campaign_activities::{LaunchScheduledInput, LaunchScheduledOutcome};

use campaign_activities::ScheduleActivities;
use campaign_domain::CampaignWorkflowId;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_common::search_attributes::SearchAttributes;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ChildWorkflowOptions, ParentClosePolicy, WorkflowCancellationToken, WorkflowContext,
    WorkflowContextView, WorkflowResult,
};

use crate::protocol::{CAMPAIGN_ID, CampaignInput, CampaignProgress, TaskQueues};
use crate::{Campaign, bookkeeping_options, detached, unix_ms};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledLaunchInput {
    pub launch: LaunchScheduledInput,
    pub task_queues: TaskQueues,
}

#[workflow]
pub struct ScheduledLaunch {
    input: ScheduledLaunchInput,
}

#[workflow_methods]
impl ScheduledLaunch {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: ScheduledLaunchInput) -> Self {
        ScheduledLaunch { input }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<LaunchScheduledOutcome> {
        let input = ctx.state(|s| s.input.clone());
        let campaign_id = input.launch.campaign_id;
        ctx.upsert_search_attributes([CAMPAIGN_ID.value_set(campaign_id.to_string())]);
        let wait_ms = input
            .launch
            .at_ms
            .saturating_sub(unix_ms(ctx.workflow_time()));
        if wait_ms > 0 {
            temporalio_sdk::workflows::select! {
                _ = ctx.timer(Duration::from_millis(wait_ms as u64)) => {},
                _ = ctx.cancelled() => {},
            };
        }
        if ctx.cancellation_token().is_cancelled() {
            return Ok(LaunchScheduledOutcome::Superseded);
        }
        let outcome = ctx
            .execute_activity(
                ScheduleActivities::launch_scheduled,
                input.launch.clone(),
                detached(bookkeeping_options()),
            )
            .await?;
        if let LaunchScheduledOutcome::Launched {
            settings,
            started_at_ms,
            ..
        } = &outcome
        {
            let campaign = CampaignInput {
                campaign_id,
                settings: (**settings).clone(),
                task_queues: input.task_queues.clone(),
                started_at_ms: *started_at_ms,
                progress: CampaignProgress::default(),
            };
            let options = ChildWorkflowOptions::builder()
                .workflow_id(CampaignWorkflowId::new(campaign_id).to_string())
                .task_queue(input.task_queues.message_1.clone())
                .parent_close_policy(ParentClosePolicy::Abandon)
                .cancellation_token(WorkflowCancellationToken::new())
                .search_attributes(SearchAttributes::new([
                    CAMPAIGN_ID.value_set(campaign_id.to_string())
                ]))
                .build();
            ctx.start_child_workflow(Campaign::run, campaign, options)
                .await?;
        }
        Ok(outcome)
    }
}
