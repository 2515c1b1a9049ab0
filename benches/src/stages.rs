//! Where a reply's wait for Message 2 goes: the journey benchmark's latency cut at the moments
//! the database stamps on the way, so the tail can be blamed on Temporal, Postgres or the
//! provider call instead of guessed at.
//!
//! From the interaction signal (the benchmark's clock) to:
//! 1. the journey's recording of the interaction starting (`interactions.created_at`): Temporal
//!    delivering the signal's workflow task to a worker, which runs the recording first;
//! 2. the Message 2 activity starting (`messages.created_at`): the recording committed, the
//!    workflow task completed with the activity's command, and Temporal dispatching the activity
//!    on the Message 2 queue;
//! 3. the provider call starting (`messages.first_call_at`): the activity's database work;
//! 4. the sandbox accepting Message 2: the provider call.
//!
//! Postgres stamps a row with its transaction's start; every process here reads the same clock.

use campaign_tests::{TestEnv, percentile};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The four stages' names, in order.
pub const STAGES: [&str; 4] = [
    "signal -> recording (Temporal)",
    "recording -> Message 2 activity (commit, Temporal)",
    "activity -> provider call (Postgres)",
    "provider call",
];

/// One reply's stages, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct ReplyStages {
    pub total_ms: f64,
    pub stages_ms: [f64; 4],
}

/// What the database stamped on one reply's way to Message 2.
#[derive(sqlx::FromRow)]
struct Stamps {
    contact_id: i64,
    recorded: DateTime<Utc>,
    activity: DateTime<Utc>,
    call: Option<DateTime<Utc>>,
}

/// The stages of every reply of `campaign_id` with both a signal time and a Message 2
/// acceptance time (`contact id → time`).
pub async fn reply_stages(
    env: &TestEnv,
    campaign_id: i64,
    signalled: &HashMap<i64, DateTime<Utc>>,
    accepted: &HashMap<i64, DateTime<Utc>>,
) -> anyhow::Result<Vec<ReplyStages>> {
    let rows: Vec<Stamps> = sqlx::query_as(
        "SELECT m.contact_id, min(i.created_at) AS recorded, m.created_at AS activity,
                m.first_call_at AS call
           FROM messages m JOIN interactions i
             ON i.campaign_id = m.campaign_id AND i.contact_id = m.contact_id
          WHERE m.campaign_id = $1 AND m.message_type = 'message_2'
          GROUP BY m.contact_id, m.created_at, m.first_call_at",
    )
    .bind(campaign_id)
    .fetch_all(env.store.pool())
    .await?;
    let ms = |from: DateTime<Utc>, to: DateTime<Utc>| {
        (to - from).num_microseconds().unwrap_or(0) as f64 / 1e3
    };
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let signal = *signalled.get(&row.contact_id)?;
            let done = *accepted.get(&row.contact_id)?;
            let (recorded, activity, call) = (row.recorded, row.activity, row.call?);
            Some(ReplyStages {
                total_ms: ms(signal, done),
                stages_ms: [
                    ms(signal, recorded),
                    ms(recorded, activity),
                    ms(activity, call),
                    ms(call, done),
                ],
            })
        })
        .collect())
}

/// One line per stage: its median over all replies, and its mean over the replies at or above
/// the p99 of the total with its share of their total.
pub fn describe_tail(replies: &[ReplyStages]) -> String {
    let mut totals: Vec<f64> = replies.iter().map(|reply| reply.total_ms).collect();
    totals.sort_by(f64::total_cmp);
    let p99 = percentile(&totals, 0.99);
    let tail: Vec<&ReplyStages> = replies
        .iter()
        .filter(|reply| reply.total_ms >= p99)
        .collect();
    let tail_total = tail
        .iter()
        .map(|reply| reply.total_ms)
        .sum::<f64>()
        .max(f64::EPSILON);
    let mut lines = vec![format!(
        "Message 2 stages (n = {}; tail = the {} replies at or above p99 {p99:.0} ms):",
        replies.len(),
        tail.len()
    )];
    for (index, name) in STAGES.iter().enumerate() {
        let mut stage: Vec<f64> = replies.iter().map(|reply| reply.stages_ms[index]).collect();
        stage.sort_by(f64::total_cmp);
        let tail_sum: f64 = tail.iter().map(|reply| reply.stages_ms[index]).sum();
        lines.push(format!(
            "  {name:<52} p50 {:>6.0} ms   tail mean {:>6.0} ms ({:>3.0} % of the tail)",
            percentile(&stage, 0.5),
            tail_sum / tail.len().max(1) as f64,
            100.0 * tail_sum / tail_total
        ));
    }
    lines.join("\n")
}
