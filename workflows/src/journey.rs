//! `ContactJourney`: one contact's path through a campaign.
//!
//! Sends Message 1, then races the `interaction` signal against the window timer. The first
//! interaction decides: inside the window it sends Message 2 (once: the journey state machine
//! cannot enter `sending_message_2` twice, and the database's unique key backs it up), after the
//! window it ends `late_interaction`; no interaction ends `no_interaction`. An opt-out (`STOP`,
//! R19) ends it `opted_out` with no Message 2, even inside the window; a `STOP` that arrives while
//! Message 2 is on its way is caught by the send itself, which checks the contact's consent right
//! before its provider call (the provider's acceptance, if first, stands). Every interaction is
//! recorded, duplicates (same provider message id) are dropped at the signal handler.

use campaign_activities::{
    CONTACT_LIMITED, CONTACT_OPTED_OUT, InteractionRecord, JourneyActivities, JourneyOutcomeInput,
    SentMessage,
};
use campaign_domain::sending::CUTOFF_REASON;
use campaign_domain::{
    FailureKind, JourneyEvent, JourneyState, MessageType, WindowDecision, classify_interaction,
};
use std::collections::BTreeSet;
use std::time::Duration;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, SyncWorkflowContext, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

mod failure;
mod interactions;
mod options;

use failure::{failure_reason, failure_type_is};
use interactions::{classify, interactions_of, opts_out};
use options::{message_1_options, message_2_options, send_input};

use crate::protocol::{
    CAMPAIGN_ID, DeliveryFailure, Interaction, JOURNEY_STATE, JourneyInput, JourneyOutcome,
    JourneyStatus,
};

/// The patch under which a journey hears `message_1_failed` while it waits for a reply.
pub const DELIVERY_FAILURE_PATCH: &str = "message-1-delivery-failure";
/// The patch under which a journey publishes `sending_message_2` to the Temporal UI, so that
/// during a provider outage an operator finds the contacts whose follow-up is on its way.
pub const SENDING_MESSAGE_2_PATCH: &str = "publish-sending-message-2";
use crate::{bookkeeping_options, detached_local, local_bookkeeping_options, unix_ms};

#[workflow]
pub struct ContactJourney {
    input: JourneyInput,
    state: JourneyState,
    /// Provider ids already taken in, so a redelivered interaction is dropped on arrival.
    seen_interactions: BTreeSet<String>,
    /// Interactions received but not yet recorded, in arrival order.
    pending: Vec<Interaction>,
    message_1_sent_at_ms: Option<i64>,
    failure_reason: Option<String>,
    /// Message 1 was accepted, then reported undeliverable (`message_1_failed`).
    delivery_failure: Option<DeliveryFailure>,
}

