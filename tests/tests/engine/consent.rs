//! Opt-out (R19) end to end: contacts write `STOP` through the sandbox or the webhook, against the
//! running API, real Postgres, real Temporal and the sandbox.

use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, WEBHOOK_SECRET, call};
use campaign_tests::fixtures::{self, quick_retry_settings, unpaced_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use wa_sandbox::{FailSpec, Faults};

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);
const CONFIRMATION: &str = "You will receive no more messages. Write START to come back.";

/// A `message:in:new` text from `phone`, written now.
fn text(id: &str, phone: &str, body: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "id": id,
        "event": "message:in:new",
        "created": now,
        "data": {
            "id": id,
            "type": "text",
            "flow": "inbound",
            "fromNumber": phone.trim_start_matches('+'),
            "toNumber": "+34600000000",
            "body": body,
            "timestamp": now,
        },
    })
}

/// The sandbox answers only with scripted replies, at once, to this API.
fn script(env: &TestEnv, api: &TestApi, replies: &[(&str, &str)]) {
    let mut behaviour = env.sandbox.behaviour();
    behaviour.webhook_url = Some(api.url("/webhooks/wassenger"));
    behaviour.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
    behaviour.reply_probability = 0.0;
    behaviour.reply_delay = Duration::ZERO;
    behaviour.ack_delay = Duration::ZERO;
    behaviour.scripted_replies = replies
        .iter()
        .map(|(phone, text)| ((*phone).to_owned(), (*text).to_owned()))
        .collect();
    env.sandbox.set_behaviour(behaviour);
}

async fn opted_out(env: &TestEnv, contact_id: i64) -> bool {
    sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
        "SELECT opted_out_at FROM contacts WHERE id = $1",
    )
    .bind(contact_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap()
    .is_some()
}

