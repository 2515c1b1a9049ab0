//! Follow-up campaigns on both providers: an audience made of an earlier campaign's outcomes
//! reaches exactly those contacts and a relaunch reaches them again (R23), and the frequency cap
//! holds across campaigns launched at the same moment (R24); the per-recipient report agrees with
//! a recount. Real Temporal, real Postgres, the
//! sandbox speaking each provider's API.

use crate::meta::{CAMPAIGN_TIMEOUT, message_1_by_contact, quiet_engine, reply, wait_recorded};
use campaign_api::operations::OperationError;
use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, call};
use campaign_tests::fixtures::unpaced_settings;
use campaign_tests::provider::Provider;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The contacts that have a journey in the campaign.
async fn audience_of(env: &TestEnv, campaign_id: i64) -> BTreeSet<i64> {
    sqlx::query_scalar("SELECT contact_id FROM journeys WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(env.store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn category_of(env: &TestEnv, campaign_id: i64) -> i64 {
    sqlx::query_scalar("SELECT category_id FROM campaign_categories WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap()
}

/// A draft made through the API, with Message 1 as the provider needs it.
async fn draft(env: &TestEnv, api: &TestApi, audience: Value) -> i64 {
    let mut request = json!({
        "name": "Follow-up",
        "message_1": "Hello again {first_name}",
        "message_2": "Thanks",
    });
    for (key, value) in audience.as_object().unwrap() {
        request[key] = value.clone();
    }
    let (status, created) = call(api.post("/campaigns").json(&request)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    env.adapt_draft(id).await.unwrap();
    id
}

/// Reads the campaign's report through the API and checks its lines against a recount of the
/// journeys and messages, and its per-state totals against the campaign's counters.
async fn assert_report_matches_a_recount(env: &TestEnv, api: &TestApi, campaign_id: i64) {
    let response = api
        .get(&format!("/campaigns/{campaign_id}/report.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut lines: Vec<(String, String, bool, String)> = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (
                record[column("phone")].to_owned(),
                record[column("state")].to_owned(),
                !record[column("message_2_sent_at")].is_empty(),
                record[column("failure_kind")].to_owned(),
            )
        })
        .collect();
    lines.sort();
    let mut recount: Vec<(String, String, bool, String)> = sqlx::query_as(
        "SELECT k.phone, j.state, EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = j.campaign_id \
           AND m.contact_id = j.contact_id AND m.message_type = 'message_2' AND m.sent_at IS NOT NULL), \
           coalesce(j.failure_kind, '') \
         FROM journeys j JOIN contacts k ON k.id = j.contact_id WHERE j.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    recount.sort();
    assert_eq!(lines, recount);
    let (_, stats) = call(api.get(&format!("/campaigns/{campaign_id}/stats"))).await;
    assert_eq!(json!(lines.len()), stats["total_contacts"], "{stats}");
    for state in [
        "message_2_sent",
        "no_interaction",
        "failed",
        "limited",
        "opted_out",
    ] {
        let in_report = lines.iter().filter(|line| line.1 == state).count();
        assert_eq!(json!(in_report), stats[state], "{state}: {stats}");
    }
}

#[tokio::test]
async fn a_retargeting_campaign_reaches_exactly_the_non_repliers_and_its_relaunch_again() {
    for provider in Provider::ALL {
        retarget_the_non_repliers(provider).await;
    }
}

async fn retarget_the_non_repliers(provider: Provider) {
    let (env, api) = quiet_engine(provider).await;
    let (first, contacts) = env.draft_campaign(5, unpaced_settings(3.0)).await.unwrap();
    env.engine()
        .launch(first, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, first, 5).await;
    let message_1s = message_1_by_contact(&env, first);
    let repliers = &contacts[..2];
    for &contact in repliers {
        let status = reply(&env, &api, &message_1s[&contact], &format!("r-{contact}")).await;
        assert_eq!(status, StatusCode::OK, "{provider:?}");
    }
    env.campaign_result(first, CAMPAIGN_TIMEOUT).await.unwrap();
    assert_report_matches_a_recount(&env, &api, first).await;
    let silent: BTreeSet<i64> = contacts[2..].iter().copied().collect();

    // The preview counts each source and the result: the category, minus its repliers.
    let category_id = category_of(&env, first).await;
    let (status, preview) = call(api.post("/campaigns/audience").json(&json!({
        "category_ids": [category_id],
        "audience_sets": [{"campaign_id": first, "outcome": "replied_in_time", "exclude": true}],
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["audience"], json!(3), "{provider:?} {preview}");
    assert_eq!(preview["sources"][0]["contacts"], json!(5), "{preview}");
    assert_eq!(preview["sources"][1]["contacts"], json!(2), "{preview}");
    assert_eq!(preview["capped_excluded"], json!(0), "{preview}");

    // A campaign to the non-repliers alone, without a category.
    let mut settings = unpaced_settings(1.0);
    settings["frequency_cap"] = Value::Null;
    let sets = json!([{"campaign_id": first, "outcome": "no_interaction", "exclude": false}]);
    let second = draft(
        &env,
        &api,
        json!({"category_ids": [], "audience_sets": sets, "settings": settings}),
    )
    .await;
    let launched = env
        .engine()
        .launch(second, &TestEnv::operator())
        .await
        .unwrap();
    assert_eq!(launched.total_contacts, 3, "{provider:?}");
    assert_eq!(audience_of(&env, second).await, silent, "{provider:?}");
    env.campaign_result(second, CAMPAIGN_TIMEOUT).await.unwrap();

    // The relaunch keeps the sets, so it reaches the same people.
    let again = env
        .engine()
        .relaunch(second, &TestEnv::operator())
        .await
        .unwrap();
    assert_eq!(audience_of(&env, again.campaign_id).await, silent);
    let (_, copy) = call(api.get(&format!("/campaigns/{}", again.campaign_id))).await;
    assert_eq!(copy["audience_sets"], sets, "{copy}");
    env.campaign_result(again.campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    // A set of a campaign that never ran, and an audience without a source, are refused.
    let (status, _) = call(api.post("/campaigns").json(&json!({
        "name": "Nothing", "message_1": "Hi", "message_2": "Thanks", "category_ids": [],
        "audience_sets": [{"campaign_id": first, "outcome": "opted_out", "exclude": true}],
    })))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = call(api.post("/campaigns").json(&json!({
        "name": "Unknown", "message_1": "Hi", "message_2": "Thanks", "category_ids": [],
        "audience_sets": [{"campaign_id": 999_999, "outcome": "no_interaction"}],
    })))
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn concurrent_launches_sharing_contacts_never_pass_the_frequency_cap() {
    for provider in Provider::ALL {
        concurrent_launches_respect_the_cap(provider).await;
    }
}

/// Two campaigns to the same ten contacts, launched at once under a cap of one Message 1 a week:
/// both snapshots take every contact (no Message 1 has left yet), and the check before each call
/// lets exactly one Message 1 through per contact. A third launch then finds everyone capped.
async fn concurrent_launches_respect_the_cap(provider: Provider) {
    let (env, api) = quiet_engine(provider).await;
    let mut settings = unpaced_settings(1.0);
    settings["frequency_cap"] = json!({"max_message_1": 1, "days": 7});
    let (first, contacts) = env.draft_campaign(10, settings.clone()).await.unwrap();
    let category_id = category_of(&env, first).await;
    let second = campaign_tests::fixtures::create_draft_campaign(
        &env.store,
        "Same audience",
        &campaign_domain::Template::parse("Hi {first_name}").unwrap(),
        &campaign_domain::Template::parse("Thanks").unwrap(),
        &[category_id],
        &settings,
    )
    .await
    .unwrap();
    env.adapt_draft(second).await.unwrap();

    let engine = env.engine();
    let operator = TestEnv::operator();
    let (a, b) = tokio::join!(
        engine.launch(first, &operator),
        engine.launch(second, &operator)
    );
    assert_eq!(
        (a.unwrap().total_contacts, b.unwrap().total_contacts),
        (10, 10)
    );
    env.campaign_result(first, CAMPAIGN_TIMEOUT).await.unwrap();
    env.campaign_result(second, CAMPAIGN_TIMEOUT).await.unwrap();

    for &contact in &contacts {
        let phone = env.phone_of(contact).await;
        let message_1s = env
            .sandbox
            .accepted_for(&phone)
            .into_iter()
            .filter(|record| {
                record
                    .reference
                    .as_deref()
                    .is_some_and(|reference| reference.ends_with("message_1"))
            })
            .count();
        assert_eq!(message_1s, 1, "{provider:?}: contact {contact}");
        let capped: Vec<String> = sqlx::query_scalar(
            "SELECT failure_kind FROM journeys WHERE contact_id = $1 AND state = 'failed'",
        )
        .bind(contact)
        .fetch_all(env.store.pool())
        .await
        .unwrap();
        assert_eq!(
            capped,
            ["frequency_capped"],
            "{provider:?}: contact {contact}"
        );
    }
    assert_report_matches_a_recount(&env, &api, first).await;
    assert_report_matches_a_recount(&env, &api, second).await;

    let third = campaign_tests::fixtures::create_draft_campaign(
        &env.store,
        "Too soon",
        &campaign_domain::Template::parse("Hi").unwrap(),
        &campaign_domain::Template::parse("Thanks").unwrap(),
        &[category_id],
        &settings,
    )
    .await
    .unwrap();
    env.adapt_draft(third).await.unwrap();
    match engine.launch(third, &operator).await {
        Err(OperationError::NoContacts {
            opted_out_excluded: 0,
            capped_excluded: 10,
        }) => {}
        other => panic!("{provider:?}: expected every contact capped, got {other:?}"),
    }
}
