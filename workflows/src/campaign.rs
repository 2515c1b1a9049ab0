//! `Campaign`: releases a campaign's journeys and ends the campaign.
//!
//! Journeys are started as children through a bounded sliding window, reading the audience a page
//! at a time. The window bounds the journeys still sending Message 1 (default 500): those are the
//! ones that queue for pacing slots and provider calls. A journey waiting out its 24-hour window
//! costs a timer and nothing else, so it leaves the window when it reports `journey_waiting`;
//! otherwise a 1,000-contact campaign would send its second half only after the first half's
//! windows had closed, a day late.
//!
//! Children report by signal (`journey_waiting`, `journey_finished`) rather than by their result,
//! because a run that continued-as-new cannot await children of an earlier run. A run starts at
//! most [`MAX_CHILDREN_PER_RUN`] journeys (Temporal refuses more than 2,000 pending children per
//! execution) and continues-as-new well before its history grows large, carrying its counters in
//! the input after absorbing every report already delivered, so no report is lost or counted
//! twice.

use campaign_activities::{AudiencePageInput, CampaignActivities, CloseJourneysInput};
use campaign_domain::settings::MAX_IN_FLIGHT_LIMIT;
use campaign_domain::{Closing, JourneyWorkflowId};
use std::time::Duration;
use temporalio_common::{ActivityCloseTimeouts, RetryPolicy};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityOptions, ChildWorkflowOptions, ContinueAsNewOptions, ParentClosePolicy,
    SyncWorkflowContext, WorkflowCancellationToken, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

use crate::journey::ContactJourney;
use crate::protocol::{
    CAMPAIGN_ID, CampaignInput, CampaignProgress, CampaignStatus, JourneyInput, JourneyReport,
    ReportTo,
};
use crate::{bookkeeping_options, detached, unix_ms};

/// A run continues-as-new once its history passes this many events (each released journey
/// costs about four: child initiated, child started, report signal, workflow task), far below
/// Temporal's limits and the 10,000-event budget.
pub const HISTORY_BUDGET: u32 = 3_000;

/// Journeys one run starts at most. Each stays a pending child of that run until it ends (a day
/// later in production), and Temporal refuses more than 2,000 pending children per execution.
pub const MAX_CHILDREN_PER_RUN: u64 = MAX_IN_FLIGHT_LIMIT as u64;

#[workflow]
pub struct Campaign {
    input: CampaignInput,
    progress: CampaignProgress,
    /// `journey_finished` reports delivered but not yet counted.
    reports: Vec<JourneyReport>,
    /// `journey_waiting` reports delivered but not yet counted.
    waiting_reports: u64,
}

#[workflow_methods]
impl Campaign {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: CampaignInput) -> Self {
        Campaign {
            progress: input.progress.clone(),
            input,
            reports: Vec::new(),
            waiting_reports: 0,
        }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<CampaignStatus> {
        let input = ctx.state(|s| s.input.clone());
        ctx.upsert_search_attributes([CAMPAIGN_ID.value_set(input.campaign_id.to_string())]);
        let driven = drive(ctx, &input).await;
        if ctx.cancellation_token().is_cancelled() {
            // Stop: every journey not yet final ends `cancelled`, then the campaign.
            close_journeys(ctx, &input, Closing::Stop).await?;
            ctx.execute_activity(
                CampaignActivities::cancel_campaign,
                input.campaign_id,
                detached(bookkeeping_options()),
            )
            .await?;
            ctx.state_mut(Campaign::absorb_reports);
            return Ok(ctx.state(Campaign::status));
        }
        driven
    }

    #[signal]
    pub fn journey_finished(
        &mut self,
        _ctx: &mut SyncWorkflowContext<Self>,
        report: JourneyReport,
    ) {
        // A journey of an earlier start (one a stop or cutoff left running) is not this run's.
        if report.campaign_started_at_ms == self.input.started_at_ms {
            self.reports.push(report);
        }
    }

    /// A journey sent Message 1 and waits for an interaction: it leaves the sliding window.
    #[signal]
    pub fn journey_waiting(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _contact_id: i64) {
        self.waiting_reports += 1;
    }

    #[query]
    pub fn progress(&self, _ctx: &WorkflowContextView) -> CampaignStatus {
        let mut campaign = Campaign {
            input: self.input.clone(),
            progress: self.progress.clone(),
            reports: self.reports.clone(),
            waiting_reports: self.waiting_reports,
        };
        campaign.absorb_reports();
        campaign.status()
    }
}

