//! A stand-in for the API's webhook bridge, for tests of the engine without the API: the
//! sandbox's replies become `interaction` signals, and the bridge remembers whom it signalled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use campaign_workflows::{ContactJourney, Interaction};
use temporalio_client::{Client, WorkflowSignalOptions};

use crate::TestEnv;
use crate::journey_calls::{now_ms, parse_reference};

/// Turns the sandbox's replies to Message 1 into `interaction` signals, the way the API's
/// webhook bridge does, and remembers which contacts it signalled and when.
#[derive(Clone)]
pub struct ReplyBridge {
    client: Client,
    signalled: Arc<Mutex<HashMap<i64, chrono::DateTime<chrono::Utc>>>>,
}

impl ReplyBridge {
    /// Starts the bridge and points the sandbox's webhooks at it; every Message 1 is answered
    /// with probability `reply_probability`, at once.
    pub async fn attach(env: &TestEnv, reply_probability: f64) -> anyhow::Result<ReplyBridge> {
        let bridge = ReplyBridge {
            client: env.client.clone(),
            signalled: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let webhook_url = format!("http://{}/webhook", listener.local_addr()?);
        let app = axum::Router::new()
            .route("/webhook", axum::routing::post(on_webhook))
            .with_state(bridge.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut behaviour = env.sandbox.behaviour();
        behaviour.webhook_url = Some(webhook_url);
        behaviour.reply_probability = reply_probability;
        behaviour.reply_delay = Duration::ZERO;
        behaviour.ack_delay = Duration::ZERO;
        behaviour.reply_types = vec![wa_sandbox::ReplyKind::Text];
        env.sandbox.set_behaviour(behaviour);
        Ok(bridge)
    }

    /// Contacts whose reply was signalled to their journey, with the time of the signal.
    pub fn signalled(&self) -> HashMap<i64, chrono::DateTime<chrono::Utc>> {
        self.signalled
            .lock()
            .expect("no panics hold the lock")
            .clone()
    }
}

async fn on_webhook(
    axum::extract::State(bridge): axum::extract::State<ReplyBridge>,
    axum::Json(event): axum::Json<serde_json::Value>,
) -> &'static str {
    let data = &event["data"];
    let reply_to = (event["event"] == "message:in:new")
        .then(|| data["quoted"]["reference"].as_str())
        .flatten()
        .and_then(|reference| parse_reference(reference, "message_1"));
    let Some((campaign_id, contact_id)) = reply_to else {
        return "ignored";
    };
    let interaction = Interaction {
        provider_message_id: data["id"].as_str().unwrap_or_default().to_owned(),
        interaction_type: campaign_domain::InteractionType::from_provider_type(
            data["type"].as_str().unwrap_or("text"),
        ),
        phone: data["fromNumber"].as_str().unwrap_or_default().to_owned(),
        content: data["body"].as_str().map(str::to_owned),
        received_at_ms: now_ms(),
        consent: None,
    };
    let handle = bridge.client.get_workflow_handle::<ContactJourney>(
        campaign_domain::JourneyWorkflowId::new(campaign_id, contact_id).to_string(),
    );
    let signal_at = chrono::Utc::now();
    if handle
        .signal(
            ContactJourney::interaction,
            interaction,
            WorkflowSignalOptions::default(),
        )
        .await
        .is_ok()
    {
        bridge
            .signalled
            .lock()
            .expect("no panics hold the lock")
            .entry(contact_id)
            .or_insert(signal_at);
    }
    "ok"
}
