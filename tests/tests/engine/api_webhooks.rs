//! Authentication, authorization and the webhook-to-signal bridge through HTTP, against the
//! running API, real Postgres, real Temporal and the sandbox.

use campaign_domain::{MessageReference, MessageType};
use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, WEBHOOK_SECRET, assert_error, call, login};
use campaign_tests::fixtures::quick_retry_settings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use wa_sandbox::ReplyKind;

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);

/// Message 2 sends the sandbox accepted for each contact reference.
fn message_2_count(env: &TestEnv, campaign_id: i64, contact_id: i64) -> usize {
    let reference =
        MessageReference::new(campaign_id, contact_id, MessageType::Message2).to_string();
    env.sandbox
        .accepted()
        .iter()
        .filter(|record| record.reference.as_deref() == Some(reference.as_str()))
        .count()
}

/// A `message:in:new` text reply from `phone`, quoting `reference` when given.
fn reply(id: &str, phone: &str, reference: Option<&str>) -> Value {
    let mut data = json!({
        "id": id,
        "type": "text",
        "flow": "inbound",
        "fromNumber": phone.trim_start_matches('+'),
        "toNumber": "+34600000000",
        "body": "Oui !",
        "timestamp": chrono::Utc::now().timestamp(),
    });
    if let Some(reference) = reference {
        data["quoted"] = json!({ "id": "65f1c2a0d4e5f60718293a4c", "reference": reference });
    }
    json!({ "id": id, "event": "message:in:new", "created": chrono::Utc::now().timestamp(), "data": data })
}

#[tokio::test]
async fn replies_of_every_kind_get_exactly_one_message_2_each() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let mut behaviour = env.sandbox.behaviour();
    behaviour.webhook_url = Some(api.url("/webhooks/wassenger"));
    behaviour.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
    behaviour.reply_probability = 1.0;
    behaviour.reply_delay = Duration::ZERO;
    behaviour.ack_delay = Duration::ZERO;
    behaviour.reply_types = vec![
        ReplyKind::Text,
        ReplyKind::Image,
        ReplyKind::Voice,
        ReplyKind::Reaction,
    ];
    env.sandbox.set_behaviour(behaviour);
    let (campaign_id, contact_ids) = env
        .draft_campaign(12, quick_retry_settings(30.0))
        .await
        .unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    for &contact_id in &contact_ids {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "message_2_sent"
        );
        assert_eq!(message_2_count(&env, campaign_id, contact_id), 1);
    }
    // Acks travel on their own; give the last ones a moment to land.
    let mut delivered_or_read = 0_i64;
    for _ in 0..50 {
        delivered_or_read = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE campaign_id = $1 AND message_type = 'message_1' \
             AND status IN ('delivered', 'read')",
        )
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        if delivered_or_read == 12 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(delivered_or_read, 12, "acks moved Message 1 forward");
}

