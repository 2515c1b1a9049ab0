//! Quiet hours (R21) end to end, with windows of a few seconds computed from now in real IANA
//! zones: a Message 1 due inside the contact's quiet hours waits for them to end (a delayed
//! retry, not an attempt, no ledger unit), a contact in a zone where it is not quiet is sent to at
//! once, and Message 2 is never held. Real Temporal, real Postgres, the sandbox.

use campaign_domain::settings::time_zone;
use campaign_tests::TestEnv;
use campaign_tests::api::WEBHOOK_SECRET;
use campaign_tests::fixtures::{self, unpaced_settings};
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Value, json};
use std::time::Duration;

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(120);
/// India, UTC+5:30 all year; New York, UTC-5 or -4: a window on one's clock is far from the
/// other's.
const QUIET_ZONE: &str = "Asia/Kolkata";
const OPEN_ZONE: &str = "America/New_York";

/// Quiet hours covering `from..to` (whole seconds) on the clock of `zone`, as settings give them.
fn quiet_hours(zone: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    let zone = time_zone(zone).unwrap();
    let local = |at: DateTime<Utc>| at.with_timezone(&zone).format("%H:%M:%S").to_string();
    json!({ "start": local(from), "end": local(to) })
}

async fn set_time_zone(env: &TestEnv, contact_id: i64, zone: Option<&str>) {
    sqlx::query("UPDATE contacts SET time_zone = $2 WHERE id = $1")
        .bind(contact_id)
        .bind(zone)
        .execute(env.store.pool())
        .await
        .unwrap();
}

/// `(sent_at, attempts)` of a contact's message of `message_type`.
async fn sent(
    env: &TestEnv,
    campaign_id: i64,
    contact_id: i64,
    message_type: &str,
) -> (DateTime<Utc>, i32) {
    sqlx::query_as(
        "SELECT sent_at, attempts FROM messages \
         WHERE campaign_id = $1 AND contact_id = $2 AND message_type = $3",
    )
    .bind(campaign_id)
    .bind(contact_id)
    .bind(message_type)
    .fetch_one(env.store.pool())
    .await
    .unwrap()
}

/// A contact whose own zone is quiet for the next seconds gets Message 1 once they end, in one
/// attempt and one ledger unit; a contact without a zone, in the campaign's zone where it is not
/// quiet, gets it at once. The launch's estimate is the moment the quiet zone opens.
#[tokio::test]
async fn message_1_waits_for_the_contacts_quiet_hours_to_end() {
    let env = TestEnv::start().await.unwrap();
    let now = Utc::now().trunc_subsecs(0);
    let opens = now + chrono::Duration::seconds(6);
    let mut settings = unpaced_settings(1.0);
    settings["quiet_hours"] = quiet_hours(QUIET_ZONE, now - chrono::Duration::seconds(1), opens);
    settings["time_zone"] = json!(OPEN_ZONE);
    let (campaign_id, contacts) = env.draft_campaign(2, settings).await.unwrap();
    let (held, free) = (contacts[0], contacts[1]);
    set_time_zone(&env, held, Some(QUIET_ZONE)).await;

    let launched = env
        .engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert!(Utc::now() < opens, "the launch took the whole window");
    assert_eq!(launched.estimated_message_1_finish, opens);
    assert!(!launched.finishes_after_cutoff);
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let (held_at, held_attempts) = sent(&env, campaign_id, held, "message_1").await;
    let (free_at, free_attempts) = sent(&env, campaign_id, free, "message_1").await;
    assert!(
        held_at >= opens,
        "sent at {held_at}, inside quiet hours ending {opens}"
    );
    assert!(
        free_at < opens,
        "the contact outside quiet hours waited until {free_at}"
    );
    assert_eq!(
        (held_attempts, free_attempts),
        (1, 1),
        "waiting is no attempt"
    );
    assert_eq!(fixtures::sent_today(&env.store).await.unwrap(), 2);
    assert_eq!(env.journey_state(campaign_id, held).await, "no_interaction");
    env.record_journey(campaign_id, held, "journey-held-by-quiet-hours")
        .await;
}

