//! The sandbox's shared state and the public types that describe it.
//!
//! One mutex guards everything mutable (accepted messages, faults, behaviour). Critical sections
//! are a few field updates and never span an `.await`, so contention is negligible at the rates a
//! test or a local campaign produces, and a single lock makes "check the fault queue, then
//! record the message" trivially consistent.

use std::collections::HashSet;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::SandboxConfig;
pub(crate) use crate::behaviour::{Behaviour, ReplyKind};
use crate::ids::{self, IdGenerator};
use crate::meta_account::MetaState;
use crate::phone;
use crate::record::AcceptedRecord;

/// One entry of the deterministic failure queue: the next `count` sends answer `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailSpec {
    /// HTTP status to answer, 400–599.
    pub status: u16,
    /// Raw response body; a Wassenger-like JSON error matching `status` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// How many consecutive sends fail this way.
    pub count: u32,
}

/// Faults injected into `POST /v1/messages`. A failed send is never recorded as accepted.
///
/// Order of evaluation: the `latency_ms` delay, then the `fail_next` queue (consumed in order,
/// deterministic), then a `429` with probability `rate_limit_rate`, then a `500` with
/// probability `error_rate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Probability (0–1) that a send fails with `500`.
    pub error_rate: f64,
    /// Probability (0–1) that a send fails with `429` and a `Retry-After` header.
    pub rate_limit_rate: f64,
    /// Delay added before answering every send, in milliseconds.
    pub latency_ms: u64,
    /// Failures served, in order, to the next sends.
    pub fail_next: Vec<FailSpec>,
}

/// Why a [`Faults`] value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid faults: {0}")]
pub struct InvalidFaults(String);

impl Faults {
    /// Checks that rates are probabilities and that injected statuses are errors (400–599).
    pub fn validate(&self) -> Result<(), InvalidFaults> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(InvalidFaults(format!(
                    "{name} must be between 0 and 1, got {rate}"
                )));
            }
        }
        self.fail_next
            .iter()
            .try_for_each(|spec| validate_fail_status(spec.status))
    }
}

/// Injected failures must look like failures: a 2xx would make the client believe a message
/// was accepted that the sandbox never recorded.
pub(crate) fn validate_fail_status(status: u16) -> Result<(), InvalidFaults> {
    if (400..=599).contains(&status) {
        Ok(())
    } else {
        Err(InvalidFaults(format!(
            "fail_next status must be between 400 and 599, got {status}"
        )))
    }
}

/// A send failure chosen by the fault injector.
pub(crate) struct InjectedFailure {
    pub(crate) status: u16,
    pub(crate) body: Option<String>,
}

/// What the fault injector decided for one send.
pub(crate) struct SendPlan {
    pub(crate) latency: Duration,
    pub(crate) failure: Option<InjectedFailure>,
}

/// Handle to the shared state; cheap to clone into handlers and background tasks.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

struct Shared {
    token: String,
    device_id: String,
    device_phone: String,
    unknown_numbers: HashSet<String>,
    http: reqwest::Client,
    shutdown: watch::Receiver<bool>,
    ids: IdGenerator,
    meta: MetaState,
    inner: Mutex<Inner>,
}

struct Inner {
    records: Vec<AcceptedRecord>,
    faults: Faults,
    behaviour: Behaviour,
}

