//! The engine's own metrics, recorded where sends are decided and served by the worker beside
//! the Temporal SDK's (`WORKER_METRICS_ADDR`, docs/OPERATIONS.md "Worker metrics and alerts").
//!
//! They are instruments of the SDK's meter ([`CoreMeter`]), so one Prometheus endpoint serves
//! both; a worker without an endpoint records into [`NoOpCoreMeter`]. Label values come from the
//! domain's enums ([`MessageType`], [`FailureKind`]) and [`SendOutcome`], [`SendWait`] here.

use campaign_domain::{FailureKind, MessageType};
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, Gauge, HistogramDuration, MetricAttributes, MetricKeyValue,
    MetricParameters, NewAttributes, NoOpCoreMeter,
};

/// What became of a send's attempt to reach the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The provider accepted the message.
    Accepted,
    /// The provider refused the call or did not answer in time; the failure kind says why, and
    /// R12 whether it is retried.
    Refused(FailureKind),
    /// The engine did not call the provider: the daily quota is spent (R10) or the contact
    /// opted out (R19).
    Withheld(FailureKind),
}

impl SendOutcome {
    /// The `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            SendOutcome::Accepted => "accepted",
            SendOutcome::Refused(_) => "refused",
            SendOutcome::Withheld(_) => "withheld",
        }
    }

    /// The `failure_kind` label: empty (no label, to Prometheus) for an accepted send.
    fn failure_kind(self) -> &'static str {
        match self {
            SendOutcome::Accepted => "",
            SendOutcome::Refused(kind) | SendOutcome::Withheld(kind) => kind.as_str(),
        }
    }
}

/// Why a send waits instead of calling the provider now: a retry with a delay, never a failed
/// attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendWait {
    /// R11: the campaign's next pacing slot is later.
    Pacing,
    /// R21: Message 1 is held until the contact's quiet hours end.
    QuietHours,
    /// R13: the circuit breaker paused every send.
    Breaker,
    /// An operator, a paused template or refused credentials paused the campaign.
    CampaignPaused,
    /// Meta's interval between two messages to one contact (131056).
    PairInterval,
    /// An earlier attempt's provider call may still land; it is looked up once it cannot.
    EarlierCall,
}

impl SendWait {
    /// The `reason` label.
    pub fn as_str(self) -> &'static str {
        match self {
            SendWait::Pacing => "pacing",
            SendWait::QuietHours => "quiet_hours",
            SendWait::Breaker => "breaker",
            SendWait::CampaignPaused => "campaign_paused",
            SendWait::PairInterval => "pair_interval",
            SendWait::EarlierCall => "earlier_call",
        }
    }

    /// What the retry's failure message says the send waits for.
    pub fn describe(self) -> &'static str {
        match self {
            SendWait::Pacing => "waiting for a pacing slot",
            SendWait::QuietHours => "quiet hours in the contact's time zone",
            SendWait::Breaker => "sending paused by the circuit breaker",
            SendWait::CampaignPaused => "campaign paused",
            SendWait::PairInterval => {
                "keeping the provider's interval between two messages to a contact"
            }
            SendWait::EarlierCall => "waiting for an earlier attempt's provider call to end",
        }
    }
}

/// The engine's instruments. Cloning is cheap; every clone records into the same series.
#[derive(Clone)]
pub struct EngineMetrics {
    meter: Arc<dyn CoreMeter>,
    sends: Counter,
    send_waits: Counter,
    pacing_wait: HistogramDuration,
    breaker_trips: Counter,
    breaker_open: Gauge,
    sent_today: Gauge,
    daily_limit: Gauge,
}