/// Releases journeys and counts outcomes until every journey is final or the cutoff passes;
/// returns early (with the cancellation as error) when the campaign is stopped.
async fn drive(
    ctx: &mut WorkflowContext<Campaign>,
    input: &CampaignInput,
) -> WorkflowResult<CampaignStatus> {
    let cutoff_at_ms = input
        .started_at_ms
        .saturating_add(input.settings.cutoff_ms as i64);
    loop {
        ctx.state_mut(Campaign::absorb_reports);
        let progress = ctx.state(|s| s.progress.clone());
        let finished = progress.audience_exhausted && progress.open() == 0;
        let until_cutoff_ms = cutoff_at_ms.saturating_sub(unix_ms(ctx.workflow_time()));
        if !finished && until_cutoff_ms <= 0 {
            close_journeys(ctx, input, Closing::Cutoff).await?;
            // R8 after R9: a Message 2 already on its way finishes first, so the final
            // statistics include it; one stuck longer than the grace is left to finish alone.
            let _ = ctx
                .execute_activity(
                    CampaignActivities::await_open_journeys,
                    input.campaign_id,
                    cutoff_grace_options(),
                )
                .await;
        }
        if finished || until_cutoff_ms <= 0 {
            ctx.execute_activity(
                CampaignActivities::complete_campaign,
                input.campaign_id,
                bookkeeping_options(),
            )
            .await?;
            return Ok(ctx.state(Campaign::status));
        }
        let released_by_this_run = progress.released - input.progress.released;
        if ctx.continue_as_new_suggested()
            || ctx.history_length() >= HISTORY_BUDGET
            || released_by_this_run >= MAX_CHILDREN_PER_RUN
        {
            let mut next = input.clone();
            next.progress = progress.clone();
            next.progress.previous_runs += 1;
            ctx.continue_as_new(next, ContinueAsNewOptions::default())?;
        }
        let room = u64::from(input.settings.max_in_flight).saturating_sub(progress.in_flight());
        if !progress.audience_exhausted && room >= refill_threshold(input.settings.max_in_flight) {
            let room = room.min(MAX_CHILDREN_PER_RUN - released_by_this_run);
            release_page(ctx, input, &progress, room).await?;
            continue;
        }
        temporalio_sdk::workflows::select! {
            _ = ctx.wait_condition(|s| !s.reports.is_empty() || s.waiting_reports > 0) => {},
            _ = ctx.timer(Duration::from_millis(until_cutoff_ms as u64)) => {},
            _ = ctx.cancelled() => {},
        };
        if ctx.cancellation_token().is_cancelled() {
            return Ok(ctx.state(Campaign::status));
        }
    }
}

/// How long a campaign past its cutoff waits for Message 2s already on their way: three
/// attempts and their retry delays, with room for a circuit-breaker pause (30 min).
const CUTOFF_GRACE: Duration = Duration::from_secs(3600);

/// Checks every few seconds, for at most [`CUTOFF_GRACE`], whether the journeys left open at
/// the cutoff have finished.
fn cutoff_grace_options() -> ActivityOptions {
    ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
        schedule_to_close: CUTOFF_GRACE,
        start_to_close: Duration::from_secs(30),
    })
    .retry_policy(
        RetryPolicy::builder()
            .initial_interval(Duration::from_secs(1))
            .backoff_coefficient(1.5)
            .maximum_interval(Duration::from_secs(10))
            .build(),
    )
    .build()
}

/// Closes the journeys still open, out of reach of the campaign's own cancellation.
async fn close_journeys(
    ctx: &WorkflowContext<Campaign>,
    input: &CampaignInput,
    closing: Closing,
) -> WorkflowResult<()> {
    ctx.execute_activity(
        CampaignActivities::close_open_journeys,
        CloseJourneysInput {
            campaign_id: input.campaign_id,
            closing,
        },
        detached(bookkeeping_options()),
    )
    .await?;
    Ok(())
}

impl Campaign {
    fn absorb_reports(&mut self) {
        self.progress.past_message_1 += std::mem::take(&mut self.waiting_reports);
        for report in self.reports.drain(..) {
            *self.progress.outcomes.entry(report.state).or_default() += 1;
            if !report.reported_waiting {
                self.progress.past_message_1 += 1;
            }
        }
    }

    fn status(&self) -> CampaignStatus {
        CampaignStatus {
            released: self.progress.released,
            in_flight: self.progress.in_flight(),
            waiting: self
                .progress
                .past_message_1
                .saturating_sub(self.progress.finished()),
            outcomes: self.progress.outcomes.clone(),
            runs: self.progress.previous_runs + 1,
        }
    }
}

/// Free places in the window before the next page is read: releasing one journey per finished
/// one would cost a page read and a workflow task each; refilling a quarter of the window at a
/// time keeps the parent's work per journey small while the window stays mostly full.
fn refill_threshold(max_in_flight: u32) -> u64 {
    u64::from(max_in_flight / 4).max(1)
}

