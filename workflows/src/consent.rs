//! `OptOutConfirmation`: sends the optional confirmation of one opt-out (R19), durably. The API
//! starts it when a contact's `STOP` is recorded, under the id
//! [`ConfirmationReference`](campaign_domain::ConfirmationReference), so a
//! redelivered webhook starts nothing new; the activity itself sends at most once.

pub use campaign_activities::{ConfirmationInput, ConfirmationOutcome};

use campaign_activities::ConsentActivities;
use campaign_domain::SendPolicy;
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{ActivityOptions, WorkflowContext, WorkflowContextView, WorkflowResult};

#[workflow]
pub struct OptOutConfirmation {
    input: ConfirmationInput,
}

#[workflow_methods]
impl OptOutConfirmation {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: ConfirmationInput) -> Self {
        OptOutConfirmation { input }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<ConfirmationOutcome> {
        let input = ctx.state(|s| s.input.clone());
        // R12, as for campaign messages: three calls at most, 60 s then 120 s apart.
        let policy = SendPolicy::default();
        let outcome = ctx
            .execute_activity(
                ConsentActivities::send_opt_out_confirmation,
                input,
                ActivityOptions::with_start_to_close_timeout(Duration::from_secs(60))
                    .retry_policy(
                        RetryPolicy::builder()
                            .initial_interval(policy.retry_base_delay())
                            .backoff_coefficient(2.0)
                            .maximum_attempts(policy.max_attempts)
                            .build(),
                    )
                    .build(),
            )
            .await?;
        Ok(outcome)
    }
}
