//! Chaos: a campaign run through the HTTP API while its processes crash, to prove nothing is
//! lost — every contact gets exactly one Message 1, every reply inside its window exactly one
//! Message 2, every reply is stored once with its campaign, and the statistics add up.
//!
//! The test owns everything it kills (its own Postgres cluster, Temporal server, provider, two
//! worker processes and the API process, see `campaign_tests::chaos`), so no other test's engine
//! is touched, and it runs alone (`campaign_tests::isolation`). With `CHAOS_TEMPORAL=postgres`
//! (`make chaos TEMPORAL=postgres`) the Temporal server is the full server on Postgres of
//! `scripts/temporal-postgres.sh`, killed and restarted through that script, with three workers
//! and two APIs as in `make stack`. While Message 1s go out and
//! phones reply, it SIGKILLs workers (each replaced at once), the Temporal server, the API, and
//! crashes Postgres, each restarted; then it waits for the campaign to complete and reports every
//! broken rule with its offenders, and the run's figures.
//!
//! The short form runs by default (`make test`), on Wassenger and on Meta's Cloud API (Message 1
//! as the sandbox's approved template, signed webhooks, the window Message 2 needs); `make chaos`
//! runs the long form (`CHAOS_CONTACTS`, `CHAOS_WORKER_KILLS`, `CHAOS_WINDOW_SECS`, `CHAOS_SEED`).

use campaign_tests::chaos::faults::{self, FaultCounts};
use campaign_tests::chaos::phones::{self, Phones, PhonesConfig};
use campaign_tests::chaos::verdict::{self, Evidence, Figures};
use campaign_tests::chaos::{ChaosSize, Rig};
use campaign_tests::provider::{Provider, spring_offer};
use campaign_tests::{MESSAGE_1_TEXT, MESSAGE_2_TEXT};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// Journeys sending Message 1 at once: few, so that sending lasts long enough for the faults to
/// land while sends are in flight.
const MAX_IN_FLIGHT: u32 = 8;
/// The shortest send attempt the API allows.
const SEND_TIMEOUT_SECS: u32 = 10;
/// Retries within a second, so a fault costs seconds, not minutes.
const RETRY_BASE_DELAY_SECS: f64 = 0.5;
/// How long the campaign may take beyond its windows, outages included.
const BASE_TIMEOUT: Duration = Duration::from_secs(600);
/// ... plus this per contact.
const TIMEOUT_PER_CONTACT: Duration = Duration::from_secs(2);
/// Every journey final but the campaign not completed for this long: stop waiting.
const STUCK_GRACE: Duration = Duration::from_secs(60);
/// How often the waiting loop prints progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_lost_when_workers_temporal_postgres_and_the_api_crash() {
    chaos_run(Provider::Wassenger).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_lost_on_meta_when_workers_temporal_postgres_and_the_api_crash() {
    chaos_run(Provider::Meta).await;
}

