//! The whole life of a campaign told through HTTP only (categories, contacts, campaign, launch,
//! Wassenger webhooks, statistics), against the running API, real Postgres, real Temporal and
//! the sandbox; and the webhook endpoint fed hundreds of malformed bodies.

use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, WEBHOOK_SECRET};
use campaign_workflows::ContactJourney;
use chrono::{DateTime, SecondsFormat, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use temporalio_client::WorkflowGetResultOptions;
use wa_sandbox::AcceptedRecord;

/// Generous: the Temporal server is shared with other tests and benchmarks.
const WAIT: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_millis(50);

/// The sending device, as Wassenger describes it in every event.
const DEVICE_ID: &str = "65f1c2a0d4e5f60718293a4b";
const DEVICE_PHONE: &str = "+34600000000";

const MESSAGE_1: &str = "Bonjour {first_name}, découvrez notre offre !";
const MESSAGE_2: &str = "Merci {first_name} ! Voici votre code : MERCI10";

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

/// Sends `request`, checks the status and returns the JSON body (`null` when empty).
async fn call(request: reqwest::RequestBuilder, expected: StatusCode) -> Value {
    let response = request.send().await.expect("the API answers");
    let status = response.status();
    let text = response.text().await.expect("a readable body");
    assert_eq!(status, expected, "unexpected answer: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
    }
}

/// Posts a webhook event with the secret header; the status and the JSON answer.
async fn post_webhook(api: &TestApi, event: &Value) -> (StatusCode, Value) {
    let response = api
        .http
        .post(api.url("/webhooks/wassenger"))
        .header("X-Webhook-Secret", WEBHOOK_SECRET)
        .json(event)
        .send()
        .await
        .expect("the API answers");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Posts a webhook the way Wassenger does: redelivered while the answer is 5xx.
async fn deliver(api: &TestApi, event: &Value) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = post_webhook(api, event).await;
        if status == StatusCode::OK {
            return body;
        }
        assert!(
            status.is_server_error() && Instant::now() < deadline,
            "webhook answered {status} {body} to {event}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Per-contact journeys of a campaign, by contact id.
async fn campaign_contacts(api: &TestApi, campaign_id: i64) -> BTreeMap<i64, Value> {
    let page = call(
        api.get(&format!("/campaigns/{campaign_id}/contacts?size=100")),
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            (
                item["contact_id"].as_i64().expect("contact_id"),
                item.clone(),
            )
        })
        .collect()
}

/// The Message 1 / Message 2 the sandbox accepted for this campaign, by contact id.
fn accepted(
    env: &TestEnv,
    campaign_id: i64,
    message_type: &str,
) -> HashMap<i64, Vec<AcceptedRecord>> {
    let mut by_contact: HashMap<i64, Vec<AcceptedRecord>> = HashMap::new();
    for record in env.sandbox.accepted() {
        let Some(reference) = record.reference.as_deref() else {
            continue;
        };
        if let Some((campaign, contact)) = campaign_tests::parse_reference(reference, message_type)
            && campaign == campaign_id
        {
            by_contact.entry(contact).or_default().push(record);
        }
    }
    by_contact
}

// ---------------------------------------------------------------------------------------------
// Wassenger-shaped events (as captured from Wassenger; see the sandbox's `webhook.rs`)
// ---------------------------------------------------------------------------------------------

fn wassenger_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..24].to_owned()
}

fn wa_id() -> String {
    format!(
        "3EB0{}",
        uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase()
    )
}

fn wid(phone: &str) -> String {
    format!("{}@c.us", phone.trim_start_matches('+'))
}

fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn envelope(event: &str, event_id: &str) -> Value {
    json!({
        "id": event_id,
        "object": "message",
        "event": event,
        "created": Utc::now().timestamp(),
        "device": {
            "id": DEVICE_ID,
            "phone": DEVICE_PHONE,
            "alias": "campaign-device",
            "plan": "io-professional",
        },
    })
}

/// The campaign message as an answer quotes it.
fn quoted(record: &AcceptedRecord) -> Value {
    json!({
        "id": record.id,
        "waId": record.wa_id,
        "type": "text",
        "flow": "outbound",
        "body": record.message,
        "reference": record.reference,
        "fromNumber": DEVICE_PHONE,
        "toNumber": record.phone,
        "date": rfc3339(record.accepted_at),
    })
}

