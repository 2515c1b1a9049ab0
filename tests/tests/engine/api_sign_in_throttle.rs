//! Sign-in throttling (R22) through the real API and database, with clients on distinct
//! loopback addresses (127.0.0.2, 127.0.0.3, ...: all of 127/8 reaches the API on Linux): the
//! (email, address) pair that failed and an address failing on many emails are answered 429
//! with `Retry-After`, the right password included, while the owner signing in from another
//! address gets in.

use crate::api_audit::audit;
use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApi};
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// A client whose connections come from `127.0.0.{host}`.
fn client_from(host: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, host)))
        .build()
        .unwrap()
}

async fn sign_in(
    api: &TestApi,
    client: &reqwest::Client,
    path: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(api.url(path))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Asserts a 429 `too_many_attempts` and answers its `Retry-After`.
async fn throttled(response: reqwest::Response) -> u64 {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&response);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts", "{body}");
    assert!(body["error"]["message"].is_string());
    wait
}

#[tokio::test]
async fn repeated_failed_sign_ins_of_a_pair_are_throttled_until_the_delay_passes() {
    let env = TestEnv::start().await.unwrap();
    let api = env
        .spawn_api_with(&[
            ("SIGN_IN_FREE_ATTEMPTS", "3"),
            ("SIGN_IN_BASE_DELAY_SECS", "1"),
        ])
        .await
        .unwrap();
    let client = client_from(2);

    for _ in 0..3 {
        let wrong = sign_in(&api, &client, "/auth/login", ADMIN_EMAIL, "wrong password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    // Throttled on both routes, even with the right password, whatever the email's case.
    for (path, email) in [
        ("/auth/login", ADMIN_EMAIL.to_owned()),
        ("/auth/session", ADMIN_EMAIL.to_uppercase()),
    ] {
        let answer = sign_in(&api, &client, path, &email, ADMIN_PASSWORD).await;
        assert_eq!(throttled(answer).await, 1, "{path}");
    }

    tokio::time::sleep(Duration::from_millis(1100)).await;
    // One more failure doubles the delay.
    let wrong = sign_in(&api, &client, "/auth/login", ADMIN_EMAIL, "wrong password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let answer = sign_in(&api, &client, "/auth/login", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(throttled(answer).await, 2);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let good = sign_in(&api, &client, "/auth/login", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        good.status(),
        StatusCode::OK,
        "the owner gets in once it passed"
    );
    // The success reset the pair's count: a typo is a plain 401 again.
    let typo = sign_in(&api, &client, "/auth/login", ADMIN_EMAIL, "wrong password").await;
    assert_eq!(typo.status(), StatusCode::UNAUTHORIZED);

    let page = audit(&api, "action=auth.login_throttled").await;
    assert_eq!(page["total"], 3, "{page}");
    let row = &page["items"][0];
    assert_eq!(row["summary"]["scope"], "pair");
    assert_eq!(row["actor_label"], ADMIN_EMAIL);
    assert_eq!(row["client_addr"], "127.0.0.2");
    let failed = audit(
        &api,
        &format!("action=auth.login_failed&actor={ADMIN_EMAIL}"),
    )
    .await;
    assert_eq!(failed["total"], 5);
}

#[tokio::test]
async fn an_attacked_email_still_lets_its_owner_in_from_another_address() {
    let env = TestEnv::start().await.unwrap();
    // A delay far longer than the test: only the address decides who waits.
    let api = env
        .spawn_api_with(&[
            ("SIGN_IN_FREE_ATTEMPTS", "3"),
            ("SIGN_IN_BASE_DELAY_SECS", "60"),
        ])
        .await
        .unwrap();
    let (attacker, operator) = (client_from(2), client_from(3));

    for _ in 0..3 {
        let wrong = sign_in(&api, &attacker, "/auth/login", ADMIN_EMAIL, "guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let guess = sign_in(&api, &attacker, "/auth/login", ADMIN_EMAIL, "guess").await;
    assert_eq!(throttled(guess).await, 60);

    // The operator, from an address with no failures, gets in on both routes, and a typo of
    // theirs is an ordinary 401, while the attack goes on.
    for path in ["/auth/login", "/auth/session"] {
        let good = sign_in(&api, &operator, path, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(good.status(), StatusCode::OK, "{path}");
        let guess = sign_in(&api, &attacker, path, ADMIN_EMAIL, "guess").await;
        assert!(throttled(guess).await > 50, "{path}");
    }
    let typo = sign_in(&api, &operator, "/auth/login", ADMIN_EMAIL, "typo").await;
    assert_eq!(typo.status(), StatusCode::UNAUTHORIZED);

    // The attacker's pair stays throttled, right password included: the operator's successes
    // did not reset it, and its own attempts did not lengthen it.
    let right = sign_in(&api, &attacker, "/auth/login", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let wait = throttled(right).await;
    assert!((50..=60).contains(&wait), "{wait}");

    let page = audit(&api, "action=auth.login_throttled").await;
    assert_eq!(page["total"], 4, "{page}");
    for row in page["items"].as_array().unwrap() {
        assert_eq!(
            (&row["client_addr"], &row["summary"]["scope"]),
            (&json!("127.0.0.2"), &json!("pair"))
        );
    }
}

#[tokio::test]
async fn an_address_failing_on_many_emails_is_slowed_for_a_new_email_too() {
    let env = TestEnv::start().await.unwrap();
    let api = env
        .spawn_api_with(&[
            ("SIGN_IN_FREE_EMAILS_PER_ADDRESS", "4"),
            ("SIGN_IN_BASE_DELAY_SECS", "60"),
        ])
        .await
        .unwrap();
    let (sprayer, operator, neighbour) = (client_from(2), client_from(3), client_from(4));

    for n in 0..4 {
        let email = format!("guess{n}@example.com");
        let wrong = sign_in(&api, &sprayer, "/auth/login", &email, "Summer2026!").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    // A new email, even the right password of a real one: the address is slowed.
    let fresh = sign_in(&api, &sprayer, "/auth/login", "guess9@example.com", "x").await;
    assert_eq!(throttled(fresh).await, 60);
    let right = sign_in(&api, &sprayer, "/auth/session", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    throttled(right).await;
    let row = &audit(&api, "action=auth.login_throttled").await["items"][0];
    assert_eq!(row["summary"]["scope"], "address");

    // The emails sprayed are not locked for anyone else.
    let good = sign_in(&api, &operator, "/auth/login", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(good.status(), StatusCode::OK);
    let wrong = sign_in(&api, &neighbour, "/auth/login", "guess0@example.com", "x").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}