/// Every webhook request gives up after this long, so a hung receiver cannot pile up tasks.
const WEBHOOK_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl AppState {
    /// Builds the state from `config`, rejecting invalid numbers and faults up front.
    pub(crate) fn new(config: SandboxConfig, shutdown: watch::Receiver<bool>) -> io::Result<Self> {
        config
            .faults
            .validate()
            .map_err(|err| invalid_input(err.to_string()))?;
        let device_phone = phone::normalize(&config.device_phone).ok_or_else(|| {
            invalid_input(format!("invalid device phone {:?}", config.device_phone))
        })?;
        let unknown_numbers = config
            .unknown_numbers
            .iter()
            .map(|raw| {
                phone::normalize(raw)
                    .ok_or_else(|| invalid_input(format!("invalid unknown number {raw:?}")))
            })
            .collect::<io::Result<HashSet<_>>>()?;
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_REQUEST_TIMEOUT)
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(io::Error::other)?;
        let ids = IdGenerator::default();
        let device_id = ids.object_id();
        let behaviour = config.behaviour();
        let meta = MetaState::new(config.meta).map_err(invalid_input)?;
        let mut faults = config.faults;
        faults.fail_next.retain(|spec| spec.count > 0);
        Ok(Self(Arc::new(Shared {
            token: config.token,
            device_id,
            device_phone,
            unknown_numbers,
            http,
            shutdown,
            ids,
            meta,
            inner: Mutex::new(Inner {
                records: Vec::new(),
                faults,
                behaviour,
            }),
        })))
    }

    /// Locks the mutable state. A panic while holding the lock cannot leave it inconsistent
    /// (every update is a single assignment or push), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn token(&self) -> &str {
        &self.0.token
    }

    pub(crate) fn device_id(&self) -> &str {
        &self.0.device_id
    }

    pub(crate) fn device_phone(&self) -> &str {
        &self.0.device_phone
    }

    /// The Cloud API side of the sandbox.
    pub(crate) fn meta(&self) -> &MetaState {
        &self.0.meta
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    /// A receiver that turns `true` when the sandbox shuts down.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.0.shutdown.clone()
    }

    /// Whether `e164` (normalized) has WhatsApp, i.e. is not listed in `unknown_numbers`.
    pub(crate) fn has_whatsapp(&self, e164: &str) -> bool {
        !self.0.unknown_numbers.contains(e164)
    }

    /// Decides the fate of one send, consuming the `fail_next` queue.
    pub(crate) fn plan_send(&self) -> SendPlan {
        let mut inner = self.lock();
        let latency = Duration::from_millis(inner.faults.latency_ms);
        let queued = inner.faults.fail_next.first_mut().map(|spec| {
            spec.count = spec.count.saturating_sub(1);
            InjectedFailure {
                status: spec.status,
                body: spec.body.clone(),
            }
        });
        if queued.is_some() {
            inner.faults.fail_next.retain(|spec| spec.count > 0);
            return SendPlan {
                latency,
                failure: queued,
            };
        }
        let mut rng = rand::rng();
        let status = if rng.random::<f64>() < inner.faults.rate_limit_rate {
            Some(429)
        } else if rng.random::<f64>() < inner.faults.error_rate {
            Some(500)
        } else {
            None
        };
        SendPlan {
            latency,
            failure: status.map(|status| InjectedFailure { status, body: None }),
        }
    }

    /// Records an accepted send; returns it with the behaviour in force at acceptance time.
    pub(crate) fn accept(
        &self,
        phone: String,
        message: String,
        reference: Option<String>,
    ) -> (AcceptedRecord, Behaviour) {
        let record = AcceptedRecord {
            id: self.0.ids.object_id(),
            wa_id: ids::outbound_wa_id(),
            phone,
            message,
            reference,
            accepted_at: Utc::now().trunc_subsecs(3),
            ..AcceptedRecord::default()
        };
        let behaviour = self.record(record.clone());
        (record, behaviour)
    }

    /// Records an accepted send built elsewhere (the Cloud API's); returns the behaviour in
    /// force at acceptance time.
    pub(crate) fn record(&self, record: AcceptedRecord) -> Behaviour {
        let mut inner = self.lock();
        inner.records.push(record);
        inner.behaviour.clone()
    }

    /// Accepted messages in acceptance order, optionally only those to `phone` (normalized).
    pub(crate) fn records(&self, phone: Option<&str>) -> Vec<AcceptedRecord> {
        self.lock()
            .records
            .iter()
            .filter(|record| phone.is_none_or(|phone| record.phone == phone))
            .cloned()
            .collect()
    }

    /// Accepted messages carrying exactly this `reference`.
    pub(crate) fn records_with_reference(&self, reference: &str) -> Vec<AcceptedRecord> {
        self.lock()
            .records
            .iter()
            .filter(|record| record.reference.as_deref() == Some(reference))
            .cloned()
            .collect()
    }

    /// Forgets every accepted message; returns how many there were.
    pub(crate) fn clear_records(&self) -> usize {
        std::mem::take(&mut self.lock().records).len()
    }

    pub(crate) fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }

    pub(crate) fn set_faults(&self, mut faults: Faults) -> Result<(), InvalidFaults> {
        faults.validate()?;
        faults.fail_next.retain(|spec| spec.count > 0);
        self.lock().faults = faults;
        Ok(())
    }

    /// Appends to the failure queue, after anything already queued.
    pub(crate) fn push_fail_next(&self, spec: FailSpec) -> Result<(), InvalidFaults> {
        validate_fail_status(spec.status)?;
        if spec.count > 0 {
            self.lock().faults.fail_next.push(spec);
        }
        Ok(())
    }

    pub(crate) fn behaviour(&self) -> Behaviour {
        self.lock().behaviour.clone()
    }

    pub(crate) fn set_behaviour(&self, behaviour: Behaviour) {
        self.lock().behaviour = behaviour;
    }

    /// Applies `change` atomically: on error nothing changes. Returns the new behaviour.
    pub(crate) fn update_behaviour<E>(
        &self,
        change: impl FnOnce(&mut Behaviour) -> Result<(), E>,
    ) -> Result<Behaviour, E> {
        let mut inner = self.lock();
        let mut behaviour = inner.behaviour.clone();
        change(&mut behaviour)?;
        inner.behaviour = behaviour.clone();
        Ok(behaviour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(config: SandboxConfig) -> AppState {
        let (_tx, rx) = watch::channel(false);
        AppState::new(config, rx).expect("valid config")
    }

    #[test]
    fn fail_next_is_consumed_in_order_then_sends_succeed() {
        let state = state(SandboxConfig::default());
        for (status, count) in [(500, 2), (429, 1)] {
            state
                .push_fail_next(FailSpec {
                    status,
                    body: None,
                    count,
                })
                .expect("valid status");
        }
        let statuses: Vec<Option<u16>> = (0..5)
            .map(|_| state.plan_send().failure.map(|failure| failure.status))
            .collect();
        assert_eq!(statuses, [Some(500), Some(500), Some(429), None, None]);
        assert!(state.faults().fail_next.is_empty());
    }

    #[test]
    fn certain_rates_always_fail_and_rate_limit_wins() {
        let state = state(SandboxConfig::default());
        state
            .set_faults(Faults {
                error_rate: 1.0,
                rate_limit_rate: 1.0,
                latency_ms: 7,
                fail_next: Vec::new(),
            })
            .expect("valid faults");
        let plan = state.plan_send();
        assert_eq!(plan.latency, Duration::from_millis(7));
        assert_eq!(plan.failure.map(|failure| failure.status), Some(429));
    }

    #[test]
    fn invalid_faults_are_refused() {
        let state = state(SandboxConfig::default());
        for faults in [
            Faults {
                error_rate: 1.5,
                ..Faults::default()
            },
            Faults {
                rate_limit_rate: f64::NAN,
                ..Faults::default()
            },
            Faults {
                fail_next: vec![FailSpec {
                    status: 200,
                    body: None,
                    count: 1,
                }],
                ..Faults::default()
            },
        ] {
            assert!(state.set_faults(faults).is_err());
        }
        assert!(
            state
                .push_fail_next(FailSpec {
                    status: 302,
                    body: None,
                    count: 1
                })
                .is_err()
        );
    }

    #[test]
    fn records_filter_by_phone_and_reference() {
        let state = state(SandboxConfig::default());
        state.accept("+34600111222".into(), "a".into(), Some("r1".into()));
        state.accept("+34600111333".into(), "b".into(), None);
        assert_eq!(state.records(None).len(), 2);
        assert_eq!(state.records(Some("+34600111222")).len(), 1);
        assert_eq!(state.records_with_reference("r1").len(), 1);
        assert!(state.records_with_reference("r2").is_empty());
        assert_eq!(state.clear_records(), 2);
        assert!(state.records(None).is_empty());
    }

    #[test]
    fn accepted_records_round_trip_with_millisecond_dates() {
        let state = state(SandboxConfig::default());
        let (record, _) = state.accept("+34600111222".into(), "hi".into(), None);
        let json = serde_json::to_value(&record).expect("serializes");
        let date = json["accepted_at"].as_str().expect("string date");
        assert_eq!(date.len(), "2024-01-01T00:00:00.000Z".len(), "{date}");
        let back: AcceptedRecord = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, record);
    }

    #[test]
    fn invalid_config_numbers_are_refused() {
        let (_tx, rx) = watch::channel(false);
        let config = SandboxConfig {
            unknown_numbers: vec!["not a number".into()],
            ..SandboxConfig::default()
        };
        assert!(AppState::new(config, rx).is_err());
    }

    #[test]
    fn behaviour_debug_redacts_the_secret() {
        let behaviour = Behaviour {
            webhook_secret: Some("hunter2".into()),
            ..state(SandboxConfig::default()).behaviour()
        };
        let debug = format!("{behaviour:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}
