//! `Campaign`: releases a campaign's journeys and ends the campaign.
//!
//! Journeys are started (by an activity, not as children: see `campaign_activities::release`)
//! through a bounded sliding window, a page of the audience at a time. The window bounds the journeys still sending Message 1 (default 500): those are the
//! ones that queue for pacing slots and provider calls. A journey waiting out its 24-hour window
//! costs a timer and nothing else, so it leaves the window once its Message 1 is accepted;
//! otherwise a 1,000-contact campaign would send its second half only after the first half's
//! windows had closed, a day late.
//!
//! The campaign learns how its journeys are doing from the database, where each journey writes
//! its state in the same transaction as its message or outcome: one local activity per tick
//! counts the open journeys by stage. Journeys do not report by signal, because a signal costs a
//! workflow task on the sender as well as on the campaign, and the campaign's history would grow
//! with every journey. Ticks are frequent while the counts move and slow down, up to
//! [`MAX_TICK`], while they do not.
//!
//! A run releases at most [`MAX_RELEASES_PER_RUN`] journeys and continues-as-new well before its
//! history grows large, carrying only how far the release has got.

use campaign_activities::{
    CampaignActivities, CloseJourneysInput, JourneyPlan, OpenJourneysInput, ReleaseInput,
};
use campaign_domain::settings::MAX_IN_FLIGHT_LIMIT;
use campaign_domain::{Closing, JourneyState, OpenJourneys};
use std::collections::BTreeMap;
use std::time::Duration;
use temporalio_common::{ActivityCloseTimeouts, RetryPolicy};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityOptions, ContinueAsNewOptions, WorkflowContext, WorkflowContextView, WorkflowResult,
};

use crate::protocol::{CAMPAIGN_ID, CampaignInput, CampaignProgress, CampaignStatus};
use crate::{bookkeeping_options, detached, detached_local, local_bookkeeping_options, unix_ms};

/// A run continues-as-new once its history passes this many events (a tick or a release costs
/// about five: timer, workflow task, marker), far below Temporal's limits and the 10,000-event
/// budget.
pub const HISTORY_BUDGET: u32 = 3_000;

/// The shortest wait between two counts of the open journeys: the pace at which the window is
/// refilled while journeys move.
pub const MIN_TICK: Duration = Duration::from_millis(250);

/// The longest: a campaign whose journeys all wait for their (24-hour) windows counts twice a
/// minute, so it ends at most this long after its last journey.
pub const MAX_TICK: Duration = Duration::from_secs(30);

/// Journeys one run releases at most before it continues-as-new: a run's history stays short
/// whatever the audience, so replaying it (after a worker restart or a cache eviction) is cheap.
pub const MAX_RELEASES_PER_RUN: u64 = MAX_IN_FLIGHT_LIMIT as u64;

#[workflow]
pub struct Campaign {
    input: CampaignInput,
    progress: CampaignProgress,
    /// The open journeys, as last counted.
    open: OpenJourneys,
    /// Final states, counted when the campaign ends.
    outcomes: BTreeMap<JourneyState, u64>,
}

#[workflow_methods]
impl Campaign {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, input: CampaignInput) -> Self {
        Campaign {
            progress: input.progress.clone(),
            input,
            open: OpenJourneys::default(),
            outcomes: BTreeMap::new(),
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
            return final_status(ctx, &input).await;
        }
        driven
    }

    #[query]
    pub fn progress(&self, _ctx: &WorkflowContextView) -> CampaignStatus {
        self.status()
    }
}

/// Releases journeys and follows them until every journey is final or the cutoff passes;
/// returns early when the campaign is stopped.
async fn drive(
    ctx: &mut WorkflowContext<Campaign>,
    input: &CampaignInput,
) -> WorkflowResult<CampaignStatus> {
    let cutoff_at_ms = input
        .started_at_ms
        .saturating_add(input.settings.cutoff_ms as i64);
    let slowest_tick = slowest_tick(input.settings.interaction_window_ms);
    let mut tick = MIN_TICK;
    loop {
        let progress = ctx.state(|s| s.progress.clone());
        let open = count_open_journeys(ctx, input, &progress).await?;
        let moved = ctx.state_mut(|s| std::mem::replace(&mut s.open, open)) != open;
        let finished = progress.audience_exhausted && open.open == 0;
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
            return final_status(ctx, input).await;
        }
        let released_by_this_run = progress.released - input.progress.released;
        if ctx.continue_as_new_suggested()
            || ctx.history_length() >= HISTORY_BUDGET
            || released_by_this_run >= MAX_RELEASES_PER_RUN
        {
            let mut next = input.clone();
            next.progress = progress.clone();
            next.progress.previous_runs += 1;
            ctx.continue_as_new(next, ContinueAsNewOptions::default())?;
        }
        let room = u64::from(input.settings.max_in_flight).saturating_sub(open.sending_message_1);
        if !progress.audience_exhausted && room >= refill_threshold(input.settings.max_in_flight) {
            let room = room.min(MAX_RELEASES_PER_RUN - released_by_this_run);
            release_page(ctx, input, &progress, room).await?;
            tick = MIN_TICK;
            continue;
        }
        tick = next_tick(tick, moved, slowest_tick);
        let wait = tick.min(Duration::from_millis(until_cutoff_ms as u64));
        temporalio_sdk::workflows::select! {
            _ = ctx.timer(wait) => {},
            _ = ctx.cancelled() => {},
        };
        if ctx.cancellation_token().is_cancelled() {
            return Ok(ctx.state(Campaign::status));
        }
    }
}

