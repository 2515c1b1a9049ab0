//! The audit log (R22) through the real API and database: a row for each state-changing action
//! and none for a refused one, the table refusing changes, and the super admin's read with its
//! filters. Sign-in throttling is in `api_sign_in_throttle`.

use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApi, assert_error, call, login};
use campaign_tests::fixtures::unpaced_settings;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use std::collections::HashSet;

async fn audit_rows(env: &TestEnv) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(env.store.pool())
        .await
        .unwrap()
}

/// Every row of the log, newest first, through `GET /audit`.
pub(crate) async fn audit(api: &TestApi, query: &str) -> Value {
    let (status, page) = call(api.get(&format!("/audit?size=100&{query}"))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn created(api: &TestApi, path: &str, body: Value) -> i64 {
    let (status, answer) = call(api.post(path).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    answer["id"].as_i64().unwrap()
}

async fn ok(request: reqwest::RequestBuilder) -> Value {
    let (status, answer) = call(request).await;
    assert!(status.is_success(), "{status}: {answer}");
    answer
}

#[tokio::test]
async fn each_action_writes_one_audit_row_and_a_refused_one_none() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();

    // Refused actions leave no row: validation (422), conflict (409), not found (404).
    let before = audit_rows(&env).await;
    let (status, _) = call(
        api.post("/contacts")
            .json(&json!({ "first_name": "No phone" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(
        api.put("/contacts/999999")
            .json(&json!({ "first_name": "X" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(api.delete("/categories/999999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        audit_rows(&env).await,
        before,
        "a refused action wrote a row"
    );

    let category = created(&api, "/categories", json!({ "name": "VIP" })).await;
    let contact = created(
        &api,
        "/contacts",
        json!({ "phone": "+33612345678", "first_name": "Ann", "category_ids": [category] }),
    )
    .await;
    let (status, _) = call(
        api.post("/contacts")
            .json(&json!({ "phone": "+33612345678" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "duplicate phone");
    ok(api
        .put(&format!("/contacts/{contact}"))
        .json(&json!({ "last_name": "Lee" })))
    .await;
    ok(api
        .put(&format!("/categories/{category}"))
        .json(&json!({ "name": "VIP clients" })))
    .await;
    let other = created(&api, "/contacts", json!({ "phone": "+33612345679" })).await;
    ok(api
        .post(&format!("/categories/{category}/contacts"))
        .json(&json!({ "contact_ids": [other] })))
    .await;
    ok(api.delete(&format!("/categories/{category}/contacts/{other}"))).await;
    ok(api.delete(&format!("/contacts/{other}"))).await;
    let import = api
        .post("/contacts/import")
        .header("content-type", "text/csv")
        .body("phone,first_name\n+33611111111,Bo\n+33612345678,Ann\nnot a phone,X\n");
    let report = ok(import).await;
    assert_eq!(report["created"], 1, "{report}");
    let export = api.get("/contacts/export").send().await.unwrap();
    assert_eq!(export.status(), StatusCode::OK);

    // A campaign through its life: create, edit, delete a draft; send and stop another.
    let draft = created(
        &api,
        "/campaigns",
        json!({ "name": "Draft", "message_1": "Hi", "message_2": "Thanks", "category_ids": [category] }),
    )
    .await;
    ok(api
        .put(&format!("/campaigns/{draft}"))
        .json(&json!({ "name": "Draft 2" })))
    .await;
    ok(api.delete(&format!("/campaigns/{draft}"))).await;
    let campaign = created(
        &api,
        "/campaigns",
        json!({
            "name": "Live", "message_1": "Hi", "message_2": "Thanks",
            "category_ids": [category], "settings": unpaced_settings(600.0),
        }),
    )
    .await;
    ok(api.post(&format!("/campaigns/{campaign}/send"))).await;
    let (status, _) = call(api.post(&format!("/campaigns/{campaign}/send"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "a repeated send is refused");
    ok(api.post(&format!("/campaigns/{campaign}/stop"))).await;

    // Users, and the sign-in family: refresh (both kinds), session, logout.
    let user = created(
        &api,
        "/users",
        json!({ "email": "ops@example.com", "password": "long enough pass", "role": "admin" }),
    )
    .await;
    ok(api
        .put(&format!("/users/{user}"))
        .json(&json!({ "full_name": "Ops", "password": "another long one" })))
    .await;
    let tokens = ok(api
        .http
        .post(api.url("/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })))
    .await;
    ok(api
        .http
        .post(api.url("/auth/refresh"))
        .json(&json!({ "refresh_token": tokens["refresh_token"] })))
    .await;
    let session = api
        .http
        .post(api.url("/auth/session"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), StatusCode::OK);
    let cookie = session.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    ok(api
        .http
        .post(api.url("/auth/session/refresh"))
        .header(COOKIE, &cookie))
    .await;
    let logout = api
        .http
        .delete(api.url("/auth/session"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(
        api.http
            .post(api.url("/auth/login"))
            .json(&json!({ "email": "ops@example.com", "password": "wrong password" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    ok(api.delete(&format!("/users/{user}"))).await;

    let page = audit(&api, "").await;
    let logged: Vec<String> = actions(&page);
    let distinct: HashSet<&str> = logged.iter().map(String::as_str).collect();
    for action in [
        "auth.login",
        "auth.login_failed",
        "auth.refresh",
        "auth.logout",
        "user.create",
        "user.update",
        "user.delete",
        "category.create",
        "category.update",
        "category.add_contacts",
        "category.remove_contact",
        "contact.create",
        "contact.update",
        "contact.delete",
        "contacts.import",
        "contacts.export",
        "campaign.create",
        "campaign.update",
        "campaign.delete",
        "campaign.send",
        "campaign.stop",
    ] {
        assert!(distinct.contains(action), "no {action} row in {logged:?}");
    }
    let count = |action: &str| logged.iter().filter(|a| *a == action).count();
    assert_eq!(count("contact.create"), 2, "{logged:?}");
    assert_eq!(
        count("campaign.send"),
        1,
        "the refused repeat wrote nothing"
    );
    assert_eq!(count("auth.refresh"), 2, "token and session");
    assert_eq!(page["items"][0]["action"], "user.delete", "newest first");

    // Each row says who, what, on what, from where; never a secret.
    let row = &audit(&api, &format!("action=contact.update&target_id={contact}")).await["items"][0];
    assert_eq!(row["actor_kind"], "user");
    assert_eq!(row["actor_label"], ADMIN_EMAIL);
    assert_eq!(row["target_type"], "contact");
    assert_eq!(row["summary"]["changed"], json!(["last_name"]));
    assert_eq!(row["client_addr"], "127.0.0.1");
    let update = &audit(&api, "action=user.update").await["items"][0];
    assert_eq!(
        update["summary"]["changed"],
        json!(["password", "full_name"])
    );
    assert!(!update.to_string().contains("another long one"));
    let import = &audit(&api, "action=contacts.import").await["items"][0];
    assert_eq!(
        (&import["summary"]["created"], &import["summary"]["failed"]),
        (&json!(1), &json!(1))
    );
    let failed = &audit(&api, "action=auth.login_failed").await["items"][0];
    assert_eq!(
        (&failed["actor_kind"], &failed["actor_label"]),
        (&json!("anonymous"), &json!("ops@example.com"))
    );

    // The filters: actor by label or id, target, time.
    let by_actor = audit(&api, "actor=ops@example.com").await;
    assert!(
        actions(&by_actor)
            .iter()
            .all(|action| action.starts_with("auth.")),
        "{by_actor}"
    );
    let admin_id = page["items"][0]["actor_id"].as_i64().unwrap();
    assert_eq!(
        audit(&api, &format!("actor={admin_id}")).await["total"],
        audit(&api, &format!("actor={ADMIN_EMAIL}")).await["total"],
    );
    let on_campaign = audit(&api, &format!("target_type=campaign&target_id={campaign}")).await;
    assert_eq!(
        actions(&on_campaign),
        ["campaign.stop", "campaign.send", "campaign.create"]
    );
    assert_eq!(audit(&api, "from=2100-01-01T00:00:00Z").await["total"], 0);
    assert_eq!(
        audit(&api, "to=2100-01-01T00:00:00Z").await["total"],
        page["total"]
    );
    let (status, _) = call(api.get("/audit?from=yesterday")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Actions and target types are closed lists (AuditAction, AuditTarget).
    for unknown in ["action=contact.frobnicate", "target_type=planet"] {
        let (status, _) = call(api.get(&format!("/audit?{unknown}"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
    }

    // Paged like every list.
    let (status, first) = call(api.get("/audit?size=2&page=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["total"], page["total"]);

    // An admin who is not super_admin may not read it.
    created(
        &api,
        "/users",
        json!({ "email": "reader@example.com", "password": "long enough pass" }),
    )
    .await;
    let token = login(
        &api.http,
        &api.base_url,
        "reader@example.com",
        "long enough pass",
    )
    .await
    .unwrap();
    assert_error(
        &call(api.http.get(api.url("/audit")).bearer_auth(token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // Append-only, whoever asks: the database refuses to change or remove a row.
    for statement in [
        "UPDATE audit_log SET action = 'user.delete'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let refused = sqlx::query(statement)
            .execute(env.store.pool())
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("append-only"),
            "{statement}: {refused}"
        );
    }
}