/// Half the audience in a zone that is quiet for the first seconds, released first: their held
/// Message 1s leave the window (`max_in_flight`) to the open half, which sends meanwhile, and the
/// launch's estimate of the last Message 1 is within 10 % of when it actually left. Were held
/// sends counted, the quiet half would fill the window and the open half would wait for it.
#[tokio::test]
async fn held_message_1s_leave_the_window_to_open_zones() {
    const PER_ZONE: usize = 10;
    const INTERVAL_SECS: f64 = 0.5;
    let env = TestEnv::start().await.unwrap();
    let now = Utc::now().trunc_subsecs(0);
    let opens = now + chrono::Duration::seconds(8);
    let mut settings = unpaced_settings(1.0);
    settings["send_interval_secs"] = json!(INTERVAL_SECS);
    settings["max_in_flight"] = json!(4);
    settings["quiet_hours"] = quiet_hours(QUIET_ZONE, now - chrono::Duration::seconds(1), opens);
    settings["time_zone"] = json!(OPEN_ZONE);
    let (campaign_id, contacts) = env.draft_campaign(2 * PER_ZONE, settings).await.unwrap();
    // Contacts are released in id order: the quiet half comes first.
    let (quiet, open) = contacts.split_at(PER_ZONE);
    for &contact in quiet {
        set_time_zone(&env, contact, Some(QUIET_ZONE)).await;
    }

    let launched_at = Utc::now();
    let launched = env
        .engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert!(Utc::now() < opens, "the launch took the whole quiet time");
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let mut open_sent = Vec::new();
    for &contact in open {
        open_sent.push(sent(&env, campaign_id, contact, "message_1").await.0);
    }
    let mut quiet_sent = Vec::new();
    for &contact in quiet {
        quiet_sent.push(sent(&env, campaign_id, contact, "message_1").await.0);
    }
    let open_last = open_sent.iter().max().copied().unwrap();
    assert!(
        open_last < opens,
        "the open zone's last Message 1 left at {open_last}, after the quiet zone opened at {opens}"
    );
    assert!(
        quiet_sent.iter().all(|&at| at >= opens),
        "a held Message 1 left in quiet hours"
    );
    let last = quiet_sent.iter().max().copied().unwrap().max(open_last);
    let estimated =
        (launched.estimated_message_1_finish - launched_at).num_milliseconds() as f64 / 1e3;
    let actual = (last - launched_at).num_milliseconds() as f64 / 1e3;
    assert!(
        (actual - estimated).abs() <= 0.1 * estimated,
        "last Message 1 after {actual:.2} s, estimated {estimated:.2} s"
    );
}

/// A contact who answers Message 1 inside their quiet hours gets Message 2 at once.
#[tokio::test]
async fn message_2_is_not_held_by_quiet_hours() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    // Quiet from 5 s after now, while the reply comes 8 s after Message 1, for a minute.
    let now = Utc::now().trunc_subsecs(0);
    let quiet_from = now + chrono::Duration::seconds(5);
    let quiet_until = now + chrono::Duration::seconds(65);
    let mut settings = unpaced_settings(120.0);
    settings["quiet_hours"] = quiet_hours(QUIET_ZONE, quiet_from, quiet_until);
    settings["time_zone"] = json!(QUIET_ZONE);
    let (campaign_id, contacts) = env.draft_campaign(1, settings).await.unwrap();
    let contact = contacts[0];
    let phone: String = sqlx::query_scalar("SELECT phone FROM contacts WHERE id = $1")
        .bind(contact)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    let mut behaviour = env.sandbox.behaviour();
    behaviour.webhook_url = Some(api.url("/webhooks/wassenger"));
    behaviour.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
    behaviour.ack_delay = Duration::ZERO;
    behaviour.reply_delay = Duration::from_secs(8);
    behaviour.scripted_replies = [(phone, "Oui".to_owned())].into();
    env.sandbox.set_behaviour(behaviour);

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let (message_1_at, _) = sent(&env, campaign_id, contact, "message_1").await;
    assert!(
        message_1_at < quiet_from,
        "Message 1 left at {message_1_at}, too late for this test"
    );
    let answered_at: DateTime<Utc> = sqlx::query_scalar(
        "SELECT min(received_at) FROM interactions WHERE campaign_id = $1 AND contact_id = $2",
    )
    .bind(campaign_id)
    .bind(contact)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert!(
        answered_at >= quiet_from,
        "the reply came at {answered_at}, before quiet hours"
    );
    let (message_2_at, attempts) = sent(&env, campaign_id, contact, "message_2").await;
    assert!(
        message_2_at < quiet_until && message_2_at - answered_at < chrono::Duration::seconds(10),
        "Message 2 left at {message_2_at}, held after the reply at {answered_at}"
    );
    assert_eq!(attempts, 1);
    assert_eq!(
        env.journey_state(campaign_id, contact).await,
        "message_2_sent"
    );
}

/// A launch whose Message 1s cannot all leave before the cutoff says so.
#[tokio::test]
async fn a_launch_finishing_after_its_cutoff_is_flagged() {
    let env = TestEnv::start().await.unwrap();
    let now = Utc::now().trunc_subsecs(0);
    let mut settings = unpaced_settings(1.0);
    settings["cutoff_secs"] = json!(3);
    settings["quiet_hours"] = quiet_hours(
        "UTC",
        now - chrono::Duration::minutes(1),
        now + chrono::Duration::hours(1),
    );
    let (campaign_id, _) = env.draft_campaign(1, settings).await.unwrap();
    let launched = env
        .engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert_eq!(
        launched.estimated_message_1_finish,
        now + chrono::Duration::hours(1)
    );
    assert!(launched.finishes_after_cutoff);
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(fixtures::sent_today(&env.store).await.unwrap(), 0);
}
