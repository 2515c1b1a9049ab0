//! What an operator sees of the engine (issue 24, docs/OPERATIONS.md): the worker's Prometheus
//! endpoint, its log lines by journey, and the API's request ids.

use campaign_domain::JourneyWorkflowId;
use campaign_tests::TestEnv;
use campaign_tests::fixtures::fast_settings;
use std::time::{Duration, Instant};

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);
const CONTACTS: usize = 3;
/// The breaker and quota gauges are read every 15 s (`campaign_worker::metrics`).
const GAUGE_TIMEOUT: Duration = Duration::from_secs(30);

/// One sample of a scrape: its labels and value.
struct Sample {
    labels: Vec<(String, String)>,
    value: f64,
}

impl Sample {
    fn has(&self, name: &str, value: &str) -> bool {
        self.labels.iter().any(|(n, v)| n == name && v == value)
    }
}

/// The samples of the series `name` in a Prometheus text exposition.
fn samples(exposition: &str, name: &str) -> Vec<Sample> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, labels) = match series.split_once('{') {
                Some((series_name, labels)) => (series_name, labels.trim_end_matches('}')),
                None => (series, ""),
            };
            (series_name == name).then(|| Sample {
                labels: labels
                    .split(',')
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(n, v)| (n.to_owned(), v.trim_matches('"').to_owned()))
                    .collect(),
                value: value.parse().unwrap(),
            })
        })
        .collect()
}

/// The sum of the samples of `name` that carry every label of `with`.
fn total(exposition: &str, name: &str, with: &[(&str, &str)]) -> f64 {
    samples(exposition, name)
        .iter()
        .filter(|sample| with.iter().all(|(n, v)| sample.has(n, v)))
        .map(|sample| sample.value)
        .sum()
}

async fn scrape(addr: &str) -> String {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.text().await.unwrap()
}

/// An address on the loopback no one listens on (the worker binds it a moment later).
fn free_loopback_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

#[tokio::test]
async fn the_worker_serves_its_metrics_and_logs_each_journey_by_its_ids() {
    let addr = free_loopback_addr();
    let log = std::env::temp_dir().join(format!("worker-{}.log", uuid::Uuid::new_v4().simple()));
    let worker_env = [
        ("WORKER_METRICS_ADDR", addr.as_str()),
        ("LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
    ];
    let env = TestEnv::start_with_worker_log(&worker_env, log.clone())
        .await
        .unwrap();
    let mut settings = fast_settings(1.0, 10);
    // Paced, so that Message 1s wait for their slots and the pacing histogram has samples.
    settings["send_interval_secs"] = serde_json::json!(0.2);
    let (campaign_id, contact_ids) = env.draft_campaign(CONTACTS, settings).await.unwrap();
    let status = env
        .run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(status.released, CONTACTS as u64);

    let metrics = scrape(&addr).await;
    let message_1 = ("message_type", "message_1");
    assert_eq!(
        total(
            &metrics,
            "campaign_sends_total",
            &[message_1, ("outcome", "accepted")]
        ),
        CONTACTS as f64,
        "{metrics}"
    );
    assert_eq!(
        total(&metrics, "campaign_sends_total", &[("outcome", "refused")]),
        0.0
    );
    assert!(
        total(&metrics, "campaign_pacing_wait_seconds_count", &[]) >= 1.0,
        "{metrics}"
    );
    assert_eq!(total(&metrics, "campaign_breaker_trips_total", &[]), 0.0);

    // The SDK's own, on the same endpoint, with Prometheus's suffixes.
    let main_queue = ("task_queue", env.task_queues.message_1.as_str());
    let schedule_to_start = "temporal_workflow_task_schedule_to_start_latency_seconds_count";
    assert!(
        total(&metrics, schedule_to_start, &[main_queue]) >= CONTACTS as f64,
        "{metrics}"
    );
    assert!(
        total(&metrics, "temporal_sticky_cache_hit_total", &[]) >= 1.0,
        "{metrics}"
    );
    // Written only once a workflow task fails, which none did.
    assert_eq!(
        total(
            &metrics,
            "temporal_workflow_task_execution_failed_total",
            &[]
        ),
        0.0
    );
    let workflow_slots = [main_queue, ("worker_type", "WorkflowWorker")];
    let used = total(&metrics, "temporal_worker_task_slots_used", &workflow_slots);
    let available = total(
        &metrics,
        "temporal_worker_task_slots_available",
        &workflow_slots,
    );
    assert!(
        samples(&metrics, "temporal_worker_task_slots_used").len() >= 2,
        "{metrics}"
    );
    assert_eq!(
        used + available,
        500.0,
        "the main worker's workflow task slots"
    );

    // The shared rows' gauges, read every 15 s.
    let deadline = Instant::now() + GAUGE_TIMEOUT;
    let metrics = loop {
        let metrics = scrape(&addr).await;
        if total(&metrics, "campaign_daily_sends", &[]) == CONTACTS as f64 {
            break metrics;
        }
        assert!(
            Instant::now() < deadline,
            "today's sends never reached the gauge: {metrics}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(
        total(&metrics, "campaign_daily_message_limit", &[]),
        1_000.0
    );
    assert_eq!(total(&metrics, "campaign_breaker_open", &[]), 0.0);

    // Each journey's send, found by the grep of docs/OPERATIONS.md.
    let lines = std::fs::read_to_string(&log).unwrap();
    for contact_id in contact_ids {
        let ids = format!(r#""campaign_id":{campaign_id},"contact_id":{contact_id}"#);
        let sent: Vec<&str> = lines
            .lines()
            .filter(|line| line.contains(&ids) && line.contains("message sent"))
            .collect();
        assert_eq!(sent.len(), 1, "contact {contact_id}: {sent:?}");
        let workflow_id = JourneyWorkflowId::new(campaign_id, contact_id).to_string();
        assert!(sent[0].contains(&workflow_id), "{}", sent[0]);
    }
    let _ = std::fs::remove_file(&log);
}

#[tokio::test]
async fn the_api_keeps_a_sane_request_id_and_makes_one_up_otherwise() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let health = format!("{}/health", api.base_url);
    let request_id = |id: Option<&'static str>| {
        let mut request = api.http.get(&health);
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        async move {
            let response = request.send().await.unwrap();
            let echoed = response.headers().get("x-request-id").unwrap();
            echoed.to_str().unwrap().to_owned()
        }
    };
    assert_eq!(request_id(Some("lb-7f3a-0001")).await, "lb-7f3a-0001");
    for insane in [None, Some("two words"), Some("")] {
        let made_up = request_id(insane).await;
        assert!(
            uuid::Uuid::parse_str(&made_up).is_ok(),
            "{insane:?}: {made_up}"
        );
    }
}
