//! Recorded workflow histories: what the replay test reads (`tests/histories/<release>/`), and
//! how the engine tests record a new set (`make record-histories`).
//!
//! A journey lives up to 24 hours and a campaign up to 48, so every deploy meets running
//! workflows. Each release's histories are replayed against the current workflow code in
//! `make test`: a change that would break a workflow started by any earlier release fails CI,
//! naming the history and the event (docs/OPERATIONS.md, "Recorded histories").
//!
//! Histories are kept in proto JSON exactly as `temporal workflow show --output json` writes
//! them, so one taken from production with the CLI can be added as it is.

use anyhow::{Context, bail};
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use temporalio_common::protos::temporal::api::enums::v1::EventType;
use temporalio_common::protos::temporal::api::history::v1::History;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;

/// The directory a test run records its histories into; unset, nothing is recorded.
pub const RECORD_HISTORIES: &str = "RECORD_HISTORIES";

/// How long recording waits for a workflow to close: a test records at its end, when the
/// workflow has decided, but a campaign writes its statistics a moment later.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The Temporal API's descriptors (see `build.rs`).
const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/temporal-descriptors.bin"));

/// `tests/histories/`: one folder per release, one file per workflow run.
pub fn histories_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("histories")
}

/// One recorded run.
pub struct RecordedHistory {
    pub path: PathBuf,
    pub history: History,
}

impl RecordedHistory {
    /// The workflow type the run belongs to, from its first event.
    pub fn workflow_type(&self) -> Option<&str> {
        match self.history.events.first()?.attributes.as_ref()? {
            Attributes::WorkflowExecutionStartedEventAttributes(started) => {
                Some(started.workflow_type.as_ref()?.name.as_str())
            }
            _ => None,
        }
    }
}

/// Every history under [`histories_dir`], in path order.
pub fn load_all() -> anyhow::Result<Vec<RecordedHistory>> {
    let mut paths = Vec::new();
    for release in std::fs::read_dir(histories_dir()).context("reading tests/histories")? {
        let release = release?.path();
        if release.is_dir() {
            for file in std::fs::read_dir(&release)? {
                let file = file?.path();
                if file.extension().is_some_and(|ext| ext == "json") {
                    paths.push(file);
                }
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let json =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let history = parse(&json).with_context(|| format!("parsing {}", path.display()))?;
            Ok(RecordedHistory { path, history })
        })
        .collect()
}

/// A history in proto JSON (field names in lowerCamelCase, enums by name, 64-bit integers as
/// strings). Fields this API version does not know are skipped: the CLI may be newer.
pub fn parse(json: &[u8]) -> anyhow::Result<History> {
    let pool = DescriptorPool::decode(DESCRIPTORS)?;
    let descriptor = pool
        .get_message_by_name("temporal.api.history.v1.History")
        .context("the descriptors have no History message")?;
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let message = DynamicMessage::deserialize_with_options(
        descriptor,
        &mut deserializer,
        &DeserializeOptions::new().deny_unknown_fields(false),
    )?;
    deserializer.end()?;
    Ok(message.transcode_to::<History>()?)
}

/// Whether this run records histories.
pub fn recording() -> bool {
    std::env::var_os(RECORD_HISTORIES).is_some()
}

/// Records every run of `workflow_id` as `<name>.json` (or `<name>.run-<n>.json`, oldest first,
/// when it continued as new) into the directory [`RECORD_HISTORIES`] names, once the workflow
/// has closed. Does nothing when the variable is unset, so the tests call it freely.
pub async fn record(temporal_address: &str, workflow_id: &str, name: &str) -> anyhow::Result<()> {
    let Some(dir) = std::env::var_os(RECORD_HISTORIES) else {
        return Ok(());
    };
    let mut runs = vec![closed_run(temporal_address, workflow_id).await?];
    while let Some(previous) = continued_from(&parse(&runs[runs.len() - 1])?) {
        runs.push(show(temporal_address, workflow_id, Some(&previous)).await?);
    }
    runs.reverse();
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let numbered = runs.len() > 1;
    for (index, json) in runs.iter().enumerate() {
        let file = if numbered {
            format!("{name}.run-{}.json", index + 1)
        } else {
            format!("{name}.json")
        };
        std::fs::write(dir.join(file), json)?;
    }
    Ok(())
}

/// The latest run's history once its last event closes it.
async fn closed_run(temporal_address: &str, workflow_id: &str) -> anyhow::Result<Vec<u8>> {
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    loop {
        let json = show(temporal_address, workflow_id, None).await?;
        let closed = parse(&json)?
            .events
            .last()
            .is_some_and(|event| closes_a_run(event.event_type()));
        if closed {
            return Ok(json);
        }
        if Instant::now() > deadline {
            bail!("{workflow_id} did not close within {CLOSE_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn closes_a_run(event_type: EventType) -> bool {
    matches!(
        event_type,
        EventType::WorkflowExecutionCompleted
            | EventType::WorkflowExecutionFailed
            | EventType::WorkflowExecutionCanceled
            | EventType::WorkflowExecutionTerminated
            | EventType::WorkflowExecutionTimedOut
            | EventType::WorkflowExecutionContinuedAsNew
    )
}

/// The run this one continued, if it continued another.
fn continued_from(history: &History) -> Option<String> {
    match history.events.first()?.attributes.as_ref()? {
        Attributes::WorkflowExecutionStartedEventAttributes(started)
            if !started.continued_execution_run_id.is_empty() =>
        {
            Some(started.continued_execution_run_id.clone())
        }
        _ => None,
    }
}

/// `temporal workflow show --output json` of one run (the latest without `run_id`).
async fn show(
    temporal_address: &str,
    workflow_id: &str,
    run_id: Option<&str>,
) -> anyhow::Result<Vec<u8>> {
    let cli = std::env::var("TEMPORAL_BIN").unwrap_or_else(|_| "temporal".to_owned());
    let mut command = tokio::process::Command::new(&cli);
    command
        .args(["workflow", "show", "--output", "json", "--workflow-id"])
        .arg(workflow_id)
        .args(["--address", temporal_address, "--namespace"])
        .arg(crate::temporal_namespace());
    if let Some(run_id) = run_id {
        command.args(["--run-id", run_id]);
    }
    let output = command
        .output()
        .await
        .with_context(|| format!("running {cli}"))?;
    if !output.status.success() {
        bail!(
            "{cli} workflow show {workflow_id}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output.stdout)
}
