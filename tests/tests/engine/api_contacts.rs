//! `/contacts` and `/categories` through the real API: CRUD, search, pagination, CSV import and
//! export, and WhatsApp checks against the sandbox provider.

use campaign_tests::TestEnv;
use campaign_tests::api::TestApi;
use campaign_tests::api::{assert_error, call};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn create_contact(api: &TestApi, body: Value) -> Value {
    let (status, contact) = call(api.post("/contacts").json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    contact
}

async fn create_category(api: &TestApi, name: &str) -> i64 {
    let (status, category) = call(api.post("/categories").json(&json!({ "name": name }))).await;
    assert_eq!(status, StatusCode::CREATED, "{category}");
    category["id"].as_i64().expect("a category id")
}

/// The phones of a list answer, in order.
fn phones(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|contact| contact["phone"].as_str().expect("a phone"))
        .collect()
}

async fn import(api: &TestApi, query: &str, csv: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    call(
        api.post(&format!("/contacts/import{query}"))
            .header("content-type", "text/csv")
            .body(csv),
    )
    .await
}

/// Posts `csv` to the import as a chunked upload, `chunk` bytes per HTTP chunk, so records, line
/// terminators and quoted fields are cut across chunks the way a slow client would cut them.
async fn import_in_chunks(api: &TestApi, csv: &str, chunk: usize) -> (StatusCode, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(&api.url("/contacts/import")).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        url.path(),
        api.admin_token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in csv.as_bytes().chunks(chunk) {
        stream
            .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(piece).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        StatusCode::from_u16(status).unwrap(),
        serde_json::from_str(body).unwrap_or_else(|err| panic!("{err}: {body}")),
    )
}