/// Waits until the journey is in `state`.
async fn wait_for_journey(env: &TestEnv, campaign_id: i64, contact_id: i64, state: &str) {
    let deadline = Instant::now() + CAMPAIGN_TIMEOUT;
    loop {
        let now = env.journey_state(campaign_id, contact_id).await;
        if now == state {
            return;
        }
        assert!(Instant::now() < deadline, "journey is {now}, not {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `sql` (one bigint parameter, a boolean answer) holds.
async fn wait_until(env: &TestEnv, sql: &str, id: i64) {
    let deadline = Instant::now() + CAMPAIGN_TIMEOUT;
    while !sqlx::query_scalar::<_, bool>(sql)
        .bind(id)
        .fetch_one(env.store.pool())
        .await
        .unwrap()
    {
        assert!(Instant::now() < deadline, "never true: {sql}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn sent_to(env: &TestEnv, phone: &str, message_type: &str) -> usize {
    env.sandbox
        .accepted_for(phone)
        .iter()
        .filter(|record| {
            record
                .reference
                .as_deref()
                .is_some_and(|reference| reference.ends_with(message_type))
        })
        .count()
}

/// STOP inside the window ends the journey `opted_out` with no Message 2, flags the contact,
/// answers once with the confirmation (counted in the ledger) and keeps the contact out of the
/// next campaign; a sentence containing "stop" is an ordinary reply; START opts back in.
#[tokio::test]
async fn stop_inside_the_window_opts_out_and_start_opts_back_in() {
    let env = TestEnv::start().await.unwrap();
    let api = env
        .spawn_api_with(&[("OPT_OUT_CONFIRMATION", CONFIRMATION)])
        .await
        .unwrap();
    let (campaign_id, contacts) = env
        .draft_campaign(3, quick_retry_settings(30.0))
        .await
        .unwrap();
    let (stopper, sentence, silent) = (contacts[0], contacts[1], contacts[2]);
    let stopper_phone = env.phone_of(stopper).await;
    let sentence_phone = env.phone_of(sentence).await;
    script(
        &env,
        &api,
        &[
            (&stopper_phone, " Stop "),
            (&sentence_phone, "please stop calling me at night"),
        ],
    );
    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert_eq!(env.journey_state(campaign_id, stopper).await, "opted_out");
    assert_eq!(
        env.journey_state(campaign_id, sentence).await,
        "message_2_sent"
    );
    assert_eq!(
        env.journey_state(campaign_id, silent).await,
        "no_interaction"
    );
    assert_eq!(sent_to(&env, &stopper_phone, "message_2"), 0);
    assert_eq!(sent_to(&env, &sentence_phone, "message_2"), 1);
    assert!(opted_out(&env, stopper).await);
    assert!(!opted_out(&env, sentence).await);

    // The confirmation leaves once, even when the provider redelivers the STOP.
    let deadline = Instant::now() + CAMPAIGN_TIMEOUT;
    let mut confirmations = 0;
    while confirmations == 0 {
        assert!(Instant::now() < deadline, "no confirmation");
        tokio::time::sleep(Duration::from_millis(100)).await;
        confirmations = env
            .sandbox
            .accepted_for(&stopper_phone)
            .iter()
            .filter(|record| record.message == CONFIRMATION)
            .count();
    }
    // The scripted contact answers the confirmation with STOP again: that changes nothing and
    // gets no second confirmation, nor does a redelivery of the first STOP.
    let stop_id: String = sqlx::query_scalar(
        "SELECT provider_message_id FROM consent_changes WHERE contact_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(stopper)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(
        api.post_webhook(&text(&stop_id, &stopper_phone, "STOP"))
            .await,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let confirmations = env
        .sandbox
        .accepted_for(&stopper_phone)
        .iter()
        .filter(|record| record.message == CONFIRMATION)
        .count();
    assert_eq!(confirmations, 1);
    env.record_journey(campaign_id, stopper, "journey-opt-out")
        .await;
    let opt_out: i64 = sqlx::query_scalar(
        "SELECT id FROM consent_changes WHERE contact_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(stopper)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    env.record_history(
        &campaign_domain::ConfirmationReference::new(stopper, opt_out).to_string(),
        "opt-out-confirmation",
    )
    .await;
    // Three Message 1s, one Message 2 and the confirmation: five units of today's ledger.
    assert_eq!(fixtures::sent_today(&env.store).await.unwrap(), 5);

    let (_, stats) = call(api.get(&format!("/campaigns/{campaign_id}/stats"))).await;
    assert_eq!(
        (
            &stats["opted_out"],
            &stats["message_2_sent"],
            &stats["pending"]
        ),
        (&json!(1), &json!(1), &json!(0))
    );
    let (_, funnel) = call(api.get(&format!("/campaigns/{campaign_id}/funnel"))).await;
    assert_eq!(funnel["opted_out"], json!(1));
    for (name, stored, recount) in campaign_tests::campaign_counters(env.store.pool(), campaign_id)
        .await
        .unwrap()
    {
        assert_eq!(stored, recount, "{name}");
    }

    // Operators see and filter the opt-out, and cannot clear it.
    let (_, listed) = call(api.get("/contacts?consent=opted_out")).await;
    let ids: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|contact| contact["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [stopper]);
    let (status, _) = call(
        api.put(&format!("/contacts/{stopper}"))
            .json(&json!({ "opted_out_at": null })),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert!(opted_out(&env, stopper).await);
    let cleared = sqlx::query("UPDATE contacts SET opted_out_at = NULL WHERE id = $1")
        .bind(stopper)
        .execute(env.store.pool())
        .await;
    assert!(
        cleared
            .unwrap_err()
            .to_string()
            .contains("changed only by the contact")
    );

    // The next campaign to the same category leaves the contact out, and says so.
    let category_id: i64 =
        sqlx::query_scalar("SELECT category_id FROM campaign_categories WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    let (_, preview) = call(
        api.post("/campaigns/audience")
            .json(&json!({ "category_ids": [category_id] })),
    )
    .await;
    assert_eq!(
        (&preview["audience"], &preview["opted_out_excluded"]),
        (&json!(2), &json!(1))
    );
    let (_, next) = call(api.post("/campaigns").json(&json!({
        "name": "Next",
        "message_1": "Hello {first_name}",
        "message_2": "Thanks",
        "category_ids": [category_id],
        "settings": unpaced_settings(1.0),
    })))
    .await;
    let next_id = next["id"].as_i64().unwrap();
    let (status, launched) = call(api.post(&format!("/campaigns/{next_id}/send"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{launched}");
    assert_eq!(
        (&launched["total_contacts"], &launched["opted_out_excluded"]),
        (&json!(2), &json!(1))
    );
    env.campaign_result(next_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert!(
        fixtures::journey(&env.store, next_id, stopper)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(sent_to(&env, &stopper_phone, "message_1"), 1);

    // START, written by the contact, opts back in; an older STOP delivered late changes nothing.
    let start = text("wamid-start", &stopper_phone, "Start");
    assert_eq!(api.post_webhook(&start).await, StatusCode::OK);
    assert!(!opted_out(&env, stopper).await);
    let mut late_stop = text("wamid-late-stop", &stopper_phone, "STOP");
    late_stop["data"]["timestamp"] = json!(chrono::Utc::now().timestamp() - 3600);
    assert_eq!(api.post_webhook(&late_stop).await, StatusCode::OK);
    assert!(!opted_out(&env, stopper).await);
    let (_, preview) = call(
        api.post("/campaigns/audience")
            .json(&json!({ "category_ids": [category_id] })),
    )
    .await;
    assert_eq!(preview["opted_out_excluded"], json!(0));

    // Each change is audited with the contact as its actor (R22); the redelivery is not.
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE actor_kind = 'contact' AND actor_id = $1 ORDER BY id",
    )
    .bind(stopper)
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "contact.opt_out",
            "contact.opt_out",
            "contact.opt_in",
            "contact.opt_out"
        ]
    );
}

/// A reply and a STOP that reach the journey together end it `opted_out`: the later STOP wins
/// while Message 2 has not been accepted.
#[tokio::test]
async fn a_reply_and_a_stop_signalled_together_send_no_message_2() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    script(&env, &api, &[]);
    // Message 1 takes two seconds to be accepted: both texts arrive while it is on its way.
    env.sandbox
        .set_faults(Faults {
            latency_ms: 2_000,
            ..Faults::default()
        })
        .unwrap();
    let (campaign_id, contacts) = env
        .draft_campaign(1, quick_retry_settings(30.0))
        .await
        .unwrap();
    let contact_id = contacts[0];
    let phone = env.phone_of(contact_id).await;
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_until(
        &env,
        "SELECT EXISTS (SELECT 1 FROM messages WHERE contact_id = $1 AND attempts > 0)",
        contact_id,
    )
    .await;
    assert_eq!(
        api.post_webhook(&text("wamid-yes", &phone, "Yes please"))
            .await,
        StatusCode::OK
    );
    assert_eq!(
        api.post_webhook(&text("wamid-stop", &phone, "ARRÊT")).await,
        StatusCode::OK
    );
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        env.journey_state(campaign_id, contact_id).await,
        "opted_out"
    );
    assert_eq!(sent_to(&env, &phone, "message_2"), 0);
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM interactions WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    assert_eq!(recorded, 2);
}

/// A STOP while Message 2 is on its way: when the provider accepted Message 2 first, the journey
/// stays `message_2_sent` (the contact is opted out all the same); when the STOP lands before
/// Message 2's call (here, while its first attempt waits for a retry), nothing is sent.
#[tokio::test]
async fn a_stop_while_message_2_is_on_its_way() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    script(&env, &api, &[]);
    let mut settings = quick_retry_settings(60.0);
    settings["retry_base_delay_secs"] = json!(3);
    let (campaign_id, contacts) = env.draft_campaign(2, settings).await.unwrap();
    let (accepted_first, stopped_first) = (contacts[0], contacts[1]);
    let accepted_phone = env.phone_of(accepted_first).await;
    let stopped_phone = env.phone_of(stopped_first).await;
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(2).await.unwrap();
    let message_2_counted = "SELECT EXISTS (SELECT 1 FROM messages WHERE contact_id = $1 \
                             AND message_type = 'message_2' AND attempts > 0)";

    // The provider takes two seconds to accept: the STOP arrives during the call.
    env.sandbox
        .set_faults(Faults {
            latency_ms: 2_000,
            ..Faults::default()
        })
        .unwrap();
    assert_eq!(
        api.post_webhook(&text("wamid-a-yes", &accepted_phone, "Oui"))
            .await,
        StatusCode::OK
    );
    wait_until(&env, message_2_counted, accepted_first).await;
    assert_eq!(
        api.post_webhook(&text("wamid-a-stop", &accepted_phone, "stop"))
            .await,
        StatusCode::OK
    );
    wait_for_journey(&env, campaign_id, accepted_first, "message_2_sent").await;
    assert!(opted_out(&env, accepted_first).await);
    assert_eq!(sent_to(&env, &accepted_phone, "message_2"), 1);

    // Message 2's first call fails; the STOP lands while it waits three seconds to retry.
    env.sandbox
        .set_faults(Faults {
            fail_next: vec![FailSpec {
                status: 500,
                body: None,
                count: 1,
            }],
            ..Faults::default()
        })
        .unwrap();
    assert_eq!(
        api.post_webhook(&text("wamid-b-yes", &stopped_phone, "Oui"))
            .await,
        StatusCode::OK
    );
    wait_until(
        &env,
        "SELECT EXISTS (SELECT 1 FROM messages WHERE contact_id = $1 \
         AND message_type = 'message_2' AND error IS NOT NULL)",
        stopped_first,
    )
    .await;
    assert_eq!(
        api.post_webhook(&text("wamid-b-stop", &stopped_phone, "UNSUBSCRIBE"))
            .await,
        StatusCode::OK
    );
    wait_for_journey(&env, campaign_id, stopped_first, "opted_out").await;
    assert_eq!(sent_to(&env, &stopped_phone, "message_2"), 0);
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    for (name, stored, recount) in campaign_tests::campaign_counters(env.store.pool(), campaign_id)
        .await
        .unwrap()
    {
        assert_eq!(stored, recount, "{name}");
    }
}

/// A contact who opts out after the audience snapshot is sent nothing: the send is refused right
/// before its provider call, with no ledger unit.
#[tokio::test]
async fn an_opt_out_between_snapshot_and_send_sends_nothing() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    script(&env, &api, &[]);
    let mut settings = quick_retry_settings(1.0);
    // Message 1s leave three seconds apart.
    settings["send_interval_secs"] = json!(3);
    let (campaign_id, contacts) = env.draft_campaign(3, settings).await.unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(1).await.unwrap();
    let first = env.sandbox.accepted()[0].phone.clone();
    let mut waiting = Vec::new();
    for &contact_id in &contacts {
        let phone = env.phone_of(contact_id).await;
        if phone != first {
            waiting.push((contact_id, phone));
        }
    }
    let (stopper, stopper_phone) = waiting.pop().unwrap();
    assert_eq!(
        api.post_webhook(&text("wamid-early-stop", &stopper_phone, "QUIT"))
            .await,
        StatusCode::OK
    );
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(env.journey_state(campaign_id, stopper).await, "opted_out");
    assert!(env.sandbox.accepted_for(&stopper_phone).is_empty());
    assert_eq!(env.sandbox.accepted().len(), 2);
    assert_eq!(fixtures::sent_today(&env.store).await.unwrap(), 2);
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE campaign_id = $1 AND contact_id = $2",
    )
    .bind(campaign_id)
    .bind(stopper)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(left, 0);
}
