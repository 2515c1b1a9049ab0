//! The API of a [`TestEnv`] served in-process on port 0, and an HTTP client logged in as the
//! bootstrap super admin.

use crate::TestEnv;
use anyhow::Context;
use campaign_api::{ApiConfig, Application};
use std::collections::HashMap;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789";
pub const JWT_SECRET: &str = "test-jwt-signing-secret-0123456789";

/// A running API. Dropping it stops the server.
pub struct TestApi {
    /// `http://127.0.0.1:{port}/api/v1`
    pub base_url: String,
    pub http: reqwest::Client,
    /// Access token of the bootstrap super admin.
    pub admin_token: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestEnv {
    /// Serves the API over this environment's database, Temporal queues and sandbox.
    pub async fn spawn_api(&self) -> anyhow::Result<TestApi> {
        self.spawn_api_with(&[]).await
    }

    /// Like [`TestEnv::spawn_api`], with extra configuration variables (e.g.
    /// `ACCESS_TOKEN_TTL_SECS`).
    pub async fn spawn_api_with(&self, overrides: &[(&str, &str)]) -> anyhow::Result<TestApi> {
        let mut vars: HashMap<String, String> = [
            ("API_ADDR", "127.0.0.1:0".to_owned()),
            ("DATABASE_URL", self.database_url.clone()),
            ("TEMPORAL_ADDRESS", self.temporal_address.clone()),
            ("TEMPORAL_NAMESPACE", crate::temporal_namespace()),
            ("TASK_QUEUE", self.task_queues.message_1.clone()),
            ("MESSAGE_2_TASK_QUEUE", self.task_queues.message_2.clone()),
            ("DAILY_MESSAGE_LIMIT", self.daily_limit.to_string()),
            ("JWT_SECRET", JWT_SECRET.to_owned()),
            ("WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            ("ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ]
        .into_iter()
        .chain(self.provider_env())
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        for (name, value) in overrides {
            vars.insert((*name).to_owned(), (*value).to_owned());
        }
        let config =
            ApiConfig::from_env(&campaign_runtime::Env::new(|name| vars.get(name).cloned()))?;
        let application = Application::build(config).await?;
        let base_url = format!("http://127.0.0.1:{}/api/v1", application.port());
        let (stop, stopped) = oneshot::channel();
        let server = tokio::spawn(application.run_until_stopped(Box::pin(async {
            let _ = stopped.await;
        })));
        let http = reqwest::Client::new();
        let admin_token = login(&http, &base_url, ADMIN_EMAIL, ADMIN_PASSWORD).await?;
        Ok(TestApi {
            base_url,
            http,
            admin_token,
            stop: Some(stop),
            server: Some(server),
        })
    }
}

/// Logs in and returns the access token.
pub async fn login(
    http: &reqwest::Client,
    base_url: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base_url}/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await?;
    let status = response.status();
    let body: serde_json::Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "login failed: {status} {body}");
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("login answered no access_token")
}

impl TestApi {
    /// POSTs a provider event to the Wassenger webhook with the shared secret.
    pub async fn post_webhook(&self, body: &serde_json::Value) -> reqwest::StatusCode {
        self.http
            .post(self.url("/webhooks/wassenger"))
            .header("X-Webhook-Secret", WEBHOOK_SECRET)
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request as the super admin.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.admin_token)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path)
    }

    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::DELETE, path)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await??;
        }
        Ok(())
    }
}

impl Drop for TestApi {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Sends a request and returns its status and JSON body (`null` when it has none).
pub async fn call(request: reqwest::RequestBuilder) -> (reqwest::StatusCode, serde_json::Value) {
    let response = request.send().await.expect("the API answers");
    let status = response.status();
    let text = response.text().await.expect("a readable body");
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{status}: {err}: {text}"))
    };
    (status, body)
}

/// Asserts an error answer: the status, and the `{error: {code, message}}` body of SPEC 6.
pub fn assert_error(
    answer: &(reqwest::StatusCode, serde_json::Value),
    status: reqwest::StatusCode,
    code: &str,
) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(answer.1["error"]["message"].is_string(), "{}", answer.1);
}