/// Imports `csv`, which must succeed, and returns the import report.
async fn imported(api: &TestApi, query: &str, csv: impl Into<reqwest::Body>) -> Value {
    let (status, report) = import(api, query, csv).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

async fn delete_all_contacts(env: &TestEnv) {
    sqlx::query("DELETE FROM contacts")
        .execute(env.store.pool())
        .await
        .unwrap();
}

/// A fresh engine and its API.
async fn start() -> (TestEnv, TestApi) {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    (env, api)
}

async fn export(api: &TestApi, query: &str) -> String {
    let response = api
        .get(&format!("/contacts/export{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn contacts_are_created_listed_searched_filtered_paginated_updated_and_deleted() {
    let (_env, api) = start().await;
    let vip = create_category(&api, "VIP").await;

    let alice = create_contact(
        &api,
        json!({ "phone": "+33 6 12 34 56 78", "first_name": " Alice ", "last_name": "Martin",
                "category_ids": [vip] }),
    )
    .await;
    assert_eq!(alice["phone"], "+33612345678");
    assert_eq!(alice["first_name"], "Alice");
    assert_eq!(alice["last_name"], "Martin");
    assert_eq!(alice["category_ids"], json!([vip]));
    assert_eq!(alice["whatsapp_verified"], Value::Null);
    assert_eq!(alice["whatsapp_verified_at"], Value::Null);
    assert!(alice["created_at"].is_string());
    let bob = create_contact(
        &api,
        json!({ "country_code": "+34", "phone_number": "600 11 12 22", "first_name": "Bob" }),
    )
    .await;
    assert_eq!(bob["phone"], "+34600111222");
    assert_eq!(bob["category_ids"], json!([]));
    for i in 0..3 {
        create_contact(
            &api,
            json!({ "phone": format!("+4915100000{i:02}"), "first_name": format!("Carla{i}"),
                    "last_name": "Schmidt" }),
        )
        .await;
    }

    let (status, all) = call(api.get("/contacts")).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 5);
    assert_eq!(all["page"], 1);
    assert_eq!(all["size"], 20);
    assert_eq!(
        phones(&all),
        [
            "+491510000002",
            "+491510000001",
            "+491510000000",
            "+34600111222",
            "+33612345678"
        ],
        "newest first"
    );

    let (_, page_2) = call(api.get("/contacts?page=2&size=2")).await;
    assert_eq!(page_2["total"], 5);
    assert_eq!(
        (page_2["page"].as_i64(), page_2["size"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(phones(&page_2), ["+491510000000", "+34600111222"]);
    let (_, beyond) = call(api.get("/contacts?page=9&size=2")).await;
    assert_eq!(
        (beyond["total"].as_i64(), phones(&beyond).len()),
        (Some(5), 0)
    );

    let (_, by_name) = call(api.get("/contacts?search=aLiCe%20mar")).await;
    assert_eq!(phones(&by_name), ["+33612345678"]);
    let (_, by_last_name) = call(api.get("/contacts?search=schmidt&size=2")).await;
    assert_eq!(by_last_name["total"], 3);
    let (_, by_phone) = call(api.get("/contacts?search=%2B34%20600")).await;
    assert_eq!(phones(&by_phone), ["+34600111222"]);
    let (_, by_category) = call(api.get(&format!("/contacts?category_id={vip}"))).await;
    assert_eq!(phones(&by_category), ["+33612345678"]);
    let (_, both) = call(api.get(&format!("/contacts?category_id={vip}&search=bob"))).await;
    assert_eq!(both["total"], 0);

    let bob_id = bob["id"].as_i64().unwrap();
    let (status, shown) = call(api.get(&format!("/contacts/{bob_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, bob);

    let (status, updated) = call(
        api.put(&format!("/contacts/{bob_id}"))
            .json(&json!({ "last_name": "Garcia", "category_ids": [vip] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["first_name"], "Bob", "fields not given are kept");
    assert_eq!(updated["last_name"], "Garcia");
    assert_eq!(updated["phone"], "+34600111222");
    assert_eq!(updated["category_ids"], json!([vip]));
    let (_, vip_category) = call(api.get(&format!("/categories/{vip}"))).await;
    assert_eq!(vip_category["contact_count"], 2);
    let (_, moved) = call(
        api.put(&format!("/contacts/{bob_id}"))
            .json(&json!({ "phone": "+34 600 999 888", "category_ids": [] })),
    )
    .await;
    assert_eq!(moved["phone"], "+34600999888");
    assert_eq!(moved["category_ids"], json!([]));
    assert_eq!(moved["time_zone"], Value::Null);

    // R21: a contact's own time zone, trimmed, kept by other changes, cleared by null.
    let bob_url = format!("/contacts/{bob_id}");
    let (status, zoned) = call(
        api.put(&bob_url)
            .json(&json!({ "time_zone": " Europe/Madrid " })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{zoned}");
    assert_eq!(zoned["time_zone"], "Europe/Madrid");
    let (_, renamed) = call(api.put(&bob_url).json(&json!({ "first_name": "Roberto" }))).await;
    assert_eq!(
        renamed["time_zone"], "Europe/Madrid",
        "fields not given are kept"
    );
    let (status, error) = call(
        api.put(&bob_url)
            .json(&json!({ "time_zone": "Mars/Olympus" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Mars/Olympus"),
        "{error}"
    );
    let (_, cleared) = call(api.put(&bob_url).json(&json!({ "time_zone": null }))).await;
    assert_eq!(cleared["time_zone"], Value::Null);

    let (status, body) = call(api.delete(&format!("/contacts/{bob_id}"))).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert_error(
        &call(api.get(&format!("/contacts/{bob_id}"))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, remaining) = call(api.get("/contacts")).await;
    assert_eq!(remaining["total"], 4);
}

#[tokio::test]
async fn a_duplicate_phone_is_409_in_either_form() {
    let (_env, api) = start().await;
    let first = create_contact(&api, json!({ "phone": "+33612345678" })).await;

    for body in [
        json!({ "phone": "+33612345678" }),
        json!({ "phone": "0033 6 12 34 56 78" }),
        json!({ "country_code": "33", "phone_number": "06 12 34 56 78" }),
    ] {
        let answer = call(api.post("/contacts").json(&body)).await;
        assert_error(&answer, StatusCode::CONFLICT, "conflict");
    }

    let other = create_contact(&api, json!({ "phone": "+33700000001" })).await;
    let answer = call(
        api.put(&format!("/contacts/{}", other["id"]))
            .json(&json!({ "country_code": "+33", "phone_number": "612345678" })),
    )
    .await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");

    let (_, all) = call(api.get("/contacts")).await;
    assert_eq!(all["total"], 2);
    let (_, unchanged) = call(api.get(&format!("/contacts/{}", first["id"]))).await;
    assert_eq!(unchanged, first);
}

#[tokio::test]
async fn every_validation_error_answers_its_status_and_json_body() {
    let (_env, api) = start().await;
    let contact = create_contact(&api, json!({ "phone": "+33612345678" })).await;
    let id = contact["id"].as_i64().unwrap();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;

    // Bad phone numbers, in both forms.
    for body in [
        json!({ "phone": "0612345678" }),
        json!({ "phone": "+33 abc" }),
        json!({ "phone": "+331" }),
        json!({ "phone": "" }),
        json!({ "country_code": "0033", "phone_number": "612345678" }),
        json!({ "country_code": "33" }),
        json!({ "phone": "+33612345679", "country_code": "33", "phone_number": "612345679" }),
        json!({ "first_name": "No phone" }),
        json!({ "phone": "+33612345679", "time_zone": "Mars/Olympus" }),
    ] {
        let answer = call(api.post("/contacts").json(&body)).await;
        assert_error(&answer, unprocessable, "validation_error");
    }
    let answer = call(
        api.put(&format!("/contacts/{id}"))
            .json(&json!({ "phone": "12" })),
    )
    .await;
    assert_error(&answer, unprocessable, "validation_error");

    // Wrong field types and unknown fields.
    for body in [
        json!({ "phone": 33612345678_i64 }),
        json!({ "phone": "+33612345679", "first_name": ["Jean"] }),
        json!({ "phone": "+33612345679", "category_ids": "1" }),
        json!({ "phone": "+33612345679", "nickname": "JJ" }),
        json!(["+33612345679"]),
    ] {
        let answer = call(api.post("/contacts").json(&body)).await;
        assert_error(&answer, unprocessable, "validation_error");
    }
    let answer = call(api.post("/categories").json(&json!({ "name": 7 }))).await;
    assert_error(&answer, unprocessable, "validation_error");
    let answer = call(api.post("/categories").json(&json!({ "name": "  " }))).await;
    assert_error(&answer, unprocessable, "validation_error");
    // Text Postgres cannot store (a NUL) is the client's input: 422, nothing created.
    let answer = call(api.post("/categories").json(&json!({ "name": "VIP\u{0}" }))).await;
    assert_error(&answer, unprocessable, "validation_error");
    let answer = call(
        api.post("/contacts")
            .json(&json!({ "phone": "+33612345679", "first_name": "Je\u{0}an" })),
    )
    .await;
    assert_error(&answer, unprocessable, "validation_error");
    assert_error(
        &call(api.get("/contacts?search=a%00b")).await,
        unprocessable,
        "validation_error",
    );

    // A category that does not exist, referenced from a contact.
    let answer = call(
        api.post("/contacts")
            .json(&json!({ "phone": "+33612345679", "category_ids": [999_999_999] })),
    )
    .await;
    assert_error(&answer, StatusCode::CONFLICT, "unknown_reference");
    let answer = call(
        api.put(&format!("/contacts/{id}"))
            .json(&json!({ "category_ids": [999_999_999] })),
    )
    .await;
    assert_error(&answer, StatusCode::CONFLICT, "unknown_reference");

    // A body is a JSON object: serde would read a struct from an array of its fields.
    let answer = call(
        api.put(&format!("/contacts/{id}"))
            .json(&json!([null, null, null, "Renamed"])),
    )
    .await;
    assert_error(&answer, unprocessable, "validation_error");

    // Malformed JSON, and JSON without its content type.
    for path in ["/contacts", "/categories"] {
        let answer = call(
            api.post(path)
                .header("content-type", "application/json")
                .body("{ not json"),
        )
        .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    let answer = call(api.post("/contacts").body(r#"{"phone": "+33612345679"}"#)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");

    // Bad query strings and paths.
    for path in [
        "/contacts?page=0",
        "/contacts?size=0",
        "/contacts?size=101",
        "/contacts?page=two",
        "/contacts?category_id=abc",
        "/categories?size=500",
    ] {
        assert_error(
            &call(api.get(path)).await,
            unprocessable,
            "validation_error",
        );
    }
    let answer = call(api.get("/contacts?size=100")).await;
    assert_eq!(answer.0, StatusCode::OK);
    assert_error(
        &call(api.get("/contacts/abc")).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    // Unknown ids.
    for answer in [
        call(api.get("/contacts/999999999")).await,
        call(
            api.put("/contacts/999999999")
                .json(&json!({ "first_name": "X" })),
        )
        .await,
        call(api.delete("/contacts/999999999")).await,
        call(api.post("/contacts/999999999/verify")).await,
        call(api.get("/categories/999999999")).await,
        call(
            api.put("/categories/999999999")
                .json(&json!({ "name": "X" })),
        )
        .await,
        call(api.delete("/categories/999999999")).await,
        call(
            api.post("/categories/999999999/contacts")
                .json(&json!({ "contact_ids": [id] })),
        )
        .await,
        call(api.delete(&format!("/categories/999999999/contacts/{id}"))).await,
    ] {
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }

    // Unknown routes and methods answer in the same JSON format.
    assert_error(
        &call(api.get("/no-such-route")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &call(api.http.get(api.url("/no-such-route"))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &call(api.request(reqwest::Method::PATCH, "/contacts")).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    // The bearer scheme is case-insensitive (the login answers `token_type: "bearer"`).
    let lowercase = api
        .http
        .get(api.url("/contacts"))
        .header("authorization", format!("bearer {}", api.admin_token));
    assert_eq!(call(lowercase).await.0, StatusCode::OK);

    // Every route needs a token.
    let answer = call(api.http.get(api.url("/contacts"))).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    let answer = call(api.http.get(api.url("/categories"))).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    let answer = call(api.http.get(api.url("/contacts/export"))).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn categories_are_managed_with_counts_search_pagination_and_membership() {
    let (_env, api) = start().await;
    let (status, vip) = call(
        api.post("/categories")
            .json(&json!({ "name": "VIP", "color": "#ff0000" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{vip}");
    assert_eq!(vip["name"], "VIP");
    assert_eq!(vip["color"], "#ff0000");
    assert_eq!(vip["contact_count"], 0);
    let vip_id = vip["id"].as_i64().unwrap();
    for name in ["Clients Paris", "Clients Lyon", "Prospects"] {
        create_category(&api, name).await;
    }
    let answer = call(api.post("/categories").json(&json!({ "name": "VIP" }))).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");

    let (_, all) = call(api.get("/categories")).await;
    assert_eq!(all["total"], 4);
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Clients Lyon", "Clients Paris", "Prospects", "VIP"]);
    let (_, clients) = call(api.get("/categories?search=CLIENTS&page=2&size=1")).await;
    assert_eq!(clients["total"], 2);
    assert_eq!(clients["items"][0]["name"], "Clients Paris");
    assert_eq!(clients["items"].as_array().unwrap().len(), 1);

    let mut ids = Vec::new();
    for i in 0..3 {
        let contact = create_contact(&api, json!({ "phone": format!("+3361234567{i}") })).await;
        ids.push(contact["id"].as_i64().unwrap());
    }
    let path = format!("/categories/{vip_id}/contacts");
    let (status, added) = call(
        api.post(&path)
            .json(&json!({ "contact_ids": [ids[0], ids[1]] })),
    )
    .await;
    assert_eq!((status, added), (StatusCode::OK, json!({ "added": 2 })));
    let (_, again) = call(api.post(&path).json(&json!({ "contact_ids": ids }))).await;
    assert_eq!(again, json!({ "added": 1 }), "adding is idempotent");
    let (_, repeated) = call(api.post(&path).json(&json!({ "contact_ids": ids }))).await;
    assert_eq!(repeated, json!({ "added": 0 }));
    let answer = call(
        api.post(&path)
            .json(&json!({ "contact_ids": [ids[0], 999_999_999] })),
    )
    .await;
    assert_error(&answer, StatusCode::CONFLICT, "unknown_reference");
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("999999999")
    );
    let (_, shown) = call(api.get(&format!("/categories/{vip_id}"))).await;
    assert_eq!(shown["contact_count"], 3);
    let (_, members) = call(api.get(&format!("/contacts?category_id={vip_id}"))).await;
    assert_eq!(members["total"], 3);

    let member = format!("/categories/{vip_id}/contacts/{}", ids[0]);
    let (status, _) = call(api.delete(&member)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(
        &call(api.delete(&member)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, contact) = call(api.get(&format!("/contacts/{}", ids[0]))).await;
    assert_eq!(contact["category_ids"], json!([]));

    let (status, renamed) = call(
        api.put(&format!("/categories/{vip_id}"))
            .json(&json!({ "name": "Very important" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "Very important");
    assert_eq!(renamed["color"], "#ff0000");
    assert_eq!(renamed["contact_count"], 2);
    let answer = call(
        api.put(&format!("/categories/{vip_id}"))
            .json(&json!({ "name": "Prospects" })),
    )
    .await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");

    let (status, _) = call(api.delete(&format!("/categories/{vip_id}"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(
        &call(api.get(&format!("/categories/{vip_id}"))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (_, contacts) = call(api.get("/contacts")).await;
    assert_eq!(
        contacts["total"], 3,
        "deleting a category keeps its contacts"
    );
}

#[tokio::test]
async fn csv_import_reports_exact_counts_and_line_numbers() {
    let (_env, api) = start().await;
    create_contact(
        &api,
        json!({ "phone": "+33600000001", "first_name": "Known" }),
    )
    .await;
    let newsletter = create_category(&api, "Newsletter").await;

    let csv = "\u{feff}Phone,First_Name,last_name\r\n\
               +33612345678,Alice,Martin\r\n\
               0612345678,Bad,National\r\n\
               +33 6 00 00 00 01,Known,Again\r\n\
               \"+33 7 00 00 00 02\",\"Dupont, Jean\",\"Multi\nline\"\r\n\
               \r\n\
               ,Empty,Phone\r\n\
               +33612345678,Alice,Twice\r\n\
               +33abc,Letters,\r\n\
               +34600111222";
    let report = imported(&api, &format!("?category_id={newsletter}"), csv).await;
    assert_eq!(report["total"], 8, "{report}");
    assert_eq!(report["created"], 3, "{report}");
    assert_eq!(report["skipped"], 2, "{report}");
    assert_eq!(report["failed"], 3, "{report}");
    let lines: Vec<i64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            assert!(
                error["reason"].as_str().is_some_and(|r| !r.is_empty()),
                "{error}"
            );
            error["line"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(lines, [3, 8, 10], "{report}");

    let (_, alice) = call(api.get("/contacts?search=%2B33612345678")).await;
    assert_eq!(
        alice["items"][0]["last_name"], "Martin",
        "the first occurrence wins"
    );
    let (_, jean) = call(api.get("/contacts?search=%2B33700000002")).await;
    assert_eq!(jean["items"][0]["first_name"], "Dupont, Jean");
    assert_eq!(jean["items"][0]["last_name"], "Multi\nline");
    let (_, members) = call(api.get(&format!("/contacts?category_id={newsletter}"))).await;
    assert_eq!(
        members["total"], 4,
        "new and already known contacts join the category"
    );

    let parts =
        "country_code,phone_number,first_name\n33,06 11 11 11 11,Zoé\n34,600 222 333,\n0,1,Bad\n";
    let report = imported(&api, "", parts).await;
    assert_eq!(
        report,
        json!({ "total": 3, "created": 2, "skipped": 0, "failed": 1,
                "errors": [{ "line": 4, "reason": "country code must be 1 to 3 digits" }] })
    );
    let (_, zoe) = call(api.get("/contacts?search=zo%C3%A9")).await;
    assert_eq!(phones(&zoe), ["+33611111111"]);

    // R21: an optional time_zone column; a zone that is not one is a bad cell.
    let zoned = "phone,time_zone\n+33655555555,Europe/Paris\n+33666666666,\n+33677777777,Paris\n";
    let report = imported(&api, "", zoned).await;
    assert_eq!(
        (report["created"].as_i64(), report["failed"].as_i64()),
        (Some(2), Some(1)),
        "{report}"
    );
    assert_eq!(report["errors"][0]["line"], 4, "{report}");
    let (_, paris) = call(api.get("/contacts?search=%2B33655555555")).await;
    assert_eq!(paris["items"][0]["time_zone"], "Europe/Paris");
    let (_, none) = call(api.get("/contacts?search=%2B33666666666")).await;
    assert_eq!(none["items"][0]["time_zone"], Value::Null);

    let empty = imported(&api, "", "phone\n").await;
    assert_eq!(
        empty,
        json!({ "total": 0, "created": 0, "skipped": 0, "failed": 0, "errors": [] })
    );
    let invalid = (StatusCode::UNPROCESSABLE_ENTITY, "validation_error");
    let refused = [
        ("", "name,email\nJean,j@example.com\n", invalid),
        ("", "", invalid),
        (
            "?category_id=999999999",
            "phone\n+33612345670\n",
            (StatusCode::NOT_FOUND, "not_found"),
        ),
        ("?category_id=x", "phone\n", invalid),
    ];
    for (query, csv, (status, code)) in refused {
        assert_error(&import(&api, query, csv).await, status, code);
    }
}

#[tokio::test]
async fn a_csv_streamed_in_chunks_of_any_size_imports_the_same() {
    let (env, api) = start().await;
    let csv = "\u{feff}phone,first_name,last_name\r\n\
               +33612345678,\"Jean \"\"JJ\"\"\",\"Dupont\r\nde la Tour\"\r\n\
               \r\n\
               0612345678,Bad,National\r\n\
               +33612345678,Jean,Again\r\n\
               \"+34 600 111 222\",\"a,b\",\"\"\"quoted\"\"\"\n\
               not a phone,,\n\
               +49151000000,Last,Line";
    let expected = json!({
        "total": 6, "created": 3, "skipped": 1, "failed": 2,
        "errors": [
            { "line": 5, "reason": "phone number must be in international format, e.g. +33612345678" },
            { "line": 8, "reason": "phone number may only contain digits, spaces, dashes, dots and parentheses" },
        ],
    });
    for chunk in [1, 2, 3, 5, 8, 13, 64, 4096] {
        delete_all_contacts(&env).await;
        let (status, report) = import_in_chunks(&api, csv, chunk).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report, expected, "chunks of {chunk} bytes");
        let (_, jean) = call(api.get("/contacts?search=%2B33612345678")).await;
        assert_eq!(jean["items"][0]["first_name"], "Jean \"JJ\"");
        assert_eq!(jean["items"][0]["last_name"], "Dupont\r\nde la Tour");
        let (_, other) = call(api.get("/contacts?search=%2B34600111222")).await;
        assert_eq!(other["items"][0]["first_name"], "a,b");
        assert_eq!(other["items"][0]["last_name"], "\"quoted\"");
    }
}

#[tokio::test]
async fn a_hundred_thousand_rows_import_in_seconds_past_the_json_body_limit() {
    let (env, api) = start().await;
    let rows = 100_000;
    let mut csv = String::from("phone,first_name,last_name\n");
    for i in 0..rows {
        csv.push_str(&format!("+3361{i:07},First{i},Last{i}\n"));
    }
    assert!(
        csv.len() > 1024 * 1024,
        "bigger than the general body limit"
    );

    let started = Instant::now();
    let (status, report) = import(&api, "", csv).await;
    let elapsed = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report,
        json!({ "total": rows, "created": rows, "skipped": 0, "failed": 0, "errors": [] })
    );
    println!("imported {rows} rows in {elapsed:?}");
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    let (_, listed) = call(api.get("/contacts?size=1")).await;
    assert_eq!(listed["total"], rows);
    assert_eq!(listed["items"][0]["phone"], "+33610099999");

    let small = env
        .spawn_api_with(&[("MAX_IMPORT_BYTES", "1000")])
        .await
        .unwrap();
    let mut too_big = String::from("phone\n");
    while too_big.len() <= 1000 {
        too_big.push_str("+33612345678\n");
    }
    assert_error(
        &import(&small, "", too_big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

#[tokio::test]
async fn export_round_trips_through_import() {
    let (env, api) = start().await;
    let friends = create_category(&api, "Friends").await;
    create_contact(
        &api,
        json!({ "phone": "+33612345678", "first_name": "Jean, \"JJ\"", "last_name": "Dupont",
                "category_ids": [friends] }),
    )
    .await;
    create_contact(
        &api,
        json!({ "phone": "+34600111222", "first_name": "Élodie", "time_zone": "Europe/Madrid" }),
    )
    .await;
    let mut csv = String::from("phone,first_name,last_name\n");
    for i in 0..2_500 {
        csv.push_str(&format!("+4915100{i:05},Name{i},\n"));
    }
    let (status, report) = import(&api, "", csv).await;
    assert_eq!(
        (status, report["created"].as_i64()),
        (StatusCode::OK, Some(2_500))
    );

    let exported = export(&api, "").await;
    let lines: Vec<&str> = exported.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 2_502,
        "a header and every contact, across export pages"
    );
    assert_eq!(
        lines[0],
        "phone,first_name,last_name,whatsapp_verified,time_zone"
    );
    assert_eq!(lines[1], "+33612345678,\"Jean, \"\"JJ\"\"\",Dupont,,");
    assert_eq!(lines[2], "+34600111222,Élodie,,,Europe/Madrid");
    assert_eq!(lines[2_502], "+491510002499,Name2499,,,");

    let only_friends = export(&api, &format!("?category_id={friends}")).await;
    assert_eq!(only_friends.lines().count(), 2);

    let report = imported(&api, "", exported.clone()).await;
    assert_eq!(
        report,
        json!({ "total": 2_502, "created": 0, "skipped": 2_502, "failed": 0, "errors": [] })
    );
    delete_all_contacts(&env).await;
    let (_, report) = import(&api, "", exported.clone()).await;
    assert_eq!(report["created"], 2_502, "{report}");
    assert_eq!(
        export(&api, "").await,
        exported,
        "the round trip is lossless"
    );
}

/// Waits until the contact shows a WhatsApp check.
async fn verified(api: &TestApi, id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, contact) = call(api.get(&format!("/contacts/{id}"))).await;
        if !contact["whatsapp_verified"].is_null() {
            return contact;
        }
        assert!(Instant::now() < deadline, "contact {id} was never checked");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn whatsapp_checks_set_the_flag_and_its_time() {
    let (env, api) = start().await;
    let one = create_contact(&api, json!({ "phone": "+33612345678" })).await;
    let id = one["id"].as_i64().unwrap();

    let (status, checked) = call(api.post(&format!("/contacts/{id}/verify"))).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["whatsapp_verified"], true);
    assert!(checked["whatsapp_verified_at"].is_string(), "{checked}");
    let exported = export(&api, "").await;
    assert!(exported.contains("+33612345678,,,true,"), "{exported}");

    let mut ids = Vec::new();
    for phone in ["+34600111222", "+34600111333"] {
        let contact = create_contact(&api, json!({ "phone": phone })).await;
        ids.push(contact["id"].as_i64().unwrap());
    }
    let (status, accepted) = call(
        api.post("/contacts/verify")
            .json(&json!({ "contact_ids": ids })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    assert_eq!(accepted["accepted"], 2);
    // The checks run in the durable `VerifyNumbers` workflow: its result is the tally.
    let tally = env
        .client
        .get_workflow_handle::<campaign_workflows::VerifyNumbers>(
            accepted["workflow_id"].as_str().unwrap(),
        )
        .get_result(Default::default())
        .await
        .unwrap();
    assert_eq!(tally.on_whatsapp, 2, "{tally:?}");
    env.record_history(accepted["workflow_id"].as_str().unwrap(), "verify-numbers")
        .await;
    for id in &ids {
        let contact = verified(&api, *id).await;
        assert_eq!(contact["whatsapp_verified"], true, "{contact}");
        assert!(contact["whatsapp_verified_at"].is_string());
    }
    let answer = call(
        api.post("/contacts/verify")
            .json(&json!({ "contact_ids": [ids[0], 999_999_999] })),
    )
    .await;
    assert_error(&answer, StatusCode::CONFLICT, "unknown_reference");

    let unreachable = env
        .spawn_api_with(&[("WASSENGER_BASE_URL", "http://127.0.0.1:9")])
        .await
        .unwrap();
    let answer = call(unreachable.post(&format!("/contacts/{}/verify", ids[0]))).await;
    assert_error(&answer, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}
