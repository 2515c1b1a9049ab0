//! `/campaigns`, `/messages` and `/monitoring` through the real API, against real Temporal, real
//! Postgres and the sandbox provider.

use campaign_domain::{FailureKind, MessageStatus, MessageType};
use campaign_store::SendPreparation;
use campaign_tests::api::TestApi;
use campaign_tests::api::{assert_error, call};
use campaign_tests::fixtures::{self, unpaced_settings};
use campaign_tests::{ReplyBridge, TestEnv, parse_reference};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);

/// A category holding `count` new contacts.
async fn category_with_contacts(env: &TestEnv, count: usize) -> i64 {
    let category_id = fixtures::create_category(
        &env.store,
        &format!("category-{}", uuid::Uuid::new_v4().simple()),
    )
    .await
    .unwrap();
    let mut contact_ids = Vec::new();
    for i in 0..count {
        contact_ids.push(env.contact(&format!("Contact{i}")).await.unwrap().0);
    }
    env.store
        .add_to_category(category_id, &contact_ids, None)
        .await
        .unwrap();
    category_id
}

fn campaign_body(category_id: i64, settings: Value) -> Value {
    json!({
        "name": "Spring offer",
        "message_1": "Bonjour {first_name}, découvrez notre offre !",
        "message_2": "Merci {first_name} !",
        "category_ids": [category_id],
        "settings": settings,
    })
}