async fn chaos_run(provider: Provider) {
    let size = ChaosSize::from_env().unwrap();
    eprintln!("chaos: {provider:?} {size:?}");
    let mut rig = Rig::start_on(size.clone(), provider).await.unwrap();
    let (workers, apis) = rig.server.shape();
    eprintln!(
        "chaos: Temporal {:?} at {}, {workers} workers, {apis} API processes",
        rig.server,
        rig.temporal_address()
    );
    let token = rig.login().await.unwrap();
    if provider == Provider::Meta {
        let (status, synced) = rig
            .call(Method::POST, "/templates/sync", Some(&token), None)
            .await
            .unwrap();
        assert!(status.is_success(), "catalog read: {status} {synced}");
    }
    let (category_id, contacts) = create_contacts(&rig, &token, size.contacts).await;
    let phones = start_phones(&rig, &contacts, &size).unwrap();
    let campaign_id = create_campaign(&rig, &token, category_id, &size).await;

    let (status, launched) = rig
        .call(
            Method::POST,
            &format!("/campaigns/{campaign_id}/send"),
            Some(&token),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{launched}");
    rig.faults
        .note(format_args!("campaign {campaign_id} launched"));
    rig.inject_while_sending(&faults::schedule(size.worker_kills))
        .await
        .unwrap();
    rig.faults
        .note("every fault injected; waiting for the campaign");
    wait_until_finished(&rig, campaign_id, &phones, timeout(&size)).await;
    phones.stop();

    let evidence = Evidence::gather(
        &rig.store,
        campaign_id,
        size.window,
        contacts,
        rig.sandbox.accepted(),
        phones.replies(),
        provider == Provider::Wassenger,
    )
    .await
    .unwrap();
    let checks = verdict::judge(&evidence);
    let self_exits = rig.fleet.self_exits().await;
    eprintln!("chaos: faults\n  {}", rig.faults.entries().join("\n  "));
    eprintln!(
        "chaos: checks\n{}",
        checks
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{}",
        figures_line(
            &Figures::of(&evidence),
            rig.faults.counts,
            &self_exits,
            rig.started
        )
    );
    let message_1_accepted: Vec<_> = rig
        .sandbox
        .accepted()
        .iter()
        .filter(|record| {
            record
                .reference
                .as_deref()
                .is_some_and(|reference| reference.ends_with("-message_1"))
        })
        .map(|record| record.accepted_at)
        .collect();
    eprintln!(
        "chaos: recoveries\n  {}",
        rig.faults
            .recoveries
            .iter()
            .map(|recovery| recovery.describe(&message_1_accepted))
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    let failed: Vec<&str> = checks
        .iter()
        .filter(|check| !check.passed())
        .map(|check| check.rule)
        .collect();
    assert!(
        failed.is_empty(),
        "chaos: broken rules (offenders above): {failed:#?}"
    );
}

/// A category and `count` contacts in it, created through the API; phone by contact id.
async fn create_contacts(rig: &Rig, token: &str, count: usize) -> (i64, BTreeMap<i64, String>) {
    let (status, category) = rig
        .call(
            Method::POST,
            "/categories",
            Some(token),
            Some(&json!({ "name": "chaos" })),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{category}");
    let category_id = category["id"].as_i64().expect("a category id");
    let mut contacts = BTreeMap::new();
    for index in 0..count {
        let phone = format!("+336{:08}", 10_000_000 + index);
        let body = json!({
            "phone": phone,
            "first_name": format!("Contact{index}"),
            "category_ids": [category_id],
        });
        let (status, contact) = rig
            .call(Method::POST, "/contacts", Some(token), Some(&body))
            .await
            .unwrap();
        assert_eq!(status, StatusCode::CREATED, "{contact}");
        contacts.insert(contact["id"].as_i64().expect("a contact id"), phone);
    }
    (category_id, contacts)
}

/// The phones of `contacts`, each replying (or not) as its seeded plan says.
fn start_phones(
    rig: &Rig,
    contacts: &BTreeMap<i64, String>,
    size: &ChaosSize,
) -> anyhow::Result<Phones> {
    let plans: HashMap<String, phones::ReplyPlan> = contacts
        .values()
        .cloned()
        .zip(phones::reply_plans(contacts.len(), size.seed))
        .collect();
    Phones::start(PhonesConfig {
        sandbox_url: rig.sandbox.base_url.clone(),
        provider: rig.provider,
        webhook_urls: rig.webhook_urls(),
        webhook_secret: rig.webhook_secret(),
        device_phone: wa_sandbox::DEFAULT_DEVICE_PHONE.to_owned(),
        window: size.window,
        plans,
    })
}

/// A draft aimed at the category: the run's window, no pacing, short attempts and retries; on
/// Meta, Message 1 is the sandbox's approved `spring_offer` template.
async fn create_campaign(rig: &Rig, token: &str, category_id: i64, size: &ChaosSize) -> i64 {
    let mut body = json!({
        "name": "Chaos campaign",
        "message_1": MESSAGE_1_TEXT,
        "message_2": MESSAGE_2_TEXT,
        "category_ids": [category_id],
        "settings": {
            "interaction_window_secs": size.window.as_secs_f64(),
            "send_interval_secs": 0,
            "batch_pause_secs": 0,
            "max_in_flight": MAX_IN_FLIGHT,
            "send_timeout_secs": SEND_TIMEOUT_SECS,
            "retry_base_delay_secs": RETRY_BASE_DELAY_SECS,
            "rate_limit_delay_secs": 1,
        },
    });
    if rig.provider == Provider::Meta {
        body["message_1_template"] = serde_json::to_value(spring_offer()).unwrap();
    }
    let (status, campaign) = rig
        .call(Method::POST, "/campaigns", Some(token), Some(&body))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{campaign}");
    campaign["id"].as_i64().expect("a campaign id")
}

fn timeout(size: &ChaosSize) -> Duration {
    BASE_TIMEOUT + size.window + TIMEOUT_PER_CONTACT * size.contacts as u32
}

/// Where the campaign stands, read from the database.
struct Progress {
    status: String,
    open_journeys: i64,
}

async fn progress(rig: &Rig, campaign_id: i64) -> Option<Progress> {
    let (status, open_journeys) = sqlx::query_as(
        "SELECT c.status, (SELECT count(*) FROM journeys j \
           WHERE j.campaign_id = c.id AND NOT journey_state_is_final(j.state)) \
         FROM campaigns c WHERE c.id = $1",
    )
    .bind(campaign_id)
    .fetch_one(rig.store.pool())
    .await
    .ok()?;
    Some(Progress {
        status,
        open_journeys,
    })
}

/// Waits until the campaign has finished and every reply has been delivered, the campaign is
/// stuck with every journey final, or `timeout` passes; the verdict tells which.
async fn wait_until_finished(rig: &Rig, campaign_id: i64, phones: &Phones, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut last_report = Instant::now();
    let mut all_final_since: Option<Instant> = None;
    while Instant::now() < deadline {
        if let Some(progress) = progress(rig, campaign_id).await {
            let finished = ["completed", "failed", "cancelled"].contains(&progress.status.as_str());
            if finished && phones.pending() == 0 {
                return;
            }
            if progress.open_journeys == 0 && phones.pending() == 0 {
                let since = *all_final_since.get_or_insert_with(Instant::now);
                if since.elapsed() > STUCK_GRACE {
                    eprintln!(
                        "chaos: every journey final, campaign still {}",
                        progress.status
                    );
                    return;
                }
            }
            if last_report.elapsed() > PROGRESS_EVERY {
                last_report = Instant::now();
                eprintln!(
                    "chaos: [{:6.1} s] campaign {}, {} journeys open, {} Message 1 accepted, {} replies pending",
                    rig.started.elapsed().as_secs_f64(),
                    progress.status,
                    progress.open_journeys,
                    rig.message_1_accepted(),
                    phones.pending(),
                );
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    eprintln!("chaos: the campaign did not finish within {timeout:?}");
}

/// The run's figures as one block.
fn figures_line(
    figures: &Figures,
    faults: FaultCounts,
    self_exits: &HashMap<&'static str, u32>,
    started: Instant,
) -> String {
    format!(
        "chaos: contacts {}, replies {} (in window {}, late {}), faults: {} worker kills, \
         {} temporal kill, {} postgres crash, {} api kill, {} worker self-exits, {} api self-exits; \
         message_1 {}/{}, message_2 {}/{}, replies without campaign {}, replies stamped before \
         their Message 1 {}, sends retried {}, redeliveries {}, losses {}, duration {} s",
        figures.contacts,
        figures.replies,
        figures.in_window,
        figures.late,
        faults.worker_kills,
        faults.temporal_kills,
        faults.postgres_crashes,
        faults.api_kills,
        self_exits.get("worker").copied().unwrap_or(0),
        self_exits.get("api").copied().unwrap_or(0),
        figures.contacts_with_message_1,
        figures.contacts,
        figures.message_2_received,
        figures.message_2_earned,
        figures.in_window_without_campaign,
        figures.stamped_before_acceptance,
        figures.retried_sends,
        figures.redeliveries,
        figures.losses,
        started.elapsed().as_secs(),
    )
}