/// Reads the next page of the audience and starts a journey for each contact in it.
async fn release_page(
    ctx: &mut WorkflowContext<Campaign>,
    input: &CampaignInput,
    progress: &CampaignProgress,
    room: u64,
) -> WorkflowResult<()> {
    let page = ctx
        .execute_activity(
            CampaignActivities::audience_page,
            AudiencePageInput {
                campaign_id: input.campaign_id,
                after_contact_id: progress.after_contact_id,
                limit: room as u32,
            },
            bookkeeping_options(),
        )
        .await?;
    let exhausted = (page.len() as u64) < room;
    let starts = page.iter().map(|&contact_id| {
        let journey = JourneyInput {
            campaign_id: input.campaign_id,
            contact_id,
            interaction_window_ms: input.settings.interaction_window_ms,
            send_policy: input.settings.send_policy,
            task_queues: input.task_queues.clone(),
            report_to: Some(ReportTo {
                workflow_id: ctx.workflow_id().to_owned(),
                campaign_started_at_ms: input.started_at_ms,
            }),
            pacing: input.settings.pacing,
        };
        ctx.start_child_workflow(
            ContactJourney::run,
            journey,
            ChildWorkflowOptions::builder()
                .workflow_id(JourneyWorkflowId::new(input.campaign_id, contact_id).to_string())
                .task_queue(input.task_queues.message_1.clone())
                .parent_close_policy(ParentClosePolicy::Abandon)
                // Journeys outlive the run that started them (continue-as-new); only the
                // campaign's close activity cancels them, whichever run started them.
                .cancellation_token(WorkflowCancellationToken::new())
                .build(),
        )
    });
    let started = temporalio_sdk::workflows::join_all(starts).await;
    let released = started.iter().filter(|start| start.is_ok()).count() as u64;
    ctx.state_mut(|s| {
        s.progress.released += released;
        s.progress.after_contact_id = page.last().copied().unwrap_or(s.progress.after_contact_id);
        s.progress.audience_exhausted = exhausted;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use campaign_domain::{CampaignSettings, JourneyState};
    use std::collections::BTreeMap;

    fn campaign(progress: CampaignProgress) -> Campaign {
        Campaign {
            input: CampaignInput {
                campaign_id: 1,
                settings: CampaignSettings::default(),
                task_queues: crate::TaskQueues {
                    message_1: "message-1".to_owned(),
                    message_2: "message-2".to_owned(),
                },
                started_at_ms: 1_000,
                progress: progress.clone(),
            },
            progress,
            reports: Vec::new(),
            waiting_reports: 0,
        }
    }

    fn report(contact_id: i64, state: JourneyState, reported_waiting: bool) -> JourneyReport {
        JourneyReport {
            contact_id,
            state,
            reported_waiting,
            campaign_started_at_ms: 1_000,
        }
    }

    #[test]
    fn a_journey_leaves_the_window_once_whether_it_waited_or_not() {
        let mut campaign = campaign(CampaignProgress {
            released: 4,
            ..CampaignProgress::default()
        });
        // Contacts 1 and 2 waited (one `journey_waiting` each) and then finished; contact 3
        // failed while sending Message 1; contact 4 is still sending.
        campaign.waiting_reports = 2;
        campaign.reports = vec![
            report(1, JourneyState::Message2Sent, true),
            report(2, JourneyState::NoInteraction, true),
            report(3, JourneyState::Failed, false),
        ];
        campaign.absorb_reports();
        assert_eq!(campaign.progress.past_message_1, 3);
        assert_eq!(campaign.progress.in_flight(), 1);
        assert_eq!(campaign.progress.finished(), 3);
        assert!(campaign.reports.is_empty());
        assert_eq!(campaign.waiting_reports, 0);
    }

    #[test]
    fn absorbing_twice_counts_each_report_once() {
        let mut campaign = campaign(CampaignProgress {
            released: 2,
            ..CampaignProgress::default()
        });
        campaign.reports = vec![
            report(1, JourneyState::Message2Sent, false),
            report(2, JourneyState::Message2Sent, false),
        ];
        campaign.absorb_reports();
        campaign.absorb_reports();
        assert_eq!(
            campaign.progress.outcomes,
            BTreeMap::from([(JourneyState::Message2Sent, 2)])
        );
        assert_eq!(campaign.progress.past_message_1, 2);
    }

    #[test]
    fn the_status_splits_open_journeys_into_sending_and_waiting() {
        let mut campaign = campaign(CampaignProgress {
            released: 10,
            past_message_1: 7,
            outcomes: BTreeMap::from([(JourneyState::NoInteraction, 4)]),
            previous_runs: 2,
            ..CampaignProgress::default()
        });
        campaign.waiting_reports = 1;
        campaign.absorb_reports();
        assert_eq!(
            campaign.status(),
            CampaignStatus {
                released: 10,
                in_flight: 2,
                waiting: 4,
                outcomes: BTreeMap::from([(JourneyState::NoInteraction, 4)]),
                runs: 3,
            }
        );
    }

    #[test]
    fn the_window_refills_a_quarter_at_a_time_and_at_least_one() {
        assert_eq!(refill_threshold(500), 125);
        assert_eq!(refill_threshold(10), 2);
        assert_eq!(refill_threshold(3), 1);
        assert_eq!(refill_threshold(1), 1);
    }
}