async fn create_campaign(api: &TestApi, body: &Value) -> i64 {
    let (status, campaign) = call(api.post("/campaigns").json(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{campaign}");
    campaign["id"].as_i64().expect("a campaign id")
}

async fn campaign_stats(api: &TestApi, campaign_id: i64) -> Value {
    let (status, stats) = call(api.get(&format!("/campaigns/{campaign_id}/stats"))).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    stats
}

#[tokio::test]
async fn a_campaign_runs_from_draft_to_completion_with_consistent_numbers() {
    let env = TestEnv::start().await.unwrap();
    let bridge = ReplyBridge::attach(&env, 0.5).await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let contacts = 6;
    let category_id = category_with_contacts(&env, contacts).await;

    let id = create_campaign(&api, &campaign_body(category_id, unpaced_settings(1.0))).await;
    let (status, edited) = call(api.put(&format!("/campaigns/{id}")).json(
        &json!({ "name": "Spring offer (final)", "message_2": "Merci {first_name}, code MERCI10" }),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let (_, shown) = call(api.get(&format!("/campaigns/{id}"))).await;
    assert_eq!(shown["name"], "Spring offer (final)");
    assert_eq!(shown["message_2"], "Merci {first_name}, code MERCI10");
    assert_eq!(shown["status"], "draft");
    assert_eq!(shown["category_ids"], json!([category_id]));

    let (status, mut launched) = call(api.post(&format!("/campaigns/{id}/send"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{launched}");
    // Unpaced and without quiet hours, every Message 1 may leave as the campaign starts (R21).
    let estimate = launched["estimated_message_1_finish"].take();
    let (_, started) = call(api.get(&format!("/campaigns/{id}"))).await;
    assert_eq!(
        estimate
            .as_str()
            .map(|at| at.parse::<chrono::DateTime<chrono::Utc>>().unwrap()),
        started["started_at"].as_str().map(|at| at.parse().unwrap()),
        "{launched}"
    );
    assert_eq!(
        launched,
        json!({ "campaign_id": id, "workflow_id": format!("campaign-{id}"), "total_contacts": contacts,
            "opted_out_excluded": 0, "capped_excluded": 0, "estimated_message_1_finish": null,
            "finishes_after_cutoff": false })
    );
    assert_error(
        &call(api.post(&format!("/campaigns/{id}/send"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &call(
            api.put(&format!("/campaigns/{id}"))
                .json(&json!({ "name": "Too late" })),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let refused_delete = call(api.delete(&format!("/campaigns/{id}"))).await;
    assert_error(&refused_delete, StatusCode::CONFLICT, "conflict");
    assert!(
        refused_delete.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stop it first"),
        "{}",
        refused_delete.1
    );

    env.campaign_result(id, CAMPAIGN_TIMEOUT).await.unwrap();

    // The statistics are what happened: one Message 1 per contact, one Message 2 per journey
    // that got one, every journey final.
    let accepted = env.sandbox.accepted();
    let message_2_accepted = accepted
        .iter()
        .filter_map(|record| record.reference.as_deref())
        .filter(|reference| parse_reference(reference, "message_2").is_some())
        .count() as i64;
    let stats = campaign_stats(&api, id).await;
    assert_eq!(stats["status"], "completed", "{stats}");
    assert_eq!(stats["total_contacts"], contacts, "{stats}");
    assert_eq!(stats["messages_sent"], accepted.len(), "{stats}");
    assert_eq!(stats["message_2_sent"], message_2_accepted, "{stats}");
    assert_eq!(
        stats["message_2_sent"].as_i64().unwrap()
            + stats["no_interaction"].as_i64().unwrap()
            + stats["late_interaction"].as_i64().unwrap(),
        contacts as i64,
        "{stats}"
    );
    for zero in [
        "failed",
        "pending",
        "messages_failed",
        "messages_delivered",
        "messages_read",
    ] {
        assert_eq!(stats[zero], 0, "{zero}: {stats}");
    }
    assert!(
        stats["interactions"].as_i64().unwrap() >= message_2_accepted,
        "{stats}"
    );
    assert!(stats["interactions"].as_i64().unwrap() <= bridge.signalled().len() as i64);
    assert!(stats["started_at"].is_string() && stats["completed_at"].is_string());

    // The per-contact view agrees with the counters.
    let (status, page) = call(api.get(&format!("/campaigns/{id}/contacts?size=2"))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (
            page["total"].clone(),
            page["page"].clone(),
            page["size"].clone()
        ),
        (json!(contacts), json!(1), json!(2))
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["message_1_status"], "sent", "{page}");
    let (_, answered) =
        call(api.get(&format!("/campaigns/{id}/contacts?state=message_2_sent"))).await;
    assert_eq!(answered["total"], stats["message_2_sent"], "{answered}");
    assert!(
        answered["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["message_2_status"] == "sent"),
        "{answered}"
    );

    // Delivery receipts, as the webhook bridge records them: forward only, counted once.
    let (_, message_1s) = call(api.get(&format!(
        "/messages?campaign_id={id}&message_type=message_1&size=3"
    )))
    .await;
    let provider_ids: Vec<String> = message_1s["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["provider_message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(provider_ids.len(), 3, "{message_1s}");
    let now = chrono::Utc::now();
    let advance = |provider_id: &str, status| {
        let store = env.store.clone();
        let provider_id = provider_id.to_owned();
        async move {
            store
                .advance_message_status_at(&provider_id, status, now)
                .await
                .unwrap()
        }
    };
    assert!(advance(&provider_ids[0], MessageStatus::Delivered).await);
    assert!(advance(&provider_ids[1], MessageStatus::Delivered).await);
    assert!(advance(&provider_ids[2], MessageStatus::Read).await);
    assert!(advance(&provider_ids[0], MessageStatus::Read).await);
    assert!(
        !advance(&provider_ids[0], MessageStatus::Delivered).await,
        "read never goes back"
    );
    assert!(
        !advance(&provider_ids[1], MessageStatus::Delivered).await,
        "a repeat changes nothing"
    );
    assert!(!advance("no-such-message", MessageStatus::Read).await);
    let stats = campaign_stats(&api, id).await;
    assert_eq!(
        (
            stats["messages_delivered"].clone(),
            stats["messages_read"].clone()
        ),
        (json!(3), json!(2)),
        "{stats}"
    );

    // Message statistics and lists agree with the campaign's counters.
    let sent = stats["messages_sent"].as_i64().unwrap();
    let (status, message_stats) = call(api.get(&format!("/messages/stats?campaign_id={id}"))).await;
    assert_eq!(status, StatusCode::OK, "{message_stats}");
    assert_eq!(
        message_stats,
        json!({
            "total": sent, "sent": sent - 3, "delivered": 1, "read": 2, "failed": 0, "pending": 0,
            "success_rate": 100.0,
            "delivery_rate": (30_000.0_f64 / sent as f64).round() / 100.0,
            "read_rate": (20_000.0_f64 / sent as f64).round() / 100.0,
        })
    );
    let (_, all_stats) = call(api.get("/messages/stats")).await;
    assert_eq!(all_stats, message_stats, "one campaign in this database");
    let (_, read) = call(api.get(&format!("/messages?campaign_id={id}&status=read"))).await;
    assert_eq!(read["total"], 2, "{read}");
    let (_, message_2s) = call(api.get(&format!(
        "/messages?campaign_id={id}&message_type=message_2"
    )))
    .await;
    assert_eq!(message_2s["total"], stats["message_2_sent"], "{message_2s}");
    let (_, listed) = call(api.get(&format!("/messages?campaign_id={id}&size=100"))).await;
    assert_eq!(listed["total"], sent);
    assert_eq!(listed["items"].as_array().unwrap().len() as i64, sent);

    // Today's monitoring counts the same sends.
    let (status, daily) = call(api.get("/monitoring/daily")).await;
    assert_eq!(status, StatusCode::OK, "{daily}");
    assert_eq!(daily["sent"], sent, "{daily}");
    assert_eq!(daily["message_1"], contacts, "{daily}");
    assert_eq!(daily["message_2"], message_2_accepted, "{daily}");
    assert_eq!(daily["limit"], 1000);
    assert_eq!(daily["remaining"], 1000 - sent);
    assert_eq!(daily["level"], "ok");
    assert_eq!(daily["date"], chrono::Utc::now().date_naive().to_string());
    let interaction_rate = daily["interaction_rate"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&interaction_rate), "{daily}");
    assert_eq!(interaction_rate > 0.0, message_2_accepted > 0, "{daily}");

    // The list finds the campaign by status.
    let (_, completed) = call(api.get("/campaigns?status=completed")).await;
    assert_eq!(completed["total"], 1, "{completed}");
    assert_eq!(completed["items"][0]["id"], id);
    let (_, drafts) = call(api.get("/campaigns?status=draft&page=1&size=10")).await;
    assert_eq!(
        (drafts["total"].clone(), drafts["items"].clone()),
        (json!(0), json!([]))
    );
}

#[tokio::test]
async fn invalid_requests_answer_json_errors_and_drafts_can_be_deleted() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let category_id = category_with_contacts(&env, 1).await;
    let valid = campaign_body(category_id, json!({}));
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };

    for (body, what) in [
        (
            with("message_1", json!("Bonjour {nickname}")),
            "unknown placeholder",
        ),
        (with("message_2", json!("x".repeat(4097))), "text too long"),
        (with("message_1", json!("   ")), "empty text"),
        (
            with("settings", json!({ "interaction_window": 1 })),
            "unknown settings key",
        ),
        (
            with("settings", json!({ "batch_size": 0 })),
            "nonsense setting",
        ),
        (
            with("settings", json!({ "cutoff_secs": "soon" })),
            "mistyped setting",
        ),
        (with("category_ids", json!([])), "no category"),
        (with("name", json!("")), "empty name"),
        (json!({ "name": "Only a name" }), "missing fields"),
        (with("colour", json!("red")), "unknown field"),
    ] {
        let answer = call(api.post("/campaigns").json(&body)).await;
        assert_eq!(
            answer.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            answer.1
        );
        assert_error(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
        );
    }
    // Ids that name nothing conflict with what the database holds.
    let unknown_category = with("category_ids", json!([category_id, i64::MAX]));
    assert_error(
        &call(api.post("/campaigns").json(&unknown_category)).await,
        StatusCode::CONFLICT,
        "unknown_reference",
    );
    // JSON Schema's integers include `1.0`: ids written that way are the same ids.
    let float_id = with("category_ids", json!([category_id as f64]));
    let (status, created) = call(api.post("/campaigns").json(&float_id)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["category_ids"], json!([category_id]));
    let malformed = api
        .post("/campaigns")
        .header("content-type", "application/json")
        .body("{\"name\": ");
    assert_error(
        &call(malformed).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    let unknown: i64 = 987_654_321_987;
    for path in [
        format!("/campaigns/{unknown}"),
        format!("/campaigns/{unknown}/stats"),
        format!("/campaigns/{unknown}/contacts"),
    ] {
        assert_error(
            &call(api.get(&path)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    for action in ["send", "stop", "retry", "relaunch"] {
        let answer = call(api.post(&format!("/campaigns/{unknown}/{action}"))).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    assert_error(
        &call(
            api.put(&format!("/campaigns/{unknown}"))
                .json(&json!({ "name": "x" })),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &call(api.get("/campaigns/not-a-number")).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    for query in [
        "/campaigns?status=paused",
        "/campaigns?size=1000",
        "/campaigns?page=0",
        "/messages?status=lost",
        "/messages?message_type=message_3",
    ] {
        let answer = call(api.get(query)).await;
        assert_error(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
        );
    }
    let anonymous = call(api.http.get(api.url("/campaigns"))).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthorized");

    // An edit is validated like a creation; a draft is deleted for good.
    let id = create_campaign(&api, &valid).await;
    let (_, shown) = call(api.get(&format!("/campaigns/{id}"))).await;
    assert_eq!(shown["settings"], json!({}));
    assert_error(
        &call(
            api.put(&format!("/campaigns/{id}"))
                .json(&json!({ "message_2": "Hi {surname}" })),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    assert_error(
        &call(
            api.put(&format!("/campaigns/{id}"))
                .json(&json!({ "category_ids": [i64::MAX] })),
        )
        .await,
        StatusCode::CONFLICT,
        "unknown_reference",
    );
    let (status, deleted) = call(api.delete(&format!("/campaigns/{id}"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{deleted}");
    assert_error(
        &call(api.get(&format!("/campaigns/{id}"))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // A campaign whose categories hold nobody cannot start (yet).
    let empty_category = fixtures::create_category(&env.store, "empty")
        .await
        .unwrap();
    let empty = create_campaign(&api, &campaign_body(empty_category, json!({}))).await;
    assert_error(
        &call(api.post(&format!("/campaigns/{empty}/send"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let (_, shown) = call(api.get(&format!("/campaigns/{empty}"))).await;
    assert_eq!(shown["status"], "draft");
}

#[tokio::test]
async fn a_launch_beyond_the_daily_quota_is_refused_with_the_remaining_count() {
    let env = TestEnv::start_with_limit(2).await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let category_id = category_with_contacts(&env, 3).await;
    let id = create_campaign(&api, &campaign_body(category_id, unpaced_settings(1.0))).await;

    let answer = call(api.post(&format!("/campaigns/{id}/send"))).await;
    assert_error(&answer, StatusCode::TOO_MANY_REQUESTS, "quota_exceeded");
    assert_eq!(answer.1["error"]["remaining"], 2, "{}", answer.1);
    let (_, shown) = call(api.get(&format!("/campaigns/{id}"))).await;
    assert_eq!(shown["status"], "draft", "nothing started");
    assert!(env.sandbox.accepted().is_empty());
    let (_, daily) = call(api.get("/monitoring/daily")).await;
    assert_eq!(
        (
            daily["sent"].clone(),
            daily["limit"].clone(),
            daily["remaining"].clone(),
            daily["level"].clone()
        ),
        (json!(0), json!(2), json!(2), json!("ok")),
        "{daily}"
    );
}

#[tokio::test]
async fn stopping_a_running_campaign_cancels_it() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let contacts = 10;
    let category_id = category_with_contacts(&env, contacts).await;
    let mut settings = unpaced_settings(600.0);
    settings["send_interval_secs"] = json!(0.5);
    let id = create_campaign(&api, &campaign_body(category_id, settings)).await;
    let (status, launched) = call(api.post(&format!("/campaigns/{id}/send"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{launched}");
    env.wait_for_accepted(2).await.unwrap();
    let running = campaign_stats(&api, id).await;
    assert_eq!(running["status"], "running", "{running}");
    assert!(running["pending"].as_i64().unwrap() > 0, "{running}");
    // A contact whose journey is open cannot be deleted from under it.
    let (_, members) = call(api.get(&format!("/campaigns/{id}/contacts"))).await;
    let member = members["items"][0]["contact_id"].as_i64().unwrap();
    assert_error(
        &call(api.delete(&format!("/contacts/{member}"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );

    let (status, stopped) = call(api.post(&format!("/campaigns/{id}/stop"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{stopped}");
    assert_eq!(stopped["campaign_id"], id);
    let deadline = Instant::now() + CAMPAIGN_TIMEOUT;
    let stats = loop {
        let stats = campaign_stats(&api, id).await;
        if stats["status"] == "cancelled" {
            break stats;
        }
        assert!(Instant::now() < deadline, "not cancelled in time: {stats}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(stats["completed_at"].is_string(), "{stats}");
    assert_eq!(stats["pending"], 0, "{stats}");
    assert_eq!(
        stats["messages_sent"],
        env.sandbox.accepted().len(),
        "{stats}"
    );
    assert!(
        stats["messages_sent"].as_i64().unwrap() < contacts as i64,
        "stopped mid-campaign"
    );
    // Every journey was still open (sending, or waiting out its 10-minute window): all end
    // cancelled.
    assert_eq!(stats["cancelled"], contacts, "{stats}");
    let (_, cancelled) = call(api.get(&format!("/campaigns/{id}/contacts?state=cancelled"))).await;
    assert_eq!(cancelled["total"], stats["cancelled"], "{cancelled}");

    assert_error(
        &call(api.post(&format!("/campaigns/{id}/stop"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &call(api.delete(&format!("/campaigns/{id}"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let (_, listed) = call(api.get("/campaigns?status=cancelled")).await;
    assert_eq!(listed["items"][0]["id"], id, "{listed}");
    // Once the campaign is over, the contact can go.
    let (status, _) = call(api.delete(&format!("/contacts/{member}"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Meta's per-user marketing limit (131049) ends a journey `limited`: the statistics, the funnel,
/// the contacts of a state, the message list and monitoring all show it apart from `failed`.
/// The Meta client raises the limit; the store's failure of that kind stands in for it here.
#[tokio::test]
async fn a_limited_journey_is_reported_apart_from_failed() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (limited, _) = env.contact("Limited").await.unwrap();
    let (failed, _) = env.contact("Failed").await.unwrap();
    let id = env.campaign(&[limited, failed]).await.unwrap();
    for (contact_id, kind, reason) in [
        (limited, FailureKind::Limited, "(#131049) not delivered"),
        (
            failed,
            FailureKind::Undeliverable,
            "(#131026) undeliverable",
        ),
    ] {
        let SendPreparation::Send(prepared) = env
            .store
            .prepare_send(id, contact_id, MessageType::Message1)
            .await
            .unwrap()
        else {
            panic!("a send to prepare");
        };
        env.store
            .fail_message(prepared.message_id, kind, reason)
            .await
            .unwrap();
    }

    let stats = campaign_stats(&api, id).await;
    assert_eq!(
        (&stats["limited"], &stats["failed"], &stats["pending"]),
        (&json!(1), &json!(1), &json!(0)),
        "{stats}"
    );
    let (_, funnel) = call(api.get(&format!("/campaigns/{id}/funnel"))).await;
    assert_eq!(
        (&funnel["limited"], &funnel["failed"]),
        (&json!(1), &json!(1)),
        "{funnel}"
    );
    let (status, listed) = call(api.get(&format!("/campaigns/{id}/contacts?state=limited"))).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["total"], 1, "{listed}");
    let contact = &listed["items"][0];
    assert_eq!(
        (
            &contact["contact_id"],
            &contact["state"],
            &contact["failure_kind"]
        ),
        (&json!(limited), &json!("limited"), &json!("limited")),
        "{contact}"
    );
    let (_, messages) = call(api.get(&format!("/messages?campaign_id={id}&status=failed"))).await;
    let mut kinds: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["failure_kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["limited", "undeliverable"], "{messages}");
    let (_, errors) = call(api.get("/monitoring/errors?kind=limited")).await;
    assert_eq!(errors["total"], 1, "{errors}");
    assert_eq!(errors["items"][0]["contact_id"], limited, "{errors}");

    for (name, stored, recount) in campaign_tests::campaign_counters(env.store.pool(), id)
        .await
        .unwrap()
    {
        assert_eq!(stored, recount, "{name}");
    }
}