impl EngineMetrics {
    /// The instruments, on `meter` (the SDK's Prometheus meter, see `campaign_worker`).
    pub fn new(meter: Arc<dyn CoreMeter>) -> EngineMetrics {
        let params = |name: &'static str, description: &'static str| {
            MetricParameters::builder()
                .name(name)
                .description(description)
                .build()
        };
        EngineMetrics {
            sends: meter.counter(params(
                "campaign_sends",
                "Sends by message type, outcome (accepted, refused by the provider, withheld by \
                 the engine) and failure kind",
            )),
            send_waits: meter.counter(params(
                "campaign_send_waits",
                "Sends deferred instead of calling the provider, by reason",
            )),
            pacing_wait: meter.histogram_duration(params(
                "campaign_pacing_wait",
                "How long a Message 1 waited for its pacing slot (R11)",
            )),
            breaker_trips: meter.counter(params(
                "campaign_breaker_trips",
                "Provider errors that paused every send (R13)",
            )),
            breaker_open: meter.gauge(params(
                "campaign_breaker_open",
                "1 while the circuit breaker pauses every send (R13), else 0",
            )),
            sent_today: meter.gauge(params(
                "campaign_daily_sends",
                "Provider sends of the current UTC day, counted against the daily limit (R10)",
            )),
            daily_limit: meter.gauge(params(
                "campaign_daily_message_limit",
                "The daily message limit this worker enforces (R10)",
            )),
            meter,
        }
    }

    /// Instruments that record nothing, for a worker without a metrics endpoint.
    pub fn disabled() -> EngineMetrics {
        EngineMetrics::new(Arc::new(NoOpCoreMeter))
    }

    fn labels(&self, labels: &[(&'static str, &'static str)]) -> MetricAttributes {
        let labels: Vec<_> = labels
            .iter()
            .map(|(key, value)| MetricKeyValue::new(*key, *value))
            .collect();
        self.meter.new_attributes(NewAttributes::from(labels))
    }

    /// One send reached `outcome`.
    pub fn send(&self, message_type: MessageType, outcome: SendOutcome) {
        let labels = self.labels(&[
            ("message_type", message_type.as_str()),
            ("outcome", outcome.as_str()),
            ("failure_kind", outcome.failure_kind()),
        ]);
        self.sends.add(1, &labels);
    }

    /// One send deferred for `wait`.
    pub fn send_wait(&self, wait: SendWait) {
        self.send_waits
            .add(1, &self.labels(&[("reason", wait.as_str())]));
    }

    /// A Message 1 waited `waited` for its pacing slot, in its attempt or as a deferral.
    pub fn pacing_wait(&self, waited: Duration) {
        self.pacing_wait.record(waited, &self.labels(&[]));
    }

    /// A provider error tripped the circuit breaker.
    pub fn breaker_tripped(&self) {
        self.breaker_trips.add(1, &self.labels(&[]));
    }

    /// What the shared rows say now: whether the breaker pauses sending, today's sends and the
    /// limit they count against.
    pub fn sending_state(&self, breaker_open: bool, sent_today: u64, daily_limit: u64) {
        let none = self.labels(&[]);
        self.breaker_open.record(u64::from(breaker_open), &none);
        self.sent_today.record(sent_today, &none);
        self.daily_limit.record(daily_limit, &none);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_labels_name_the_failure_kind_only_when_there_is_one() {
        assert_eq!(SendOutcome::Accepted.failure_kind(), "");
        let refused = SendOutcome::Refused(FailureKind::ProviderDown);
        assert_eq!(
            (refused.as_str(), refused.failure_kind()),
            ("refused", "provider_down")
        );
        let withheld = SendOutcome::Withheld(FailureKind::DailyLimit);
        assert_eq!(
            (withheld.as_str(), withheld.failure_kind()),
            ("withheld", "daily_limit")
        );
    }

    #[test]
    fn a_disabled_meter_takes_every_record() {
        let metrics = EngineMetrics::disabled();
        metrics.send(MessageType::Message1, SendOutcome::Accepted);
        metrics.send_wait(SendWait::QuietHours);
        metrics.pacing_wait(Duration::from_millis(10));
        metrics.breaker_tripped();
        metrics.sending_state(true, 3, 1_000);
    }
}