#[tokio::test]
async fn a_hundred_identical_webhooks_send_one_message_2_and_late_replies_are_recorded() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(2, quick_retry_settings(20.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(2).await.unwrap();
    let sends = env.sandbox.accepted();
    let first = &sends[0];
    let (_, first_contact) =
        campaign_tests::parse_reference(first.reference.as_deref().unwrap(), "message_1").unwrap();

    let event = reply(
        "wamid-duplicate-1",
        &first.phone,
        first.reference.as_deref(),
    );
    let statuses = futures::future::join_all((0..100).map(|_| api.post_webhook(&event))).await;
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
    env.wait_for_accepted(3).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(message_2_count(&env, campaign_id, first_contact), 1);
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM interactions WHERE provider_message_id = 'wamid-duplicate-1'",
    )
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(recorded, 1);

    // The other contact does not answer within its window: a reply that quotes nothing arrives
    // after the journey ended and turns `no_interaction` into `late_interaction`.
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    let other = contact_ids
        .iter()
        .copied()
        .find(|&c| c != first_contact)
        .unwrap();
    let other_phone = &sends
        .iter()
        .find(|record| record.phone != first.phone)
        .unwrap()
        .phone;
    assert_eq!(
        env.journey_state(campaign_id, other).await,
        "no_interaction"
    );
    let late = reply("wamid-late-1", other_phone, None);
    assert_eq!(api.post_webhook(&late).await, StatusCode::OK);
    assert_eq!(api.post_webhook(&late).await, StatusCode::OK);
    assert_eq!(
        env.journey_state(campaign_id, other).await,
        "late_interaction"
    );
    assert_eq!(message_2_count(&env, campaign_id, other), 0);
    let late_interactions: i32 = sqlx::query_scalar(
        "SELECT late_interaction FROM campaign_counter_totals WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(late_interactions, 1, "counted once despite the redelivery");

    // A phone with no journey: recorded with no campaign (R6).
    let stranger = reply("wamid-stranger-1", "+33700000001", None);
    assert_eq!(api.post_webhook(&stranger).await, StatusCode::OK);
    let campaign: Option<i64> = sqlx::query_scalar(
        "SELECT campaign_id FROM interactions WHERE provider_message_id = 'wamid-stranger-1'",
    )
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(campaign, None);
}

#[tokio::test]
async fn webhooks_need_the_secret_and_a_well_formed_body() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let event = reply("wamid-x", "+33612345678", None);
    let url = api.url("/webhooks/wassenger");

    let without = api.http.post(&url).json(&event).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    let wrong = api
        .http
        .post(&url)
        .header("X-Webhook-Secret", "not-the-secret")
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let interactions: i64 = sqlx::query_scalar("SELECT count(*) FROM interactions")
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    assert_eq!(interactions, 0, "nothing happens without the secret");

    let by_query = api
        .http
        .post(format!("{url}?token={WEBHOOK_SECRET}"))
        .json(&json!({ "event": "device:status", "data": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_query.status(),
        StatusCode::OK,
        "unknown events are acknowledged"
    );

    for malformed in [
        "{",
        "[]",
        r#"{"event": "message:in:new"}"#,
        r#"{"event": "message:in:new", "data": {"id": "x"}}"#,
    ] {
        let response = api
            .http
            .post(&url)
            .header("X-Webhook-Secret", WEBHOOK_SECRET)
            .header("content-type", "application/json")
            .body(malformed)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{malformed}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn authorization_matrix() {
    let env = TestEnv::start().await.unwrap();
    let api = env
        .spawn_api_with(&[("ACCESS_TOKEN_TTL_SECS", "1")])
        .await
        .unwrap();
    let protected = [
        ("GET", "/auth/me"),
        ("GET", "/users"),
        ("POST", "/users"),
        ("GET", "/users/1"),
        ("GET", "/categories"),
        ("POST", "/categories"),
        ("GET", "/contacts"),
        ("POST", "/contacts"),
        ("GET", "/contacts/export"),
        ("GET", "/campaigns"),
        ("POST", "/campaigns"),
        ("GET", "/campaigns/1/stats"),
        ("POST", "/campaigns/1/send"),
        ("GET", "/messages"),
        ("GET", "/messages/stats"),
        ("GET", "/monitoring/daily"),
    ];
    for (method, path) in protected {
        let response = api
            .http
            .request(method.parse().unwrap(), api.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    for open in ["/health", "/metrics"] {
        let response = api.http.get(api.url(open)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{open}");
    }

    // An admin may not manage users.
    let created = api
        .post("/users")
        .json(&json!({ "email": "ops@example.com", "password": "long enough pw", "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let admin: Value = created.json().await.unwrap();
    let admin_token = login(
        &api.http,
        &api.base_url,
        "ops@example.com",
        "long enough pw",
    )
    .await
    .unwrap();
    let forbidden = api
        .http
        .get(api.url("/users"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let me: Value = api
        .http
        .get(api.url("/auth/me"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");

    // Tampered and expired tokens.
    let mut tampered = api.admin_token.clone();
    tampered.pop();
    tampered.push(if api.admin_token.ends_with('A') {
        'B'
    } else {
        'A'
    });
    let response = api
        .http
        .get(api.url("/auth/me"))
        .bearer_auth(&tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let expired = api.get("/auth/me").send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);

    // Wrong password; an inactive user is refused even with the right one.
    let wrong = login(&api.http, &api.base_url, ADMIN_EMAIL, "wrong password").await;
    assert!(wrong.is_err());
    let fresh_admin = login(
        &api.http,
        &api.base_url,
        ADMIN_EMAIL,
        campaign_tests::api::ADMIN_PASSWORD,
    )
    .await
    .unwrap();
    let deactivated = api
        .http
        .put(api.url(&format!("/users/{}", admin["id"])))
        .bearer_auth(&fresh_admin)
        .json(&json!({ "is_active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), StatusCode::OK);
    assert!(
        login(
            &api.http,
            &api.base_url,
            "ops@example.com",
            "long enough pw"
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn with_temporal_down_webhooks_and_launches_answer_503_and_take_effect_once_it_is_back() {
    let mut temporal = campaign_tests::temporal::OwnTemporal::start()
        .await
        .unwrap();
    let env = TestEnv::start_on(temporal.address(), 100, &[])
        .await
        .unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, _) = env
        .draft_campaign(1, quick_retry_settings(120.0))
        .await
        .unwrap();
    let (later_campaign_id, _) = env
        .draft_campaign(2, quick_retry_settings(1.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(1).await.unwrap();
    let message_1 = env.sandbox.accepted().remove(0);
    let (_, contact_id) =
        campaign_tests::parse_reference(message_1.reference.as_deref().unwrap(), "message_1")
            .unwrap();
    let event = reply(
        "wamid-outage-1",
        &message_1.phone,
        message_1.reference.as_deref(),
    );

    temporal.stop().await.unwrap();
    assert_eq!(
        api.post_webhook(&event).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let health = api.http.get(api.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    // A launch whose workflow cannot start changes nothing: still a draft, no audience.
    let send = format!("/campaigns/{later_campaign_id}/send");
    assert_error(
        &call(api.post(&send)).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    let (_, shown) = call(api.get(&format!("/campaigns/{later_campaign_id}"))).await;
    assert_eq!(shown["status"], "draft", "{shown}");
    let journeys: i64 = sqlx::query_scalar("SELECT count(*) FROM journeys WHERE campaign_id = $1")
        .bind(later_campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    assert_eq!(journeys, 0);

    temporal.restart().await.unwrap();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        // The provider redelivers until it gets a 2xx.
        status = api.post_webhook(&event).await;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.post_webhook(&event).await, StatusCode::OK);
    // The operator sends again once Temporal is back; the campaign runs as if nothing happened.
    let (status, launched) = call(api.post(&send)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{launched}");
    let stats = env
        .campaign_result(later_campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        stats
            .outcomes
            .get(&campaign_domain::JourneyState::NoInteraction),
        Some(&2),
        "{stats:?}"
    );
    let deadline = std::time::Instant::now() + CAMPAIGN_TIMEOUT;
    while message_2_count(&env, campaign_id, contact_id) == 0 {
        assert!(std::time::Instant::now() < deadline, "no Message 2");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(message_2_count(&env, campaign_id, contact_id), 1);
}

#[tokio::test]
async fn replies_landing_while_a_journey_closes_are_recorded_late() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(10, quick_retry_settings(2.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(10).await.unwrap();
    let phones: std::collections::HashMap<i64, String> = env
        .sandbox
        .accepted()
        .into_iter()
        .filter_map(|record| {
            let (_, contact) =
                campaign_tests::parse_reference(record.reference.as_deref()?, "message_1")?;
            Some((contact, record.phone))
        })
        .collect();

    // Each reply is posted the moment the database shows the journey closed, while its workflow
    // is still reporting to the campaign.
    let mut replied = std::collections::HashSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while replied.len() < contact_ids.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "journeys did not close"
        );
        let closed: Vec<i64> = sqlx::query_scalar(
            "SELECT contact_id FROM journeys WHERE campaign_id = $1 AND state = 'no_interaction'",
        )
        .bind(campaign_id)
        .fetch_all(env.store.pool())
        .await
        .unwrap();
        for contact_id in closed {
            if replied.insert(contact_id) {
                let event = reply(
                    &format!("wamid-closing-{contact_id}"),
                    &phones[&contact_id],
                    None,
                );
                assert_eq!(api.post_webhook(&event).await, StatusCode::OK);
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    // Let the last journey workflows finish recording.
    let mut late = 0_i64;
    for _ in 0..300 {
        late = sqlx::query_scalar(
            "SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'late_interaction'",
        )
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        if late == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows: Vec<(i64, String, Option<i64>, bool)> = sqlx::query_as(
        "SELECT j.contact_id, j.state, i.campaign_id, i.within_window FROM journeys j \
         LEFT JOIN interactions i ON i.contact_id = j.contact_id WHERE j.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    assert_eq!(
        late, 10,
        "every reply turned its journey late_interaction: {rows:?}"
    );
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM interactions WHERE campaign_id = $1 AND NOT within_window",
    )
    .bind(campaign_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(recorded, 10, "{rows:?}");
    assert_eq!(
        env.sandbox.accepted().len(),
        10,
        "no Message 2 for a late reply"
    );
}

#[tokio::test]
async fn replies_go_to_the_open_journey_and_count_within_its_window_after_message_2() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    // Campaign A closes without an answer; campaign B, to the same contact, then waits.
    let (closed_campaign, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(1.0))
        .await
        .unwrap();
    let contact_id = contact_ids[0];
    env.engine()
        .launch(closed_campaign, &TestEnv::operator())
        .await
        .unwrap();
    env.campaign_result(closed_campaign, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    let category_id: i64 =
        sqlx::query_scalar("SELECT category_id FROM campaign_categories WHERE campaign_id = $1")
            .bind(closed_campaign)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    let (_, body) = call(api.post("/campaigns").json(&json!({
        "name": "Second chance",
        "message_1": "Hello again {first_name}",
        "message_2": "Thanks {first_name}",
        "category_ids": [category_id],
        "settings": quick_retry_settings(120.0),
    })))
    .await;
    let open_campaign = body["id"].as_i64().unwrap();
    env.engine()
        .launch(open_campaign, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(2).await.unwrap();
    let accepted = env.sandbox.accepted();
    let closed_message_1 = &accepted[0];

    // A reply quoting A's Message 1 belongs to B, the open journey (SPEC §7).
    let quoting_the_closed_one = reply(
        "wamid-quotes-closed",
        &closed_message_1.phone,
        closed_message_1.reference.as_deref(),
    );
    assert_eq!(
        api.post_webhook(&quoting_the_closed_one).await,
        StatusCode::OK
    );
    let deadline = std::time::Instant::now() + CAMPAIGN_TIMEOUT;
    while message_2_count(&env, open_campaign, contact_id) == 0 {
        assert!(std::time::Instant::now() < deadline, "no Message 2");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        env.journey_state(closed_campaign, contact_id).await,
        "no_interaction"
    );
    while env.journey_state(open_campaign, contact_id).await != "message_2_sent" {
        assert!(std::time::Instant::now() < deadline, "journey B not closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A second reply after Message 2 is still inside B's window: recorded as such, no new send.
    assert_eq!(
        api.post_webhook(&reply(
            "wamid-after-message-2",
            &closed_message_1.phone,
            None
        ))
        .await,
        StatusCode::OK
    );
    // The journey's workflow records it (it was still running) or the bridge does (it had ended).
    let mut recorded: Vec<(String, Option<i64>, bool)> = Vec::new();
    while recorded.len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        recorded = sqlx::query_as(
            "SELECT provider_message_id, campaign_id, within_window FROM interactions ORDER BY id",
        )
        .fetch_all(env.store.pool())
        .await
        .unwrap();
    }
    assert_eq!(
        recorded,
        vec![
            ("wamid-quotes-closed".to_owned(), Some(open_campaign), true),
            (
                "wamid-after-message-2".to_owned(),
                Some(open_campaign),
                true
            ),
        ]
    );
    assert_eq!(message_2_count(&env, open_campaign, contact_id), 1);

    // An ack is dated by the event, not by the message's own (send) timestamp.
    let open_message_1 = &accepted[1];
    let acked_at = chrono::Utc::now().timestamp() - 5;
    let ack = json!({
        "id": "evt-ack-1",
        "event": "message:out:ack",
        "created": acked_at,
        "ack": "delivered",
        "data": {
            "id": open_message_1.id,
            "flow": "outbound",
            "ack": "delivered",
            "timestamp": acked_at - 3600,
            "reference": open_message_1.reference,
        },
    });
    assert_eq!(api.post_webhook(&ack).await, StatusCode::OK);
    let delivered_at: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT delivered_at FROM messages WHERE provider_message_id = $1")
            .bind(&open_message_1.id)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    assert_eq!(delivered_at.timestamp(), acked_at);
}

/// A worker dies while the provider is accepting Message 1, so the database does not show the
/// message sent; the contact answers at once (an unquoted reply stamped in whole seconds, within
/// the second of the acceptance). The reply must reach that journey, not "no campaign", and count
/// from the provider's acceptance, which the recovered message records as its `sent_at`.
#[tokio::test]
async fn a_reply_while_message_1_is_recovered_reaches_its_journey_and_counts_from_the_acceptance() {
    let mut env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    env.sandbox
        .set_faults(wa_sandbox::Faults {
            latency_ms: 1_500,
            ..wa_sandbox::Faults::default()
        })
        .unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(30.0))
        .await
        .unwrap();
    let contact_id = contact_ids[0];
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();

    let message_1 = |env: &TestEnv| {
        let pool = env.store.pool().clone();
        async move {
            sqlx::query_as::<_, (i32, String, Option<chrono::DateTime<chrono::Utc>>)>(
                "SELECT attempts, status, sent_at FROM messages \
                 WHERE campaign_id = $1 AND contact_id = $2 AND message_type = 'message_1'",
            )
            .bind(campaign_id)
            .bind(contact_id)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    for _ in 0..600 {
        if message_1(&env)
            .await
            .is_some_and(|(attempts, ..)| attempts >= 1)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    env.kill_worker().await.unwrap();
    env.wait_for_accepted(1).await.unwrap();
    let accepted = env.sandbox.accepted()[0].clone();
    let (_, status, _) = message_1(&env).await.unwrap();
    assert_eq!(
        status, "pending",
        "the dead worker never recorded the acceptance"
    );

    let phone: String = sqlx::query_scalar("SELECT phone FROM contacts WHERE id = $1")
        .bind(contact_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    let mut answer = reply("wamid-recovery-1", &phone, None);
    answer["data"]["timestamp"] = json!(accepted.accepted_at.timestamp());
    answer["created"] = json!(accepted.accepted_at.timestamp());
    let (status, body) = call(
        api.post("/webhooks/wassenger")
            .header("X-Webhook-Secret", WEBHOOK_SECRET)
            .json(&answer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "signalled", "{body}");

    env.sandbox
        .set_faults(wa_sandbox::Faults::default())
        .unwrap();
    let replaced = std::time::Instant::now();
    env.spawn_worker().unwrap();
    while message_1(&env).await.unwrap().1 == "pending" {
        assert!(
            replaced.elapsed() < Duration::from_secs(60),
            "never recovered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "recovered the dead worker's Message 1 {:.1} s after a new worker started",
        replaced.elapsed().as_secs_f64()
    );
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let (attempts, _, sent_at) = message_1(&env).await.unwrap();
    assert_eq!(attempts, 2, "one call, then one lookup: {attempts}");
    assert_eq!(
        sent_at.map(|at| at.timestamp_millis()),
        Some(accepted.accepted_at.timestamp_millis()),
        "sent_at is the provider's acceptance, not the time of the lookup"
    );
    assert_eq!(
        env.sandbox
            .accepted()
            .iter()
            .filter(|record| record.reference == accepted.reference)
            .count(),
        1,
        "Message 1 was not sent again"
    );
    assert_eq!(
        env.journey_state(campaign_id, contact_id).await,
        "message_2_sent"
    );
    assert_eq!(message_2_count(&env, campaign_id, contact_id), 1);
    let (filed_under, within_window): (Option<i64>, bool) = sqlx::query_as(
        "SELECT campaign_id, within_window FROM interactions WHERE provider_message_id = $1",
    )
    .bind("wamid-recovery-1")
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(filed_under, Some(campaign_id));
    if !within_window {
        // Seen once in CI under load and never reproduced: say what the database held.
        let journey: (
            String,
            Option<chrono::DateTime<chrono::Utc>>,
            Option<chrono::DateTime<chrono::Utc>>,
        ) = sqlx::query_as(
            "SELECT state, message_1_sent_at, first_interaction_at FROM journeys \
                 WHERE campaign_id = $1 AND contact_id = $2",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        let reply_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
            "SELECT received_at FROM interactions WHERE provider_message_id = $1",
        )
        .bind("wamid-recovery-1")
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        panic!(
            "the reply is filed as late: received {reply_at}, journey (state, Message 1 sent, \
             first interaction) {journey:?}, provider acceptance {}",
            accepted.accepted_at
        );
    }
}
