//! A/B variants of Message 1 (R25) on both providers: each contact's variant is recorded on its
//! journey and message and is what the provider received, a relaunch gives every contact the
//! variant it had, and the comparison counts each variant. Real Temporal, real Postgres, the
//! sandbox speaking each provider's API.

use crate::meta::{CAMPAIGN_TIMEOUT, quiet_engine};
use campaign_tests::TestEnv;
use campaign_tests::api::call;
use campaign_tests::fixtures::unpaced_settings;
use campaign_tests::provider::{Provider, spring_offer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Two variants, half and half: texts on Wassenger, the French and English `spring_offer`
/// templates on Meta.
fn two_variants(provider: Provider) -> Value {
    match provider {
        Provider::Wassenger => json!([
            {"message_1": "Variant A for {first_name}", "weight": 50},
            {"message_1": "Variant B for {first_name}", "weight": 50},
        ]),
        Provider::Meta => {
            let mut english = spring_offer();
            english.language = "en".to_owned();
            json!([
                {"message_1_template": spring_offer(), "weight": 50},
                {"message_1_template": english, "weight": 50},
            ])
        }
    }
}

/// Each contact's variant as its journey records it; the message must record the same.
async fn variants_of(env: &TestEnv, campaign_id: i64) -> BTreeMap<i64, String> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT j.contact_id, j.variant, m.variant FROM journeys j LEFT JOIN messages m \
         ON m.campaign_id = j.campaign_id AND m.contact_id = j.contact_id \
         AND m.message_type = 'message_1' WHERE j.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(contact, journey, message)| {
            assert_eq!(journey, message, "contact {contact}");
            (contact, journey.expect("a variant on every journey"))
        })
        .collect()
}

#[tokio::test]
async fn each_contact_keeps_its_variant_through_a_relaunch() {
    for provider in Provider::ALL {
        variants_survive_a_relaunch(provider).await;
    }
}

async fn variants_survive_a_relaunch(provider: Provider) {
    let (env, api) = quiet_engine(provider).await;
    let mut settings = unpaced_settings(1.0);
    settings["frequency_cap"] = Value::Null;
    let (campaign_id, contacts) = env.draft_campaign(20, settings).await.unwrap();
    let (status, draft) = call(
        api.put(&format!("/campaigns/{campaign_id}"))
            .json(&json!({"message_1_variants": two_variants(provider)})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["message_1_variants"][1]["variant"], json!("B"));
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let first = variants_of(&env, campaign_id).await;
    assert_eq!(first.len(), contacts.len(), "{provider:?}");
    let per_variant = |variant: &str| first.values().filter(|v| *v == variant).count();
    assert!(per_variant("A") > 0 && per_variant("B") > 0, "{first:?}");
    for (&contact, variant) in &first {
        let phone = env.phone_of(contact).await;
        let sent = env.sandbox.accepted_for(&phone);
        assert_eq!(sent.len(), 1, "contact {contact}");
        let expected = match (provider, variant.as_str()) {
            (Provider::Wassenger, "A") => "Variant A for",
            (Provider::Wassenger, _) => "Variant B for",
            (Provider::Meta, "A") => "Bonjour",
            (Provider::Meta, _) => "Hi ",
        };
        assert!(
            sent[0].message.starts_with(expected),
            "{provider:?}: contact {contact} got {:?} as {variant}",
            sent[0].message
        );
    }

    let (_, comparison) = call(api.get(&format!("/campaigns/{campaign_id}/variants"))).await;
    let counted: Vec<i64> = comparison["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| variant["message_1_sent"].as_i64().unwrap())
        .collect();
    assert_eq!(
        counted,
        [per_variant("A") as i64, per_variant("B") as i64],
        "{comparison}"
    );
    assert_eq!(comparison["still_to_hear_from"], json!(0), "{comparison}");
    assert_eq!(
        comparison["winner"],
        Value::Null,
        "no replies: {comparison}"
    );

    let again = env
        .engine()
        .relaunch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.campaign_result(again.campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        variants_of(&env, again.campaign_id).await,
        first,
        "{provider:?}"
    );
}
