//! `VerifyNumbers`: a bulk WhatsApp number check, in batches, durable across restarts of the API
//! and the workers (the API only starts it).

use campaign_activities::{VerificationActivities, VerificationTally};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{ActivityOptions, WorkflowContext, WorkflowContextView, WorkflowResult};

/// Contacts checked per activity: a failed batch repeats at most this many provider calls.
pub const VERIFICATION_BATCH: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyNumbersInput {
    pub contact_ids: Vec<i64>,
}

#[workflow]
pub struct VerifyNumbers {
    input: VerifyNumbersInput,
}

#[workflow_methods]
impl VerifyNumbers {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: VerifyNumbersInput) -> Self {
        VerifyNumbers { input }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<VerificationTally> {
        let contact_ids = ctx.state(|s| s.input.contact_ids.clone());
        let mut total = VerificationTally::default();
        for batch in contact_ids.chunks(VERIFICATION_BATCH) {
            let tally = ctx
                .execute_activity(
                    VerificationActivities::verify_numbers,
                    batch.to_vec(),
                    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(300))
                        .retry_policy(
                            RetryPolicy::builder()
                                .initial_interval(Duration::from_secs(1))
                                .maximum_interval(Duration::from_secs(300))
                                .build(),
                        )
                        .build(),
                )
                .await?;
            total.on_whatsapp += tally.on_whatsapp;
            total.not_on_whatsapp += tally.not_on_whatsapp;
            total.refused += tally.refused;
        }
        Ok(total)
    }
}