/// Counts the campaign's open journeys by stage (one indexed query, see the module docs).
async fn count_open_journeys(
    ctx: &WorkflowContext<Campaign>,
    input: &CampaignInput,
    progress: &CampaignProgress,
) -> WorkflowResult<OpenJourneys> {
    Ok(ctx
        .execute_local_activity(
            CampaignActivities::open_journeys,
            OpenJourneysInput {
                campaign_id: input.campaign_id,
                released_through_contact_id: progress.after_contact_id,
            },
            local_bookkeeping_options(),
        )
        .await?)
}

/// Counts the final states and returns the campaign's status with them; also after a stop.
async fn final_status(
    ctx: &mut WorkflowContext<Campaign>,
    input: &CampaignInput,
) -> WorkflowResult<CampaignStatus> {
    let outcomes = ctx
        .execute_local_activity(
            CampaignActivities::final_journey_states,
            input.campaign_id,
            detached_local(local_bookkeeping_options()),
        )
        .await?;
    ctx.state_mut(|s| s.outcomes = outcomes);
    Ok(ctx.state(Campaign::status))
}

/// The slowest tick for journeys with this interaction window: a short window (tests, benches)
/// ends journeys soon, so there is no point counting rarely.
fn slowest_tick(interaction_window_ms: u64) -> Duration {
    (Duration::from_millis(interaction_window_ms) / 20).clamp(MIN_TICK, MAX_TICK)
}

/// The wait before the next count: back to the shortest when the counts moved, else twice the
/// last, up to `slowest`.
fn next_tick(last: Duration, moved: bool, slowest: Duration) -> Duration {
    if moved {
        MIN_TICK
    } else {
        (last * 2).min(slowest)
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
    fn status(&self) -> CampaignStatus {
        CampaignStatus {
            released: self.progress.released,
            in_flight: self.open.sending_message_1,
            waiting: self.open.waiting,
            outcomes: self.outcomes.clone(),
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

/// Releases the next page of the audience: a journey started for each contact in it.
async fn release_page(
    ctx: &mut WorkflowContext<Campaign>,
    input: &CampaignInput,
    progress: &CampaignProgress,
    room: u64,
) -> WorkflowResult<()> {
    let released = ctx
        .execute_local_activity(
            CampaignActivities::release_journeys,
            ReleaseInput {
                plan: JourneyPlan {
                    campaign_id: input.campaign_id,
                    interaction_window_ms: input.settings.interaction_window_ms,
                    send_policy: input.settings.send_policy,
                    task_queues: input.task_queues.clone(),
                    pacing: input.settings.pacing,
                    quiet_hours: input.settings.quiet_hours_policy(),
                },
                after_contact_id: progress.after_contact_id,
                limit: room as u32,
            },
            local_bookkeeping_options(),
        )
        .await?;
    ctx.state_mut(|s| {
        s.progress.released += released.journeys;
        s.progress.after_contact_id = released
            .last_contact_id
            .unwrap_or(s.progress.after_contact_id);
        s.progress.audience_exhausted = released.audience_exhausted;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use campaign_domain::CampaignSettings;

    fn campaign(progress: CampaignProgress, open: OpenJourneys) -> Campaign {
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
            open,
            outcomes: BTreeMap::new(),
        }
    }

    #[test]
    fn the_status_splits_open_journeys_into_sending_and_waiting() {
        let mut campaign = campaign(
            CampaignProgress {
                released: 10,
                previous_runs: 2,
                ..CampaignProgress::default()
            },
            OpenJourneys {
                sending_message_1: 2,
                waiting: 4,
                open: 6,
            },
        );
        campaign.outcomes = BTreeMap::from([(JourneyState::NoInteraction, 4)]);
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

    #[test]
    fn ticks_slow_down_while_nothing_moves_and_speed_up_when_it_does() {
        let slowest = Duration::from_secs(2);
        let mut tick = MIN_TICK;
        let mut seen = Vec::new();
        for _ in 0..5 {
            tick = next_tick(tick, false, slowest);
            seen.push(tick.as_millis());
        }
        assert_eq!(seen, [500, 1_000, 2_000, 2_000, 2_000]);
        assert_eq!(next_tick(tick, true, slowest), MIN_TICK);
    }

    #[test]
    fn the_slowest_tick_follows_the_window_within_bounds() {
        assert_eq!(slowest_tick(1_000), MIN_TICK);
        assert_eq!(slowest_tick(60_000), Duration::from_secs(3));
        assert_eq!(slowest_tick(24 * 3_600_000), MAX_TICK);
    }
}
