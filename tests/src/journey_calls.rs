//! Talking to one journey workflow as the API does: its interaction signal, its `state` query
//! and its result, with the deadlines tests wait under.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use campaign_domain::PhoneNumber;
use campaign_workflows::{ContactJourney, Interaction, JourneyOutcome, JourneyStatus};
use temporalio_client::{
    Client, WorkflowGetResultOptions, WorkflowHandle, WorkflowQueryOptions, WorkflowSignalOptions,
};

use crate::OUTCOME_TIMEOUT;

/// The `(campaign, contact)` a provider reference names, when it is a `message_type` message.
pub fn parse_reference(reference: &str, message_type: &str) -> Option<(i64, i64)> {
    let reference: campaign_domain::MessageReference = reference.parse().ok()?;
    (reference.message_type.as_str() == message_type)
        .then_some((reference.campaign_id, reference.contact_id))
}

/// An interaction as the webhook bridge would signal it.
pub fn interaction(
    provider_message_id: &str,
    phone: &PhoneNumber,
    received_at_ms: i64,
) -> Interaction {
    Interaction {
        provider_message_id: provider_message_id.to_owned(),
        interaction_type: campaign_domain::InteractionType::Text,
        phone: phone.as_str().to_owned(),
        content: Some("Oui, ça m'intéresse".to_owned()),
        received_at_ms,
        consent: None,
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub async fn signal(
    handle: &WorkflowHandle<Client, ContactJourney>,
    interaction: Interaction,
) -> anyhow::Result<()> {
    handle
        .signal(
            ContactJourney::interaction,
            interaction,
            WorkflowSignalOptions::default(),
        )
        .await?;
    Ok(())
}

pub async fn query_state(
    handle: &WorkflowHandle<Client, ContactJourney>,
) -> anyhow::Result<JourneyStatus> {
    Ok(handle
        .query(ContactJourney::state, (), WorkflowQueryOptions::default())
        .await?)
}

/// Polls the `state` query until `done` holds for the journey's status.
pub async fn wait_for_state(
    handle: &WorkflowHandle<Client, ContactJourney>,
    done: impl Fn(&JourneyStatus) -> bool,
) -> anyhow::Result<JourneyStatus> {
    let deadline = Instant::now() + OUTCOME_TIMEOUT;
    loop {
        if let Ok(status) = query_state(handle).await
            && done(&status)
        {
            return Ok(status);
        }
        if Instant::now() > deadline {
            bail!("journey did not reach the expected state in {OUTCOME_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn outcome(
    handle: &WorkflowHandle<Client, ContactJourney>,
) -> anyhow::Result<JourneyOutcome> {
    let result = tokio::time::timeout(
        OUTCOME_TIMEOUT,
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .context("journey did not finish in time")??;
    Ok(result)
}
