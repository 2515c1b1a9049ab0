//! `/webhooks/meta` trusts nothing it cannot verify: a POST without the app secret's signature
//! of its exact bytes gets 401 and changes nothing, and the subscription handshake echoes the
//! challenge only to our verify token.

use super::{
    CAMPAIGN_TIMEOUT, eventually, interactions_with_id, message_1_by_contact, message_2_count,
    open_window, post_meta, quiet_engine, reply_event, wait_recorded,
};
use campaign_tests::TestEnv;
use campaign_tests::fixtures::quick_retry_settings;
use campaign_tests::provider::{META_VERIFY_TOKEN, Provider};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;

fn sign(body: &[u8]) -> String {
    campaign_provider::meta::sign(wa_sandbox::DEFAULT_META_APP_SECRET.as_bytes(), body)
}

#[tokio::test]
async fn unsigned_forged_or_altered_posts_get_401_and_record_nothing() {
    let (env, api) = quiet_engine(Provider::Meta).await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(10.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 1).await;
    let contact_id = contact_ids[0];
    let message_1 = message_1_by_contact(&env, campaign_id)
        .remove(&contact_id)
        .unwrap();
    open_window(&env, &message_1.phone);
    let id = "wamid.signed-reply";
    let body = reply_event(Provider::Meta, &message_1, id)
        .to_string()
        .into_bytes();
    let altered = String::from_utf8(body.clone())
        .unwrap()
        .replace("Oui !", "Non !")
        .into_bytes();
    assert_ne!(altered, body);
    let other_secret = campaign_provider::meta::sign(b"not-the-app-secret", &body);
    let hex = sign(&body);
    let refused: [(&str, Vec<u8>, Option<String>); 6] = [
        ("missing", body.clone(), None),
        ("another secret", body.clone(), Some(other_secret)),
        ("garbage", body.clone(), Some("sha256=not-hex".to_owned())),
        (
            "no prefix",
            body.clone(),
            Some(hex.trim_start_matches("sha256=").to_owned()),
        ),
        ("sha1", body.clone(), Some(hex.replace("sha256=", "sha1="))),
        ("changed body", altered, Some(hex.clone())),
    ];

    for (case, bytes, signature) in refused {
        assert_eq!(
            post_meta(&api, bytes, signature.as_deref()).await,
            StatusCode::UNAUTHORIZED,
            "{case}"
        );
    }

    assert_eq!(interactions_with_id(&env, id).await, 0);
    let interactions: i64 = sqlx::query_scalar("SELECT count(*) FROM interactions")
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    assert_eq!(interactions, 0, "a refused POST records nothing");
    assert_eq!(
        env.journey_state(campaign_id, contact_id).await,
        "awaiting_interaction"
    );
    assert_eq!(
        env.sandbox.accepted().len(),
        1,
        "no Message 2 from a forged reply"
    );

    // The same bytes, rightly signed, are the reply.
    assert_eq!(post_meta(&api, body, Some(&hex)).await, StatusCode::OK);
    eventually("a Message 2 for the signed reply", || async {
        (message_2_count(&env, campaign_id, contact_id) == 1).then_some(())
    })
    .await;
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(interactions_with_id(&env, id).await, 1);
    assert_eq!(message_2_count(&env, campaign_id, contact_id), 1);
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_only_to_our_verify_token() {
    let (_env, api) = quiet_engine(Provider::Meta).await;
    let handshake =
        |query: &[(&str, &str)]| api.http.get(api.url("/webhooks/meta")).query(query).send();

    let right = handshake(&[
        ("hub.mode", "subscribe"),
        ("hub.verify_token", META_VERIFY_TOKEN),
        ("hub.challenge", "1158201444"),
    ])
    .await
    .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(right.text().await.unwrap(), "1158201444");

    let wrong_token = format!("{META_VERIFY_TOKEN}x");
    let refused: [(&str, Vec<(&str, &str)>); 6] = [
        (
            "wrong token",
            vec![
                ("hub.mode", "subscribe"),
                ("hub.verify_token", wrong_token.as_str()),
                ("hub.challenge", "1158201444"),
            ],
        ),
        (
            "token prefix",
            vec![
                ("hub.mode", "subscribe"),
                ("hub.verify_token", &META_VERIFY_TOKEN[..4]),
                ("hub.challenge", "1158201444"),
            ],
        ),
        (
            "wrong mode",
            vec![
                ("hub.mode", "unsubscribe"),
                ("hub.verify_token", META_VERIFY_TOKEN),
                ("hub.challenge", "1158201444"),
            ],
        ),
        (
            "missing challenge",
            vec![
                ("hub.mode", "subscribe"),
                ("hub.verify_token", META_VERIFY_TOKEN),
            ],
        ),
        (
            "missing token",
            vec![("hub.mode", "subscribe"), ("hub.challenge", "1158201444")],
        ),
        (
            "missing mode",
            vec![
                ("hub.verify_token", META_VERIFY_TOKEN),
                ("hub.challenge", "1158201444"),
            ],
        ),
    ];
    for (case, query) in refused {
        let answer = handshake(&query).await.unwrap();
        assert_eq!(answer.status(), StatusCode::FORBIDDEN, "{case}");
        assert_ne!(answer.text().await.unwrap(), "1158201444", "{case}");
    }
}

/// Whatever the bytes, only their own signature lets them in: one flipped byte is a 401 before
/// any reading, while the exact bytes pass the check (and then are read: junk is a 400, never a
/// 401).
#[tokio::test(flavor = "multi_thread")]
async fn only_the_signature_of_the_exact_bytes_is_accepted() {
    let (_env, api) = quiet_engine(Provider::Meta).await;
    let runtime = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config::with_cases(32));
    let cases = (
        proptest::collection::vec(any::<u8>(), 1..512),
        any::<proptest::sample::Index>(),
    );
    runner
        .run(&cases, |(body, flip)| {
            let signature = sign(&body);
            let mut flipped = body.clone();
            flipped[flip.index(body.len())] ^= 0x01;
            let (forged, genuine) = tokio::task::block_in_place(|| {
                runtime.block_on(async {
                    (
                        post_meta(&api, flipped, Some(&signature)).await,
                        post_meta(&api, body.clone(), Some(&signature)).await,
                    )
                })
            });
            prop_assert_eq!(forged, StatusCode::UNAUTHORIZED);
            prop_assert_ne!(genuine, StatusCode::UNAUTHORIZED);
            Ok(())
        })
        .unwrap();
}