#[workflow_methods]
impl ContactJourney {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: JourneyInput) -> Self {
        ContactJourney {
            input,
            state: JourneyState::Queued,
            seen_interactions: BTreeSet::new(),
            pending: Vec::new(),
            message_1_sent_at_ms: None,
            failure_reason: None,
            delivery_failure: None,
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<JourneyOutcome> {
        let input = ctx.state(|s| s.input.clone());
        let journeyed = journey(ctx, &input).await;
        if ctx.cancellation_token().is_cancelled() {
            // Closed by its campaign (stop or cutoff), which already recorded the final state.
            let closed_by_cutoff =
                ctx.cancellation_token().reason().as_deref() == Some(CUTOFF_REASON);
            advance(
                ctx,
                if closed_by_cutoff {
                    JourneyEvent::Cutoff
                } else {
                    JourneyEvent::Cancel
                },
            );
            // Replies signalled between the database closing the journey and the cancellation
            // reaching it were acknowledged to the provider: they are recorded all the same.
            return record_late_arrivals(ctx, &input).await;
        }
        journeyed?;
        // Interactions that arrived while the outcome was being recorded are late ones. Nothing
        // is awaited after this check, so a signal delivered later makes Temporal replay the
        // workflow task with it, and it is found here.
        record_late_arrivals(ctx, &input).await
    }

    /// A contact interacted. Redelivered interactions (same provider id) are ignored here and,
    /// should one slip through, by the database's unique key.
    #[signal]
    pub fn interaction(&mut self, _ctx: &mut SyncWorkflowContext<Self>, interaction: Interaction) {
        if self
            .seen_interactions
            .insert(interaction.provider_message_id.clone())
        {
            self.pending.push(interaction);
        }
    }

    /// The provider reported that Message 1 was not delivered (its first report counts).
    #[signal]
    pub fn message_1_failed(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        failure: DeliveryFailure,
    ) {
        self.delivery_failure.get_or_insert(failure);
    }

    #[query]
    pub fn state(&self, _ctx: &WorkflowContextView) -> JourneyStatus {
        JourneyStatus {
            state: self.state,
            message_1_sent_at_ms: self.message_1_sent_at_ms,
            interactions: self.seen_interactions.len() as u32,
            failure_reason: self.failure_reason.clone(),
        }
    }
}

/// Message 1, the window, and Message 2 or the outcome (see the module docs).
async fn journey(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
) -> WorkflowResult<JourneyOutcome> {
    // Its campaign started it with this state as a search attribute already.
    ctx.state_mut(|s| s.state = s.state.apply(JourneyEvent::Release).unwrap_or(s.state));

    let message_1 = ctx
        .execute_local_activity(
            JourneyActivities::send_message,
            send_input(input, MessageType::Message1),
            message_1_options(&input.send_policy),
        )
        .await;
    let (sent_at_ms, answered_at_ms) = match message_1 {
        Ok(SentMessage {
            sent_at_ms,
            answered_at_ms,
            ..
        }) => (sent_at_ms, answered_at_ms),
        Err(err) => return fail(ctx, input, &err).await,
    };
    ctx.state_mut(|s| s.message_1_sent_at_ms = Some(sent_at_ms));
    advance(ctx, JourneyEvent::Message1Sent);

    // A retried journey whose contact had answered in time, but whose Message 2 failed.
    if answered_at_ms.is_some_and(|at| {
        classify_interaction(sent_at_ms, at, input.interaction_window_ms)
            == WindowDecision::WithinWindow
    }) {
        return send_message_2(ctx, input, sent_at_ms, Vec::new()).await;
    }

    let deadline_ms = sent_at_ms.saturating_add(input.interaction_window_ms as i64);
    // Journeys started before Message 1's failure reports existed never heard of them: they
    // replay as they ran (SPEC §4, versioning).
    let hears_delivery_failures = ctx.patched(DELIVERY_FAILURE_PATCH);
    loop {
        let arrived = ctx.state_mut(|s| std::mem::take(&mut s.pending));
        if !arrived.is_empty() {
            let opted_out = opts_out(&arrived);
            let (records, decision) = classify(input, sent_at_ms, arrived);
            if opted_out {
                record(ctx, input, records).await?;
                return finish(ctx, input, JourneyEvent::OptOut).await;
            }
            return match decision {
                WindowDecision::WithinWindow => {
                    send_message_2(ctx, input, sent_at_ms, records).await
                }
                WindowDecision::Late => {
                    record(ctx, input, records).await?;
                    finish(ctx, input, JourneyEvent::Interaction(WindowDecision::Late)).await
                }
            };
        }
        if hears_delivery_failures
            && let Some(failure) = ctx.state_mut(|s| s.delivery_failure.take())
        {
            return undelivered(ctx, input, failure).await;
        }
        let remaining_ms = deadline_ms.saturating_sub(unix_ms(ctx.workflow_time()));
        if remaining_ms <= 0 {
            return finish(ctx, input, JourneyEvent::WindowExpired).await;
        }
        temporalio_sdk::workflows::select! {
            _ = ctx.timer(Duration::from_millis(remaining_ms as u64)) => {},
            _ = ctx.wait_condition(move |s| {
                !s.pending.is_empty() || (hears_delivery_failures && s.delivery_failure.is_some())
            }) => {},
        };
        if ctx.cancellation_token().is_cancelled() {
            return Ok(outcome(ctx));
        }
    }
}

/// Moves the journey by `event`; an event the machine refuses leaves the state unchanged.
/// The states of [`published`] go to the Temporal UI (see [`JOURNEY_STATE`]); with the campaign
/// id, for a journey started by other means than its campaign.
fn advance(ctx: &WorkflowContext<ContactJourney>, event: JourneyEvent) -> JourneyState {
    let (before, after) = ctx.state_mut(|s| {
        let before = s.state;
        s.state = before.apply(event).unwrap_or(before);
        (before, s.state)
    });
    if before != after && published(ctx, after) {
        let campaign_id = ctx.state(|s| s.input.campaign_id);
        ctx.upsert_search_attributes([
            CAMPAIGN_ID.value_set(campaign_id.to_string()),
            JOURNEY_STATE.value_set(after.as_str().to_owned()),
        ]);
    }
    after
}

/// Whether entering `state` is published: waiting for an interaction, Message 2 on its way (a
/// journey that reached it before [`SENDING_MESSAGE_2_PATCH`] replays without), and the end.
fn published(ctx: &WorkflowContext<ContactJourney>, state: JourneyState) -> bool {
    match state {
        JourneyState::AwaitingInteraction => true,
        JourneyState::SendingMessage2 => ctx.patched(SENDING_MESSAGE_2_PATCH),
        state => state.is_final(),
    }
}

async fn record(
    ctx: &WorkflowContext<ContactJourney>,
    input: &JourneyInput,
    interactions: Vec<InteractionRecord>,
) -> WorkflowResult<()> {
    if interactions.is_empty() {
        return Ok(());
    }
    ctx.execute_local_activity(
        JourneyActivities::record_interactions,
        interactions_of(input, interactions),
        // Recorded even if a stop cancels the journey meanwhile (R6).
        detached_local(local_bookkeeping_options()),
    )
    .await?;
    Ok(())
}

/// Sends Message 2 while the interactions that triggered it are recorded: the contact's
/// follow-up does not wait for bookkeeping.
async fn send_message_2(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
    sent_at_ms: i64,
    triggering: Vec<InteractionRecord>,
) -> WorkflowResult<JourneyOutcome> {
    if advance(ctx, JourneyEvent::Interaction(WindowDecision::WithinWindow))
        != JourneyState::SendingMessage2
    {
        return Ok(outcome(ctx));
    }
    let (recorded, message_2) = temporalio_sdk::workflows::join!(
        record(ctx, input, triggering),
        ctx.execute_activity(
            JourneyActivities::send_message,
            send_input(input, MessageType::Message2),
            message_2_options(&input.send_policy, &input.task_queues.message_2),
        )
    );
    recorded?;
    if let Err(err) = message_2 {
        return fail(ctx, input, &err).await;
    }
    advance(ctx, JourneyEvent::Message2Sent);
    // Interactions that arrived while Message 2 was on its way are still recorded (R6).
    let arrived = ctx.state_mut(|s| std::mem::take(&mut s.pending));
    if !arrived.is_empty() {
        record(ctx, input, classify(input, sent_at_ms, arrived).0).await?;
    }
    Ok(outcome(ctx))
}

/// Ends the journey with the final state `event` leads to, recorded in the database.
async fn finish(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
    event: JourneyEvent,
) -> WorkflowResult<JourneyOutcome> {
    let state = advance(ctx, event);
    record_outcome(ctx, input, state).await?;
    Ok(outcome(ctx))
}

/// Message 1 will never reach the contact: the journey ends by what the provider said (a
/// marketing opt-out in WhatsApp, Meta's per-user limit, or a failure) instead of waiting out the
/// window.
async fn undelivered(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
    failure: DeliveryFailure,
) -> WorkflowResult<JourneyOutcome> {
    let event = match failure.kind {
        FailureKind::OptedOut => JourneyEvent::OptOut,
        FailureKind::Limited => {
            ctx.state_mut(|s| s.failure_reason = Some(failure.reason));
            JourneyEvent::Limited
        }
        _ => {
            ctx.state_mut(|s| s.failure_reason = Some(failure.reason));
            JourneyEvent::Message1Undelivered
        }
    };
    finish(ctx, input, event).await
}

async fn fail(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
    err: &ActivityExecutionError,
) -> WorkflowResult<JourneyOutcome> {
    // A send refused because the contact opted out (R19) is an opt-out, not a failure; one Meta
    // refused under its marketing limit ends `limited`, with its reason, counted apart.
    let event = if failure_type_is(err, CONTACT_OPTED_OUT) {
        JourneyEvent::OptOut
    } else {
        let reason = failure_reason(err);
        ctx.state_mut(|s| s.failure_reason = Some(reason));
        if failure_type_is(err, CONTACT_LIMITED) {
            JourneyEvent::Limited
        } else {
            JourneyEvent::SendFailed
        }
    };
    let state = advance(ctx, event);
    record_outcome(ctx, input, state).await?;
    Ok(outcome(ctx))
}

async fn record_outcome(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
    state: JourneyState,
) -> WorkflowResult<()> {
    let reason = ctx.state(|s| s.failure_reason.clone());
    // A regular activity, not a local one: the outcome is a decision an interaction signalled at
    // the same moment could overturn (a reply stamped inside the window), and a local activity's
    // write would be visible before the workflow task that decided it is accepted; the server
    // refuses that task when a signal arrived meanwhile, and the workflow decides again, against
    // a database that already holds the first decision. The activity is scheduled only once the
    // decision is in the history.
    ctx.execute_activity(
        JourneyActivities::record_outcome,
        JourneyOutcomeInput {
            campaign_id: input.campaign_id,
            contact_id: input.contact_id,
            state,
            reason,
        },
        bookkeeping_options(),
    )
    .await?;
    Ok(())
}

/// Records, as late, the interactions that arrived after the journey decided its outcome, until
/// none is left; a `no_interaction` journey becomes `late_interaction` (R4, R6).
async fn record_late_arrivals(
    ctx: &mut WorkflowContext<ContactJourney>,
    input: &JourneyInput,
) -> WorkflowResult<JourneyOutcome> {
    loop {
        let arrived = ctx.state_mut(|s| std::mem::take(&mut s.pending));
        if arrived.is_empty() {
            return Ok(outcome(ctx));
        }
        let sent_at_ms = ctx.state(|s| s.message_1_sent_at_ms).unwrap_or_default();
        let (interactions, _) = classify(input, sent_at_ms, arrived);
        ctx.execute_local_activity(
            JourneyActivities::record_late_interactions,
            interactions_of(input, interactions),
            detached_local(local_bookkeeping_options()),
        )
        .await?;
        if ctx.state(|s| s.state) == JourneyState::NoInteraction {
            advance(ctx, JourneyEvent::Interaction(WindowDecision::Late));
        }
    }
}

fn outcome(ctx: &WorkflowContext<ContactJourney>) -> JourneyOutcome {
    ctx.state(|s| JourneyOutcome {
        state: s.state,
        failure_reason: s.failure_reason.clone(),
    })
}

#[cfg(test)]
mod tests;