/// What an inbound message carries besides its content.
enum Inbound {
    Text(&'static str),
    Image,
    Voice,
    Reaction(&'static str),
}

/// A `message:in:new` (or `message:reaction`) from `from_number` with provider id `id`, quoting
/// `quote` when given.
fn inbound(id: &str, from_number: &str, kind: Inbound, quote: Option<&AcceptedRecord>) -> Value {
    let event_name = match kind {
        Inbound::Reaction(_) => "message:reaction",
        _ => "message:in:new",
    };
    let now = Utc::now();
    let mut event = envelope(event_name, id);
    let mut data = json!({
        "id": id,
        "flow": "inbound",
        "status": "active",
        "ack": "delivered",
        "from": wid(from_number),
        "fromNumber": from_number,
        "to": wid(DEVICE_PHONE),
        "toNumber": DEVICE_PHONE,
        "date": rfc3339(now),
        "timestamp": now.timestamp(),
        "chat": { "id": wid(from_number), "type": "chat", "name": "Contact" },
        "meta": { "notifyName": "Contact" },
    });
    match kind {
        Inbound::Text(body) => {
            data["type"] = json!("text");
            data["body"] = json!(body);
        }
        Inbound::Reaction(emoji) => {
            data["type"] = json!("reaction");
            data["body"] = json!(emoji);
            data["reaction"] = json!(emoji);
        }
        Inbound::Image => {
            let file = wassenger_id();
            data["type"] = json!("image");
            data["body"] = json!("Look at this");
            data["media"] = json!({
                "id": file, "flow": "inbound", "mime": "image/jpeg", "size": 48_213,
                "filename": format!("{file}.jpeg"), "extension": "jpeg", "caption": "Look at this",
                "links": { "download": format!("/v1/chat/{DEVICE_ID}/files/{file}/download") },
            });
        }
        Inbound::Voice => {
            let file = wassenger_id();
            data["type"] = json!("ptt");
            data["body"] = json!("");
            data["media"] = json!({
                "id": file, "flow": "inbound", "mime": "audio/ogg; codecs=opus", "size": 9_310,
                "filename": format!("{file}.ogg"), "extension": "ogg", "caption": "",
                "format": "ptt", "meta": { "duration": 7 },
                "links": { "download": format!("/v1/chat/{DEVICE_ID}/files/{file}/download") },
            });
        }
    }
    if let Some(record) = quote {
        data["quoted"] = quoted(record);
    }
    event["data"] = data;
    event
}

/// A `message:out:ack` for a message the sandbox accepted.
fn ack(record: &AcceptedRecord, ack: &str) -> Value {
    let mut event = envelope("message:out:ack", &wa_id());
    event["ack"] = json!(ack);
    event["data"] = json!({
        "id": record.id,
        "waId": record.wa_id,
        "type": "text",
        "flow": "outbound",
        "status": "active",
        "ack": ack,
        "from": wid(DEVICE_PHONE),
        "fromNumber": DEVICE_PHONE,
        "to": wid(&record.phone),
        "toNumber": record.phone,
        "date": rfc3339(record.accepted_at),
        "timestamp": record.accepted_at.timestamp(),
        "body": record.message,
        "reference": record.reference,
        "chat": { "id": wid(&record.phone), "type": "chat", "name": "Contact" },
    });
    event
}

// ---------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_whole_story_through_http() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    only_posted_events_reach_the_api(&env);
    let (vip, newsletter) = create_categories(&api).await;
    let contacts = create_contacts(&api, vip, newsletter).await;
    membership_is_idempotent_and_phones_unique(&api, vip, newsletter, &contacts).await;
    let campaign_id = create_campaign(&api, vip, newsletter).await;
    launch_once(&api, campaign_id).await;
    let message_1 = every_contact_gets_message_1(&env, campaign_id, &contacts).await;
    let story = Story {
        env,
        api,
        campaign_id,
        contacts,
        message_1,
    };
    story.replies_quoting_message_1_within_the_window().await;
    story.a_voice_note_quoting_nothing().await;
    story.every_replier_gets_message_2().await;
    story.delivery_receipts().await;
    story.every_journey_ends().await;
    story.late_replies_are_recorded().await;
    let stats = story.the_campaign_completes().await;
    story.the_sandbox_saw_one_message_2_per_replier();
    the_statistics_count_the_story(&stats);
    story.each_journey_ends_as_its_contact_answered().await;
    story.the_message_statistics_count_the_story().await;
    story.todays_monitoring_counts_the_story().await;
}

/// Alice, Bruno, Chloé and Driss (indexes into the story's contacts): who answers in time.
const REPLIERS: [usize; 4] = [0, 1, 2, 3];

/// A contact of the story as the API created it.
struct Contact {
    id: i64,
    phone: String,
    /// Empty for the contact without a name.
    first_name: String,
}

/// What the steps after the launch share.
struct Story {
    env: TestEnv,
    api: TestApi,
    campaign_id: i64,
    contacts: Vec<Contact>,
    /// The Message 1 the sandbox accepted, by contact id.
    message_1: HashMap<i64, Vec<AcceptedRecord>>,
}

/// Turns off the sandbox's own acks and replies, so only the events this test posts reach the
/// API.
fn only_posted_events_reach_the_api(env: &TestEnv) {
    let mut behaviour = env.sandbox.behaviour();
    behaviour.webhook_url = None;
    behaviour.reply_probability = 0.0;
    env.sandbox.set_behaviour(behaviour);
}

/// Creates the two categories, VIP and Newsletter; their ids.
async fn create_categories(api: &TestApi) -> (i64, i64) {
    let vip = call(
        api.post("/categories")
            .json(&json!({ "name": "VIP", "color": "#d4af37" })),
        StatusCode::CREATED,
    )
    .await;
    let newsletter = call(
        api.post("/categories")
            .json(&json!({ "name": "Newsletter" })),
        StatusCode::CREATED,
    )
    .await;
    (
        vip["id"].as_i64().unwrap(),
        newsletter["id"].as_i64().unwrap(),
    )
}

/// Creates eight contacts, phones in both accepted forms, some put in their categories
/// afterwards; Emma and Driss are in both categories, the seventh has no name.
async fn create_contacts(api: &TestApi, vip: i64, newsletter: i64) -> Vec<Contact> {
    let people: [(Option<&str>, &str, Value, Vec<i64>); 8] = [
        (
            Some("Alice"),
            "+33611110001",
            json!({ "phone": "+33611110001", "first_name": "Alice", "last_name": "Martin", "category_ids": [vip] }),
            vec![],
        ),
        (
            Some("Bruno"),
            "+33611110002",
            json!({ "country_code": "33", "phone_number": "06 11 11 00 02", "first_name": "Bruno" }),
            vec![vip],
        ),
        (
            Some("Chloé"),
            "+33611110003",
            json!({ "phone": "+33611110003", "first_name": "Chloé", "category_ids": [vip] }),
            vec![],
        ),
        (
            Some("Driss"),
            "+33611110004",
            json!({ "country_code": "+33", "phone_number": "611110004", "first_name": "Driss", "category_ids": [vip, newsletter] }),
            vec![],
        ),
        (
            Some("Emma"),
            "+33611110005",
            json!({ "phone": "+33611110005", "first_name": "Emma" }),
            vec![vip, newsletter],
        ),
        (
            Some("Farid"),
            "+33611110006",
            json!({ "country_code": "33", "phone_number": "0611110006", "first_name": "Farid", "category_ids": [newsletter] }),
            vec![],
        ),
        (
            None,
            "+33611110007",
            json!({ "phone": "+33611110007", "category_ids": [newsletter] }),
            vec![],
        ),
        (
            Some("Hugo"),
            "+33611110008",
            json!({ "country_code": "33", "phone_number": "06.11.11.00.08", "first_name": "Hugo" }),
            vec![newsletter],
        ),
    ];
    let mut contacts = Vec::new();
    for (first_name, phone, body, add_to) in &people {
        let created = call(api.post("/contacts").json(body), StatusCode::CREATED).await;
        assert_eq!(created["phone"], *phone, "{body}");
        assert_eq!(created["first_name"].as_str(), *first_name);
        let id = created["id"].as_i64().unwrap();
        for category in add_to {
            let added = call(
                api.post(&format!("/categories/{category}/contacts"))
                    .json(&json!({ "contact_ids": [id] })),
                StatusCode::OK,
            )
            .await;
            assert_eq!(added["added"], 1);
        }
        contacts.push(Contact {
            id,
            phone: phone.to_string(),
            first_name: first_name.unwrap_or("").to_owned(),
        });
    }
    contacts
}

/// Adding a member again adds nothing, a duplicate phone is refused, and each category counts
/// its five contacts.
async fn membership_is_idempotent_and_phones_unique(
    api: &TestApi,
    vip: i64,
    newsletter: i64,
    contacts: &[Contact],
) {
    let again = call(
        api.post(&format!("/categories/{vip}/contacts"))
            .json(&json!({ "contact_ids": [contacts[1].id] })),
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["added"], 0);
    call(
        api.post("/contacts")
            .json(&json!({ "country_code": "33", "phone_number": "0611110001" })),
        StatusCode::CONFLICT,
    )
    .await;
    for category in [vip, newsletter] {
        let shown = call(api.get(&format!("/categories/{category}")), StatusCode::OK).await;
        assert_eq!(shown["contact_count"], 5, "{shown}");
    }
}

/// Creates the draft campaign aimed at both categories (eight distinct contacts), with a
/// 4-second window; its id.
async fn create_campaign(api: &TestApi, vip: i64, newsletter: i64) -> i64 {
    let campaign = call(
        api.post("/campaigns").json(&json!({
            "name": "Offre de printemps",
            "message_1": MESSAGE_1,
            "message_2": MESSAGE_2,
            "category_ids": [vip, newsletter],
            "settings": {
                "interaction_window_secs": 4,
                "send_interval_secs": 0,
                "batch_pause_secs": 0,
            },
        })),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(campaign["status"], "draft");
    campaign["id"].as_i64().unwrap()
}

/// Launches the campaign for its eight contacts; a second launch is refused.
async fn launch_once(api: &TestApi, campaign_id: i64) {
    let mut launched = call(
        api.post(&format!("/campaigns/{campaign_id}/send")),
        StatusCode::ACCEPTED,
    )
    .await;
    let estimate = launched["estimated_message_1_finish"].take();
    assert!(
        estimate
            .as_str()
            .is_some_and(|at| at.parse::<chrono::DateTime<chrono::Utc>>().is_ok()),
        "{estimate}"
    );
    assert_eq!(
        launched,
        json!({
            "campaign_id": campaign_id,
            "workflow_id": format!("campaign-{campaign_id}"),
            "total_contacts": 8,
            "opted_out_excluded": 0,
            "capped_excluded": 0,
            "estimated_message_1_finish": null,
            "finishes_after_cutoff": false,
        })
    );
    call(
        api.post(&format!("/campaigns/{campaign_id}/send")),
        StatusCode::CONFLICT,
    )
    .await;
}

/// Waits for every contact's one Message 1, personalised; they are returned by contact id.
async fn every_contact_gets_message_1(
    env: &TestEnv,
    campaign_id: i64,
    contacts: &[Contact],
) -> HashMap<i64, Vec<AcceptedRecord>> {
    let deadline = Instant::now() + WAIT;
    let message_1 = loop {
        let sent = accepted(env, campaign_id, "message_1");
        if sent.len() == contacts.len() {
            break sent;
        }
        assert!(
            Instant::now() < deadline,
            "only {} Message 1 accepted",
            sent.len()
        );
        tokio::time::sleep(POLL).await;
    };
    for Contact {
        id,
        phone,
        first_name,
    } in contacts
    {
        let records = &message_1[id];
        assert_eq!(records.len(), 1, "one Message 1 for {phone}");
        assert_eq!(&records[0].phone, phone);
        assert_eq!(
            records[0].message,
            format!("Bonjour {first_name}, découvrez notre offre !")
        );
    }
    message_1
}

/// The statistics of the finished campaign: its counters as the story left them.
fn the_statistics_count_the_story(stats: &Value) {
    assert!(stats["started_at"].is_string(), "{stats}");
    assert!(stats["completed_at"].is_string(), "{stats}");
    let counters: BTreeMap<&str, i64> = [
        "total_contacts",
        "messages_sent",
        "messages_delivered",
        "messages_read",
        "messages_failed",
        "interactions",
        "message_2_sent",
        "no_interaction",
        "late_interaction",
        "failed",
        "pending",
    ]
    .into_iter()
    .map(|name| (name, stats[name].as_i64().unwrap_or(-1)))
    .collect();
    let expected: BTreeMap<&str, i64> = [
        ("total_contacts", 8),
        ("messages_sent", 12),
        // Alice (read), Bruno, Chloé, Driss (read directly).
        ("messages_delivered", 4),
        ("messages_read", 2),
        ("messages_failed", 0),
        // Alice twice, Bruno once despite five deliveries, Chloé, Driss, Farid (late).
        ("interactions", 6),
        ("message_2_sent", 4),
        ("no_interaction", 3),
        ("late_interaction", 1),
        ("failed", 0),
        ("pending", 0),
    ]
    .into_iter()
    .collect();
    assert_eq!(counters, expected, "{stats}");
}

impl Story {
    /// The Message 1 accepted for the contact at `index`.
    fn m1(&self, index: usize) -> &AcceptedRecord {
        &self.message_1[&self.contacts[index].id][0]
    }

    /// Within the window, Alice answers with text, Bruno with an image (Wassenger delivers it
    /// five times), Driss reacts; all quote Message 1.
    async fn replies_quoting_message_1_within_the_window(&self) {
        let (api, contacts) = (&self.api, &self.contacts);
        let (status, answer) = post_webhook(
            api,
            &inbound(
                "wamid-story-alice-1",
                contacts[0].phone.trim_start_matches('+'),
                Inbound::Text("Oui, ça m'intéresse"),
                Some(self.m1(0)),
            ),
        )
        .await;
        assert_eq!(
            (status, &answer["status"]),
            (StatusCode::OK, &json!("signalled"))
        );
        let image = inbound(
            "wamid-story-bruno-1",
            &contacts[1].phone,
            Inbound::Image,
            Some(self.m1(1)),
        );
        let answers = futures::future::join_all((0..5).map(|_| post_webhook(api, &image))).await;
        for (status, answer) in &answers {
            assert_eq!(*status, StatusCode::OK, "{answer}");
            assert!(
                ["signalled", "recorded_late"].contains(&answer["status"].as_str().unwrap_or("")),
                "{answer}"
            );
        }
        let (status, answer) = post_webhook(
            api,
            &inbound(
                "wamid-story-driss-1",
                &contacts[3].phone,
                Inbound::Reaction("👍"),
                Some(self.m1(3)),
            ),
        )
        .await;
        assert_eq!(
            (status, &answer["status"]),
            (StatusCode::OK, &json!("signalled"))
        );
    }

    /// Chloé sends a voice note quoting nothing: it belongs to the latest Message 1 to her
    /// phone, once its sending is recorded.
    async fn a_voice_note_quoting_nothing(&self) {
        let chloe = &self.contacts[2];
        let deadline = Instant::now() + WAIT;
        while campaign_contacts(&self.api, self.campaign_id).await[&chloe.id]["message_1_sent_at"]
            .is_null()
        {
            assert!(
                Instant::now() < deadline,
                "Message 1 to Chloé never recorded"
            );
            tokio::time::sleep(POLL).await;
        }
        let (status, answer) = post_webhook(
            &self.api,
            &inbound("wamid-story-chloe-1", &chloe.phone, Inbound::Voice, None),
        )
        .await;
        assert_eq!(
            (status, &answer["status"]),
            (StatusCode::OK, &json!("signalled"))
        );
    }

    /// Waits until a Message 2 has left for each of the four repliers.
    async fn every_replier_gets_message_2(&self) {
        let deadline = Instant::now() + WAIT;
        while accepted(&self.env, self.campaign_id, "message_2").len() < REPLIERS.len() {
            assert!(Instant::now() < deadline, "Message 2 did not all leave");
            tokio::time::sleep(POLL).await;
        }
    }

    /// Delivery receipts for some Message 1s, one of them redelivered and one out of order.
    async fn delivery_receipts(&self) {
        let acks = [
            (0, "delivered", "status_updated"),
            (0, "read", "status_updated"),
            (0, "delivered", "status_unchanged"),
            (0, "read", "status_unchanged"),
            (1, "delivered", "status_updated"),
            (2, "delivered", "status_updated"),
            (3, "read", "status_updated"),
            (4, "sent", "status_unchanged"),
        ];
        for (index, status, expected) in acks {
            let answer = deliver(&self.api, &ack(self.m1(index), status)).await;
            assert_eq!(
                answer["status"], expected,
                "{status} ack for contact {index}"
            );
        }
    }

    /// Every journey ends (Temporal's word, not only the database's) before the late replies.
    async fn every_journey_ends(&self) {
        for contact in &self.contacts {
            let handle = self.env.client.get_workflow_handle::<ContactJourney>(
                campaign_domain::JourneyWorkflowId::new(self.campaign_id, contact.id).to_string(),
            );
            tokio::time::timeout(WAIT, handle.get_result(WorkflowGetResultOptions::default()))
                .await
                .expect("journey ended in time")
                .expect("journey succeeded");
        }
    }

    /// Farid answers after his window closed (twice delivered); Alice writes again after her
    /// Message 2: both are recorded, neither triggers anything.
    async fn late_replies_are_recorded(&self) {
        let late = inbound(
            "wamid-story-farid-late",
            self.contacts[5].phone.trim_start_matches('+'),
            Inbound::Text("Désolé, je n'avais pas vu"),
            Some(self.m1(5)),
        );
        for _ in 0..2 {
            let answer = deliver(&self.api, &late).await;
            assert_eq!(answer["status"], "recorded_late");
        }
        let answer = deliver(
            &self.api,
            &inbound(
                "wamid-story-alice-2",
                &self.contacts[0].phone,
                Inbound::Text("Merci !"),
                None,
            ),
        )
        .await;
        assert_eq!(answer["status"], "recorded_late");
    }

    /// Waits for the campaign workflow to finish and its statistics to say `completed`; those
    /// statistics.
    async fn the_campaign_completes(&self) -> Value {
        let campaign_id = self.campaign_id;
        self.env.campaign_result(campaign_id, WAIT).await.unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            let stats = call(
                self.api.get(&format!("/campaigns/{campaign_id}/stats")),
                StatusCode::OK,
            )
            .await;
            if stats["status"] == "completed" {
                break stats;
            }
            assert!(
                Instant::now() < deadline,
                "campaign never completed: {stats}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// What the sandbox saw: one Message 2 per replier, personalised; none for anyone else.
    fn the_sandbox_saw_one_message_2_per_replier(&self) {
        let message_2 = accepted(&self.env, self.campaign_id, "message_2");
        for (index, Contact { id, first_name, .. }) in self.contacts.iter().enumerate() {
            let sent = message_2.get(id).map(Vec::len).unwrap_or(0);
            if REPLIERS.contains(&index) {
                assert_eq!(sent, 1, "one Message 2 for {first_name}");
                assert_eq!(
                    message_2[id][0].message,
                    format!("Merci {first_name} ! Voici votre code : MERCI10")
                );
            } else {
                assert_eq!(sent, 0, "no Message 2 for contact {index}");
            }
        }
        assert_eq!(self.env.sandbox.accepted().len(), 12);
    }

    /// Per contact: each journey's final state and message statuses, the filter by state, and
    /// the campaign's final statistics.
    async fn each_journey_ends_as_its_contact_answered(&self) {
        let (api, campaign_id) = (&self.api, self.campaign_id);
        let journeys = campaign_contacts(api, campaign_id).await;
        assert_eq!(journeys.len(), 8);
        let expected_states = [
            ("message_2_sent", "read"),
            ("message_2_sent", "delivered"),
            ("message_2_sent", "delivered"),
            ("message_2_sent", "read"),
            ("no_interaction", "sent"),
            ("late_interaction", "sent"),
            ("no_interaction", "sent"),
            ("no_interaction", "sent"),
        ];
        for (index, (state, message_1_status)) in expected_states.iter().enumerate() {
            let Contact { id, phone, .. } = &self.contacts[index];
            let journey = &journeys[id];
            assert_eq!(journey["phone"], *phone);
            assert_eq!(journey["state"], *state, "contact {index}: {journey}");
            assert_eq!(
                journey["message_1_status"], *message_1_status,
                "contact {index}: {journey}"
            );
            assert!(journey["message_1_sent_at"].is_string(), "{journey}");
            let answered = REPLIERS.contains(&index) || index == 5;
            assert_eq!(
                journey["first_interaction_at"].is_string(),
                answered,
                "contact {index}: {journey}"
            );
            if REPLIERS.contains(&index) {
                assert_eq!(journey["message_2_status"], "sent", "{journey}");
            } else {
                assert_eq!(journey["message_2_status"], Value::Null, "{journey}");
            }
        }
        for (state, count) in [
            ("message_2_sent", 4),
            ("no_interaction", 3),
            ("late_interaction", 1),
            ("failed", 0),
        ] {
            let page = call(
                api.get(&format!("/campaigns/{campaign_id}/contacts?state={state}")),
                StatusCode::OK,
            )
            .await;
            assert_eq!(page["total"], count, "{state}: {page}");
        }
        let shown = call(
            api.get(&format!("/campaigns/{campaign_id}")),
            StatusCode::OK,
        )
        .await;
        assert_eq!(shown["status"], "completed");
        assert!(shown["final_stats"].is_object(), "{shown}");
        assert_eq!(shown["final_stats"]["message_2_sent"], 4, "{shown}");
    }

    /// Messages: every one of this database is this campaign's, and the Message 2s went to the
    /// repliers.
    async fn the_message_statistics_count_the_story(&self) {
        let (api, campaign_id) = (&self.api, self.campaign_id);
        let expected_messages = json!({
            "total": 12,
            "sent": 8,
            "delivered": 2,
            "read": 2,
            "failed": 0,
            "pending": 0,
            "success_rate": 100.0,
            "delivery_rate": 33.33,
            "read_rate": 16.67,
        });
        for path in [
            "/messages/stats".to_owned(),
            format!("/messages/stats?campaign_id={campaign_id}"),
        ] {
            let message_stats = call(api.get(&path), StatusCode::OK).await;
            assert_eq!(message_stats, expected_messages, "{path}");
        }
        let seconds = call(
            api.get(&format!(
                "/messages?campaign_id={campaign_id}&message_type=message_2&size=100"
            )),
            StatusCode::OK,
        )
        .await;
        assert_eq!(seconds["total"], 4, "{seconds}");
        let mut recipients: Vec<i64> = seconds["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["contact_id"].as_i64().unwrap())
            .collect();
        recipients.sort_unstable();
        let mut expected_recipients: Vec<i64> =
            REPLIERS.iter().map(|&i| self.contacts[i].id).collect();
        expected_recipients.sort_unstable();
        assert_eq!(recipients, expected_recipients);
    }

    /// Today's monitoring: the same twelve sends, four of eight contacts answered in time.
    async fn todays_monitoring_counts_the_story(&self) {
        let daily = call(self.api.get("/monitoring/daily"), StatusCode::OK).await;
        assert_eq!(
            daily["date"],
            Utc::now().date_naive().to_string(),
            "{daily}"
        );
        for (field, value) in [
            ("sent", json!(12)),
            ("message_1", json!(8)),
            ("message_2", json!(4)),
            ("errors", json!(0)),
            ("limit", json!(1000)),
            ("remaining", json!(988)),
            ("level", json!("ok")),
            ("interaction_rate", json!(50.0)),
            ("sending_paused_until", Value::Null),
        ] {
            assert_eq!(daily[field], value, "{field}: {daily}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed webhooks
// ---------------------------------------------------------------------------------------------

/// Keys Wassenger events use, so random objects sometimes hit the fields the bridge reads.
const KNOWN_KEYS: &[&str] = &[
    "event",
    "data",
    "id",
    "type",
    "flow",
    "fromNumber",
    "toNumber",
    "body",
    "ack",
    "timestamp",
    "created",
    "quoted",
    "reference",
    "device",
    "date",
    "media",
    "reaction",
];

const EVENT_NAMES: &[&str] = &[
    "message:in:new",
    "message:reaction",
    "message:out:ack",
    "message:update",
    "message:out:failed",
    "message:in:ack",
    "device:status",
    "",
];

fn pick<'a>(rng: &mut StdRng, choices: &[&'a str]) -> &'a str {
    choices[rng.random_range(0..choices.len())]
}

fn random_char(rng: &mut StdRng) -> char {
    match rng.random_range(0..24) {
        0 => '\0',
        1 => char::from(rng.random_range(1u8..32)),
        2 => [
            'é',
            '😀',
            '中',
            '\u{202e}',
            '\u{feff}',
            '\u{ffff}',
            '\u{10ffff}',
        ][rng.random_range(0..7)],
        3 => ['"', '\\', '{', '}', '[', ']', '+', '\'', '%'][rng.random_range(0..9)],
        4..=7 => rng.random_range('0'..='9'),
        _ => rng.random_range('a'..='z'),
    }
}

fn random_string(rng: &mut StdRng) -> String {
    let len = match rng.random_range(0..12) {
        0 => 0,
        1..=7 => rng.random_range(1..40),
        8..=10 => rng.random_range(40..6_000),
        _ => rng.random_range(6_000..150_000),
    };
    (0..len).map(|_| random_char(rng)).collect()
}

fn random_number(rng: &mut StdRng) -> Value {
    match rng.random_range(0..8) {
        0 => json!(0),
        1 => json!(-1),
        2 => json!(i64::MAX),
        3 => json!(i64::MIN),
        4 => json!(u64::MAX),
        5 => json!(rng.random::<f64>() * 1e300),
        6 => json!(-rng.random::<f64>()),
        _ => json!(rng.random::<i64>()),
    }
}

/// Any JSON value, nested up to `depth`.
fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    if depth == 0 || rng.random_bool(0.4) {
        return match rng.random_range(0..7) {
            0 => Value::Null,
            1 => json!(rng.random_bool(0.5)),
            2 | 3 => random_number(rng),
            _ => json!(random_string(rng)),
        };
    }
    if rng.random_bool(0.35) {
        Value::Array(
            (0..rng.random_range(0..5))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        )
    } else {
        let mut object = Map::new();
        for _ in 0..rng.random_range(0..7) {
            let key = if rng.random_bool(0.6) {
                pick(rng, KNOWN_KEYS).to_owned()
            } else {
                random_string(rng)
            };
            object.insert(key, random_json(rng, depth - 1));
        }
        Value::Object(object)
    }
}

/// A phone no contact has (the database of this test has no contacts at all).
fn stranger_phone(rng: &mut StdRng) -> String {
    format!(
        "{}4915{:09}",
        if rng.random_bool(0.5) { "+" } else { "" },
        rng.random_range(0..1_000_000_000u64)
    )
}

/// A well-formed event of some kind that belongs to no journey: strangers' phones, references
/// that are not Message 1 references, message ids nothing was sent with.
fn valid_event(rng: &mut StdRng, n: usize) -> Value {
    let phone = stranger_phone(rng);
    let id = format!("fuzz-{n}-{}", wassenger_id());
    let record = AcceptedRecord {
        id: id.clone(),
        wa_id: wa_id(),
        phone: phone.clone(),
        message: "Bonjour".to_owned(),
        reference: Some(format!("fuzz-ref-{n}")),
        accepted_at: Utc::now(),
        ..AcceptedRecord::default()
    };
    match rng.random_range(0..9) {
        0 => inbound(&id, &phone, Inbound::Text("Oui"), Some(&record)),
        1 => inbound(&id, &phone, Inbound::Text("Oui"), None),
        2 => inbound(&id, &phone, Inbound::Image, Some(&record)),
        3 => inbound(&id, &phone, Inbound::Voice, None),
        4 => inbound(&id, &phone, Inbound::Reaction("❤️"), Some(&record)),
        5 => ack(
            &record,
            pick(
                rng,
                &["sent", "delivered", "read", "played", "failed", "pending"],
            ),
        ),
        6 => {
            let mut event = ack(&record, "read");
            event["event"] = json!("message:update");
            event
        }
        7 => {
            let mut event = ack(&record, "failed");
            event["event"] = json!("message:out:failed");
            event
        }
        _ => {
            let mut event = envelope("device:status", &id);
            event["data"] = json!({ "status": "online", "phone": DEVICE_PHONE });
            event
        }
    }
}

/// A replacement for a field: the wrong type, a huge string, nested garbage.
fn retyped(rng: &mut StdRng) -> Value {
    match rng.random_range(0..8) {
        0 => random_number(rng),
        1 => json!(rng.random_bool(0.5)),
        2 => Value::Null,
        3 => json!([random_json(rng, 2)]),
        4 => random_json(rng, 4),
        5 => json!("x".repeat(rng.random_range(10_000..200_000))),
        6 => json!(random_string(rng)),
        _ => json!({ "garbage": random_json(rng, 3), "id": random_number(rng) }),
    }
}

/// One random change to an event: a field of the envelope, of `data` or of `data.quoted`
/// removed or replaced.
fn mutate(rng: &mut StdRng, event: &mut Value) {
    let target = match rng.random_range(0..3) {
        0 => Some(&mut *event),
        1 => event.get_mut("data"),
        _ => event
            .get_mut("data")
            .and_then(|data| data.get_mut("quoted")),
    };
    let Some(Value::Object(object)) = target else {
        *event = retyped(rng);
        return;
    };
    let keys: Vec<String> = object.keys().cloned().collect();
    let key = if keys.is_empty() || rng.random_bool(0.1) {
        pick(rng, KNOWN_KEYS).to_owned()
    } else {
        keys[rng.random_range(0..keys.len())].clone()
    };
    if rng.random_bool(0.35) {
        object.remove(&key);
    } else {
        object.insert(key, retyped(rng));
    }
}

/// Bodies picked by hand, for the edges random generation reaches only by luck.
fn edge_cases() -> Vec<Vec<u8>> {
    let stranger = "+491500000001";
    let text = |id: &str, body: &str| {
        serde_json::to_vec(
            &inbound(id, stranger, Inbound::Text("x"), None).tap(|event| {
                event["data"]["body"] = json!(body);
            }),
        )
        .unwrap()
    };
    let mut rng = StdRng::seed_from_u64(7);
    let long_id: String = (0..5_000)
        .map(|_| rng.random_range('!'..='~'))
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    let record = AcceptedRecord {
        id: "fuzz-ack\u{0}nul".to_owned(),
        wa_id: wa_id(),
        phone: stranger.to_owned(),
        message: "Bonjour".to_owned(),
        reference: Some("fuzz-ref-nul".to_owned()),
        accepted_at: Utc::now(),
        ..AcceptedRecord::default()
    };
    let with_timestamp = |timestamp: Value| {
        serde_json::to_vec(
            &inbound(&wassenger_id(), stranger, Inbound::Text("x"), None).tap(|event| {
                event["data"]["timestamp"] = timestamp.clone();
                event["created"] = timestamp;
            }),
        )
        .unwrap()
    };
    vec![
        Vec::new(),
        b"null".to_vec(),
        b"{}".to_vec(),
        b"\"message:in:new\"".to_vec(),
        b"{\"event\": \"message:in:new\", \"data\": []}".to_vec(),
        b"{\"event\": \"message:in:new\", \"data\": {\"id\": \"\\ud800\"}}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"{\"event\": \"message:in:new\", \"data\": {\"id\": \"a\xff\xfe\"}}".to_vec(),
        "[".repeat(100_000).into_bytes(),
        format!("{}{}", "{\"a\":".repeat(10_000), "1").into_bytes(),
        format!("{{\"event\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)).into_bytes(),
        text("fuzz-nul-body", "a\u{0}b"),
        text("fuzz-nul-id\u{0}", "hello"),
        text(&long_id, "hello"),
        serde_json::to_vec(&ack(&record, "delivered")).unwrap(),
        with_timestamp(json!(i64::MAX)),
        with_timestamp(json!(i64::MIN)),
        with_timestamp(json!(1e300)),
        with_timestamp(json!(-62_135_596_800_i64 * 10)),
        with_timestamp(json!("2024-01-01T00:00:00Z")),
        serde_json::to_vec(&inbound(
            "fuzz-phone-long",
            &"9".repeat(10_000),
            Inbound::Voice,
            None,
        ))
        .unwrap(),
        serde_json::to_vec(&inbound("fuzz-phone-empty", "", Inbound::Voice, None)).unwrap(),
        serde_json::to_vec(&inbound("fuzz-phone-plus", "+", Inbound::Voice, None)).unwrap(),
    ]
}

/// `tap` for building a variant of a value in one expression.
trait Tap: Sized {
    fn tap(self, change: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Value {
    fn tap(mut self, change: impl FnOnce(&mut Self)) -> Self {
        change(&mut self);
        self
    }
}

/// Up to 300 bodies: the edge cases, then in turn an arbitrary JSON value (often an object with
/// a known `event`), random bytes, and a valid event with fields removed or retyped.
fn malformed_bodies() -> Vec<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(0x5eed_cafe);
    let mut bodies = edge_cases();
    let mut n = 0;
    while bodies.len() < 300 {
        n += 1;
        let body = match n % 3 {
            0 => {
                let value = if rng.random_bool(0.5) {
                    json!({ "event": pick(&mut rng, EVENT_NAMES), "data": random_json(&mut rng, 4) })
                } else {
                    random_json(&mut rng, 4)
                };
                serde_json::to_vec(&value).unwrap()
            }
            1 => {
                let mut bytes = if rng.random_bool(0.5) {
                    format!(
                        "{{\"event\": \"{}\", \"data\": ",
                        pick(&mut rng, EVENT_NAMES)
                    )
                    .into_bytes()
                } else {
                    Vec::new()
                };
                let len = rng.random_range(0..2_000);
                bytes.extend((0..len).map(|_| rng.random::<u8>()));
                bytes
            }
            _ => {
                let mut event = valid_event(&mut rng, n);
                for _ in 0..rng.random_range(1..=4) {
                    mutate(&mut rng, &mut event);
                }
                serde_json::to_vec(&event).unwrap()
            }
        };
        bodies.push(body);
    }
    bodies
}

/// Any JSON value, from proptest's strategies: scalars of every type, strings of any Unicode
/// characters (NUL included), nested arrays and objects whose keys are often the ones the
/// bridge reads.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KNOWN_KEYS).prop_map(str::to_owned),
                        any::<String>()
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Webhook bodies generated by proptest: random bytes, arbitrary JSON, and events of every
/// known name whose `data` is arbitrary JSON.
fn proptest_bodies(count: usize) -> Vec<Vec<u8>> {
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2_048),
        arbitrary_json().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        (proptest::sample::select(EVENT_NAMES), arbitrary_json()).prop_map(|(event, data)| {
            serde_json::to_vec(&json!({ "event": event, "data": data })).unwrap()
        }),
    ];
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]).into_owned();
    if bytes.len() > 400 {
        format!("{text}... ({} bytes)", bytes.len())
    } else {
        text
    }
}

#[tokio::test]
async fn malformed_webhook_bodies_never_get_a_5xx() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let url = api.url("/webhooks/wassenger");
    let mut bodies = malformed_bodies();
    assert_eq!(bodies.len(), 300);
    bodies.extend(proptest_bodies(300));

    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (case, body) in bodies.iter().enumerate() {
        let answer = api
            .http
            .post(&url)
            .header("X-Webhook-Secret", WEBHOOK_SECRET)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match answer {
            Ok(response) => {
                let status = response.status();
                *statuses.entry(status.as_u16()).or_default() += 1;
                if !(status.is_success() || status.is_client_error()) {
                    let answer = response.text().await.unwrap_or_default();
                    failures.push(format!(
                        "case {case}: {status} {answer} <- {}",
                        excerpt(body)
                    ));
                }
            }
            Err(err) => failures.push(format!(
                "case {case}: no answer ({err}) <- {}",
                excerpt(body)
            )),
        }
    }
    eprintln!("statuses: {statuses:?}");

    // The server still answers, and its dependencies are still there (the shared Temporal
    // server may be slow to answer a health probe, hence a few tries).
    let mut health = Value::Null;
    for _ in 0..20 {
        let response = api
            .http
            .get(api.url("/health"))
            .send()
            .await
            .expect("the API still answers /health");
        let status = response.status();
        health = response.json().await.expect("health answers JSON");
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["database"], "up", "{health}");
    // Nothing reached a journey: no campaign exists, and every interaction kept is a stranger's.
    let interactions: Vec<Option<i64>> = sqlx::query_scalar("SELECT campaign_id FROM interactions")
        .fetch_all(env.store.pool())
        .await
        .unwrap();
    assert!(interactions.iter().all(Option::is_none));

    assert!(
        failures.is_empty(),
        "{} of {} bodies got no 2xx/4xx answer:\n{}",
        failures.len(),
        bodies.len(),
        failures.join("\n")
    );
}
