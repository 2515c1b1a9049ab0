//! Every recorded history (`tests/histories/<release>/`) replays on the current workflow code.
//!
//! Workflows started by any earlier release are still running somewhere when this code is
//! deployed; if one of their histories no longer replays, the deploy would break them (the
//! recording and versioning rules: docs/OPERATIONS.md).

use campaign_tests::histories::{self, RecordedHistory};
use campaign_workflows::{
    Campaign, ContactJourney, OptOutConfirmation, ScheduledLaunch, VerifyNumbers,
};
use std::collections::BTreeSet;
use temporalio_common::WorkflowDefinition;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

/// Every workflow type the worker registers, by its registered name.
fn registered_types() -> BTreeSet<&'static str> {
    [
        ContactJourney::run.name(),
        Campaign::run.name(),
        ScheduledLaunch::run.name(),
        VerifyNumbers::run.name(),
        OptOutConfirmation::run.name(),
    ]
    .into()
}

fn replayer() -> WorkflowReplayer {
    let options = WorkflowReplayerOptions::new()
        .register_workflow::<ContactJourney>()
        .and_then(|options| options.register_workflow::<Campaign>())
        .and_then(|options| options.register_workflow::<ScheduledLaunch>())
        .and_then(|options| options.register_workflow::<VerifyNumbers>())
        .and_then(|options| options.register_workflow::<OptOutConfirmation>())
        .expect("registering the workflows")
        .build();
    WorkflowReplayer::new(options).expect("a replayer")
}

/// The failures of replaying `recorded`, one line each, naming the file.
async fn replay_failures(recorded: &[RecordedHistory]) -> Vec<String> {
    let results = replayer()
        .replay_workflows(recorded.iter().map(|run| run.history.clone().into()))
        .await
        .expect("the replay worker runs");
    recorded
        .iter()
        .zip(results)
        .filter_map(|(run, result)| {
            let failure = result.replay_failure?;
            let path = run
                .path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap_or(&run.path);
            Some(format!("tests/{}: {failure}", path.display()))
        })
        .collect()
}

#[tokio::test]
async fn every_recorded_history_replays_on_the_current_workflow_code() {
    let recorded = histories::load_all().unwrap();
    let failures = replay_failures(&recorded).await;
    assert!(
        failures.is_empty(),
        "{} of {} recorded histories no longer replay: a running workflow would break. Guard the \
         change with a patch (docs/OPERATIONS.md); never re-record a set to make this pass.\n{}",
        failures.len(),
        recorded.len(),
        failures.join("\n")
    );
}

#[test]
fn every_workflow_type_has_recorded_histories() {
    let recorded = histories::load_all().unwrap();
    let covered: BTreeSet<&str> = recorded
        .iter()
        .filter_map(RecordedHistory::workflow_type)
        .collect();
    let missing: Vec<_> = registered_types().difference(&covered).copied().collect();
    assert!(missing.is_empty(), "no recorded history of {missing:?}");
}
