//! What the operator console needs from the API, through HTTP: cookie sessions (login, silent
//! refresh, logout that revokes), the console's files with their security and cache headers,
//! the offline docs page, and the reads its screens are built on (funnel, stages, audience,
//! history, recent errors, WhatsApp counts and filter, message search).

use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApi, assert_error, call};
use campaign_tests::fixtures::quick_retry_settings;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use std::time::Duration;

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);

/// The `name=value` part of a `Set-Cookie` answer.
fn cookie_pair(response: &reqwest::Response) -> String {
    let header = response
        .headers()
        .get(SET_COOKIE)
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap();
    header.split(';').next().unwrap().to_owned()
}

async fn open_session(api: &TestApi) -> (String, Value) {
    let response = api
        .http
        .post(api.url("/auth/session"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth/session"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = cookie_pair(&response);
    let body: Value = response.json().await.unwrap();
    (cookie, body)
}

fn refresh(api: &TestApi, cookie: &str) -> reqwest::RequestBuilder {
    api.http
        .post(api.url("/auth/session/refresh"))
        .header(COOKIE, cookie)
}

#[tokio::test]
async fn a_console_session_refreshes_from_its_cookie_until_logout_revokes_it() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (cookie, opened) = open_session(&api).await;
    assert!(opened.get("refresh_token").is_none(), "{opened}");
    assert_eq!(opened["user"]["email"], ADMIN_EMAIL);
    let access = opened["access_token"].as_str().unwrap();
    let (status, me) = call(api.http.get(api.url("/auth/me")).bearer_auth(access)).await;
    assert_eq!(
        (status, me["email"].as_str()),
        (StatusCode::OK, Some(ADMIN_EMAIL))
    );

    let (status, refreshed) = call(refresh(&api, &cookie)).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let (status, _) = call(
        api.http
            .get(api.url("/auth/me"))
            .bearer_auth(refreshed["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    assert_error(
        &call(api.http.post(api.url("/auth/session/refresh"))).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &call(refresh(&api, "console_session=00ff")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &call(
            api.http
                .post(api.url("/auth/session"))
                .json(&json!({ "email": ADMIN_EMAIL, "password": "wrong password" })),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );

    let logout = api
        .http
        .delete(api.url("/auth/session"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert!(
        logout.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "the cookie is cleared"
    );
    assert_error(
        &call(refresh(&api, &cookie)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
}

#[tokio::test]
async fn the_console_is_served_with_a_strict_policy_and_long_lived_assets() {
    let env = TestEnv::start().await.unwrap();
    let console = std::env::temp_dir().join(format!("console-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(console.join("assets")).unwrap();
    std::fs::write(
        console.join("index.html"),
        "<!doctype html><script type=module src=/assets/app-1a2b.js></script>",
    )
    .unwrap();
    std::fs::write(console.join("assets/app-1a2b.js"), "console.log(1)").unwrap();
    let dir = console.to_string_lossy().into_owned();
    let api = env
        .spawn_api_with(&[("CONSOLE_DIR", dir.as_str())])
        .await
        .unwrap();
    let origin = api.base_url.trim_end_matches("/api/v1").to_owned();
    let get = |path: &str| api.http.get(format!("{origin}{path}")).send();

    for path in ["/", "/campaigns/12", "/contacts?page=2"] {
        let page = get(path).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let policy = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{policy}");
        }
        assert!(!policy.contains("unsafe"), "{policy}");
        assert_eq!(page.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(page.text().await.unwrap().contains("app-1a2b.js"), "{path}");
    }
    let asset = get("/assets/app-1a2b.js").await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(
        asset.headers()[CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        asset.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        get("/assets/missing-9z.js").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let unknown_api = get("/api/v1/no-such-route").await.unwrap();
    assert_eq!(unknown_api.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown_api.json().await.unwrap();
    assert_eq!(
        body["error"]["code"], "not_found",
        "the API keeps its JSON 404"
    );
    std::fs::remove_dir_all(console).unwrap();
}

#[tokio::test]
async fn the_docs_page_loads_nothing_from_another_origin() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let page = api.http.get(api.url("/docs")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("connect-src 'self'") && policy.contains("font-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("src=\"/api/v1/docs/scalar.js\""), "{html}");
    assert!(!html.contains("https://"), "{html}");
    let bundle = api
        .http
        .get(api.url("/docs/scalar.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
}

/// The ids of the contacts a page lists.
fn contact_ids(page: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["contact_id"].as_i64().or(item["id"].as_i64()).unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn the_funnel_its_stages_history_and_errors_follow_a_campaign() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, contacts) = env
        .draft_campaign(3, quick_retry_settings(3.0))
        .await
        .unwrap();
    // The first send is refused for good: one contact fails, two are sent.
    env.sandbox.fail_next(400, 1).unwrap();
    let (status, launched) = call(api.post(&format!("/campaigns/{campaign_id}/send"))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{launched}");
    env.wait_for_accepted(2).await.unwrap();
    let answered = env.sandbox.accepted()[0].clone();
    let answered_contact: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE phone = $1")
        .bind(&answered.phone)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp();
    let reply = json!({
        "id": "wamid-console-1",
        "event": "message:in:new",
        "created": now,
        "data": {
            "id": "wamid-console-1", "type": "text", "flow": "inbound", "body": "Oui !",
            "fromNumber": answered.phone.trim_start_matches('+'), "toNumber": "+34600000000",
            "timestamp": now,
        },
    });
    let (status, body) = call(
        api.post("/webhooks/wassenger")
            .header("X-Webhook-Secret", campaign_tests::api::WEBHOOK_SECRET)
            .json(&reply),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let (status, funnel) = call(api.get(&format!("/campaigns/{campaign_id}/funnel"))).await;
    assert_eq!(status, StatusCode::OK, "{funnel}");
    assert_eq!(
        [
            &funnel["total"],
            &funnel["message_1_sent"],
            &funnel["interacted_in_window"],
            &funnel["message_2_sent"],
            &funnel["no_interaction"],
            &funnel["failed"],
            &funnel["pending"],
        ],
        [
            &json!(3),
            &json!(2),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(0)
        ],
        "{funnel}"
    );
    let stage = |stage: &str| api.get(&format!("/campaigns/{campaign_id}/contacts?stage={stage}"));
    let (_, sent) = call(stage("message_1_sent")).await;
    assert_eq!(sent["total"], 2, "{sent}");
    let (_, interacted) = call(stage("interacted_in_window")).await;
    assert_eq!(contact_ids(&interacted), [answered_contact]);
    assert_error(
        &call(stage("opened")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    assert_error(
        &call(api.get("/campaigns/999999/funnel")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    let (status, history) = call(api.get("/monitoring/history")).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let days = history["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let today = &days[6];
    // The daily ledger charges a Message 1 when it is handed to the provider (R10): the refused
    // one too, which is also today's error.
    assert_eq!(
        (
            &today["message_1"],
            &today["message_2"],
            &today["errors"],
            &today["interactions"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1)),
        "{history}"
    );
    assert_eq!(days[0]["message_1"], 0);
    assert_error(
        &call(api.get("/monitoring/history?days=91")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );

    let fragment = &answered.phone[answered.phone.len() - 6..];
    let (status, found) = call(api.get(&format!("/messages?q={fragment}"))).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(
        found["total"], 2,
        "Message 1 and Message 2 to that phone: {found}"
    );
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|message| message["phone"] == answered.phone.as_str())
    );

    let (status, errors) = call(api.get("/monitoring/errors")).await;
    assert_eq!(status, StatusCode::OK, "{errors}");
    assert_eq!(errors["total"], 1, "{errors}");
    let error = &errors["items"][0];
    assert_eq!(error["campaign_id"], campaign_id);
    assert_eq!(error["message_type"], "message_1");
    assert!(contacts.contains(&error["contact_id"].as_i64().unwrap()));
    assert!(
        error["error"].as_str().unwrap().contains("injected"),
        "{error}"
    );
    // A 400 that names neither the phone nor a rate limit is a failure of no known kind.
    assert_eq!(error["failure_kind"], "unknown", "{error}");
    let (_, unknown) = call(api.get("/monitoring/errors?kind=unknown")).await;
    assert_eq!(unknown["total"], 1, "{unknown}");
    let (_, limited) = call(api.get("/monitoring/errors?kind=limited")).await;
    assert_eq!(limited["total"], 0, "{limited}");
    assert_error(
        &call(api.get("/monitoring/errors?kind=nope")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    let (status, by_kind) = call(api.get("/monitoring/errors/by-kind")).await;
    assert_eq!(status, StatusCode::OK, "{by_kind}");
    assert_eq!(
        by_kind,
        json!({ "total": 1, "by_kind": [{ "kind": "unknown", "count": 1 }] })
    );
    let (_, failed_messages) = call(api.get("/messages?status=failed")).await;
    assert_eq!(
        failed_messages["items"][0]["failure_kind"], "unknown",
        "{failed_messages}"
    );
}

#[tokio::test]
async fn contacts_are_counted_and_filtered_by_whatsapp_and_messages_searched_by_name() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let mut ids = Vec::new();
    for (phone, first_name) in [
        ("+33611111111", "Amélie"),
        ("+33622222222", "Bruno"),
        ("+33633333333", "Chloé"),
    ] {
        let (status, contact) = call(
            api.post("/contacts")
                .json(&json!({ "phone": phone, "first_name": first_name })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{contact}");
        ids.push(contact["id"].as_i64().unwrap());
    }
    env.store
        .set_whatsapp_verified(ids[0], true, None)
        .await
        .unwrap();
    env.store
        .set_whatsapp_verified(ids[1], false, None)
        .await
        .unwrap();

    let (status, counts) = call(api.get("/contacts/verification")).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(
        counts,
        json!({ "total": 3, "verified": 1, "not_on_whatsapp": 1, "unverified": 1 })
    );
    for (filter, expected) in [
        ("verified", ids[0]),
        ("not_on_whatsapp", ids[1]),
        ("unverified", ids[2]),
    ] {
        let (status, page) = call(api.get(&format!("/contacts?whatsapp={filter}"))).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(contact_ids(&page), [expected], "{filter}");
    }
    assert_error(
        &call(api.get("/contacts?whatsapp=maybe")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );

    let category = {
        let (status, category) =
            call(api.post("/categories").json(&json!({ "name": "Console" }))).await;
        assert_eq!(status, StatusCode::CREATED, "{category}");
        category["id"].as_i64().unwrap()
    };
    let other = {
        let (_, category) = call(api.post("/categories").json(&json!({ "name": "Other" }))).await;
        category["id"].as_i64().unwrap()
    };
    for (category_id, contact_ids) in [(category, &ids[..2]), (other, &ids[1..])] {
        let (status, body) = call(
            api.post(&format!("/categories/{category_id}/contacts"))
                .json(&json!({ "contact_ids": contact_ids })),
        )
        .await;
        assert!(status.is_success(), "{body}");
    }
    let (status, audience) = call(
        api.post("/campaigns/audience")
            .json(&json!({ "category_ids": [category, other] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{audience}");
    assert_eq!(audience["audience"], 3, "each contact once: {audience}");
    assert_eq!(audience["remaining_today"], 1000);
    assert_eq!(audience["sample"]["id"], ids[0]);
    let (_, nobody) = call(
        api.post("/campaigns/audience")
            .json(&json!({ "category_ids": [] })),
    )
    .await;
    assert_eq!(
        (&nobody["audience"], &nobody["sample"]),
        (&json!(0), &Value::Null)
    );

    let (status, messages) = call(api.get("/messages?q=chlo")).await;
    assert_eq!(status, StatusCode::OK, "{messages}");
    assert_eq!(messages["total"], 0, "no message yet: {messages}");
}
