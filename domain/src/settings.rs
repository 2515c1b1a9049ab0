//! A campaign's settings: what an operator may override, and the one snapshot a campaign runs with.
//!
//! A draft stores the operator's [`SettingsOverrides`] (seconds, as typed in a request). At launch
//! they are applied to the defaults once, giving the [`CampaignSettings`] snapshot (R16) that is
//! written to the campaign's row *and* handed to its workflow: changing configuration later never
//! alters a campaign already running, and the database and Temporal never disagree about it.
//! Durations are milliseconds in the snapshot because workflow timers are.

use crate::SendPolicy;
use crate::frequency_cap::FrequencyCap;
use crate::json_integer;
use crate::quiet_hours::{QuietHours, QuietHoursPolicy, QuietHoursText};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The most journeys sending Message 1 at once. A campaign run starts at most this many journeys
/// (Temporal refuses more than 2,000 pending children per execution).
pub const MAX_IN_FLIGHT_LIMIT: u32 = 1_000;

/// The longest duration a setting may take (30 days): longer is a typo, and durations must fit
/// the workflow's millisecond timers.
const MAX_DURATION_SECS: f64 = 30.0 * 24.0 * 3600.0;

/// The shortest send attempt: room for a pacing wait (up to 5 s), a provider call and the
/// margin the send keeps before its deadline (it never calls the provider without time left).
const MIN_SEND_TIMEOUT_SECS: f64 = 10.0;

/// The most sends before a batch pause: a larger batch is no pacing at all.
const MAX_BATCH_SIZE: u32 = 100_000;

/// The most attempts at one message: beyond a few, the retries only delay a failure.
const MAX_SEND_ATTEMPTS: u32 = 100;

/// R11 pacing of a campaign's Message 1 sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pacing {
    /// Least time between two Message 1 sends, across all campaigns and workers.
    pub interval_ms: u64,
    /// After this many sends of the campaign, a pause of `batch_pause_ms`.
    pub batch_size: u32,
    pub batch_pause_ms: u64,
}

/// Campaign settings an operator may override per campaign; anything else is refused. The
/// bounds in the OpenAPI schema are the ones [`CampaignSettings::with_overrides`] enforces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsOverrides {
    #[cfg_attr(feature = "openapi", schema(minimum = 0.001, maximum = 2592000))]
    pub interaction_window_secs: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0.001, maximum = 2592000))]
    pub cutoff_secs: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2592000))]
    pub send_interval_secs: Option<f64>,
    #[serde(default, deserialize_with = "json_integer::option")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100000))]
    pub batch_size: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2592000))]
    pub batch_pause_secs: Option<f64>,
    #[serde(default, deserialize_with = "json_integer::option")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub max_in_flight: Option<u32>,
    #[serde(default, deserialize_with = "json_integer::option")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub max_send_attempts: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0.001, maximum = 2592000))]
    pub retry_base_delay_secs: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2592000))]
    pub rate_limit_delay_secs: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 10, maximum = 2592000))]
    pub send_timeout_secs: Option<f64>,
    /// Quiet hours (R21), `{start, end}` local times as `HH:MM`: no Message 1 leaves inside
    /// them in the contact's time zone. `null` turns the configured default off.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<QuietHoursText>, nullable))]
    pub quiet_hours: Option<Option<QuietHoursText>>,
    /// The IANA time zone of contacts who have none of their own (R21), e.g. `Europe/Paris`.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<crate::text_schema::TimeZoneName>)
    )]
    pub time_zone: Option<String>,
    /// The frequency cap (R24), `{max_message_1, days}`; `null` turns the configured default off.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<FrequencyCap>, nullable))]
    pub frequency_cap: Option<Option<FrequencyCap>>,
}

/// Tells a field set to `null` (`Some(None)`) from one left out (`None`); with
/// `#[serde(default)]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Overrides that make no sense; the message names the setting and its bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSettings(String);

/// The settings a campaign runs with, snapshotted at launch (R16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSettings {
    pub interaction_window_ms: u64,
    pub cutoff_ms: u64,
    /// Journeys sending Message 1 at most (the campaign's sliding window).
    pub max_in_flight: u32,
    pub send_policy: SendPolicy,
    /// R11 pacing of Message 1; `None` sends as fast as the provider takes them.
    pub pacing: Option<Pacing>,
    /// R21: no Message 1 inside these local hours; `None` sends at any hour.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// The IANA zone of contacts without one of their own.
    #[serde(default = "utc_name")]
    pub time_zone: String,
    /// R24: at most so many Message 1s per contact in a rolling window, across campaigns;
    /// `None` is no cap (and what a snapshot taken before the cap existed reads as).
    #[serde(default)]
    pub frequency_cap: Option<FrequencyCap>,
    /// What the operator asked for, kept so a relaunch starts from the same request.
    #[serde(default)]
    pub overrides: SettingsOverrides,
}

impl CampaignSettings {
    /// The JSON key of `interaction_window_ms` in a stored snapshot, for the SQL that reads the
    /// window (R3, `store::interactions`): renaming the field without it fails a test here, not
    /// a late reply in production.
    pub const INTERACTION_WINDOW_KEY: &'static str = "interaction_window_ms";
}

impl Default for CampaignSettings {
    /// The specification's defaults: 24 h window, 48 h cutoff, 25 s between sends, a 5 min pause
    /// every 25, three attempts 60 s apart (doubling), 429s wait at least 60 s, at most two
    /// Message 1s per contact in seven days.
    fn default() -> Self {
        CampaignSettings {
            interaction_window_ms: 24 * 3600 * 1000,
            cutoff_ms: 48 * 3600 * 1000,
            max_in_flight: 500,
            send_policy: SendPolicy::default(),
            pacing: Some(Pacing {
                interval_ms: 25_000,
                batch_size: 25,
                batch_pause_ms: 300_000,
            }),
            overrides: SettingsOverrides::default(),
            quiet_hours: None,
            time_zone: utc_name(),
            frequency_cap: Some(FrequencyCap::DEFAULT),
        }
    }
}

fn utc_name() -> String {
    "UTC".to_owned()
}

/// An IANA zone name, or why it is not one.
pub fn time_zone(name: &str) -> Result<Tz, InvalidSettings> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| InvalidSettings(format!("time_zone `{name}` is not an IANA time zone")))
}

impl CampaignSettings {
    /// The campaign's zone, for contacts without one (validated when the settings were made).
    pub fn zone(&self) -> Tz {
        time_zone(&self.time_zone).unwrap_or(Tz::UTC)
    }

    /// The quiet hours a journey applies, when the campaign has them.
    pub fn quiet_hours_policy(&self) -> Option<QuietHoursPolicy> {
        self.quiet_hours.map(|hours| QuietHoursPolicy {
            hours,
            campaign_time_zone: self.time_zone.clone(),
        })
    }

    pub fn interaction_window(&self) -> Duration {
        Duration::from_millis(self.interaction_window_ms)
    }

    pub fn cutoff(&self) -> Duration {
        Duration::from_millis(self.cutoff_ms)
    }

    /// Applies an operator's overrides to `self` (the defaults), refusing nonsense.
    pub fn with_overrides(
        &self,
        overrides: SettingsOverrides,
    ) -> Result<CampaignSettings, InvalidSettings> {
        let ms = |value: Option<f64>, current: u64, name: &str, min: f64| match value {
            None => Ok(current),
            Some(v) if v.is_finite() && (min..=MAX_DURATION_SECS).contains(&v) => {
                Ok((v * 1000.0).round() as u64)
            }
            Some(v) => Err(InvalidSettings(format!(
                "{name} must be between {min} and {MAX_DURATION_SECS} seconds, got {v}"
            ))),
        };
        let pacing = self.pacing.unwrap_or(Pacing {
            interval_ms: 0,
            batch_size: 1,
            batch_pause_ms: 0,
        });
        let interval_ms = ms(
            overrides.send_interval_secs,
            pacing.interval_ms,
            "send_interval_secs",
            0.0,
        )?;
        let batch_pause_ms = ms(
            overrides.batch_pause_secs,
            pacing.batch_pause_ms,
            "batch_pause_secs",
            0.0,
        )?;
        let batch_size = overrides.batch_size.unwrap_or(pacing.batch_size);
        let send_policy = SendPolicy {
            max_attempts: overrides
                .max_send_attempts
                .unwrap_or(self.send_policy.max_attempts),
            retry_base_delay_ms: ms(
                overrides.retry_base_delay_secs,
                self.send_policy.retry_base_delay_ms,
                "retry_base_delay_secs",
                0.001,
            )?,
            rate_limit_delay_ms: ms(
                overrides.rate_limit_delay_secs,
                self.send_policy.rate_limit_delay_ms,
                "rate_limit_delay_secs",
                0.0,
            )?,
            attempt_timeout_ms: ms(
                overrides.send_timeout_secs,
                self.send_policy.attempt_timeout_ms,
                "send_timeout_secs",
                MIN_SEND_TIMEOUT_SECS,
            )?,
        };
        let quiet_hours = match &overrides.quiet_hours {
            None => self.quiet_hours,
            Some(None) => None,
            Some(Some(text)) => Some(
                QuietHours::try_from(text.clone())
                    .map_err(|err| InvalidSettings(format!("quiet_hours: {err}")))?,
            ),
        };
        let time_zone = match &overrides.time_zone {
            None => self.time_zone.clone(),
            Some(name) => time_zone(name)?.name().to_owned(),
        };
        let frequency_cap = overrides.frequency_cap.unwrap_or(self.frequency_cap);
        let settings = CampaignSettings {
            interaction_window_ms: ms(
                overrides.interaction_window_secs,
                self.interaction_window_ms,
                "interaction_window_secs",
                0.001,
            )?,
            cutoff_ms: ms(overrides.cutoff_secs, self.cutoff_ms, "cutoff_secs", 0.001)?,
            max_in_flight: overrides.max_in_flight.unwrap_or(self.max_in_flight),
            pacing: (interval_ms > 0 || batch_pause_ms > 0).then_some(Pacing {
                interval_ms,
                batch_size,
                batch_pause_ms,
            }),
            send_policy,
            quiet_hours,
            time_zone,
            frequency_cap,
            overrides,
        };
        if settings.max_in_flight == 0 || settings.max_in_flight > MAX_IN_FLIGHT_LIMIT {
            return Err(InvalidSettings(format!(
                "max_in_flight must be between 1 and {MAX_IN_FLIGHT_LIMIT}"
            )));
        }
        if !(1..=MAX_SEND_ATTEMPTS).contains(&settings.send_policy.max_attempts) {
            return Err(InvalidSettings(format!(
                "max_send_attempts must be between 1 and {MAX_SEND_ATTEMPTS}"
            )));
        }
        if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
            return Err(InvalidSettings(format!(
                "batch_size must be between 1 and {MAX_BATCH_SIZE}"
            )));
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_stored_snapshot_names_the_window_as_sql_reads_it() {
        let settings = CampaignSettings::default();
        let stored = serde_json::to_value(&settings).unwrap();
        assert_eq!(
            stored[CampaignSettings::INTERACTION_WINDOW_KEY],
            settings.interaction_window_ms
        );
    }

    #[test]
    fn no_override_gives_the_defaults_and_the_request_is_kept() {
        let defaults = CampaignSettings::default();
        assert_eq!(
            defaults.with_overrides(SettingsOverrides::default()),
            Ok(defaults.clone())
        );
        let overrides = SettingsOverrides {
            interaction_window_secs: Some(1.5),
            send_interval_secs: Some(0.0),
            batch_pause_secs: Some(0.0),
            ..SettingsOverrides::default()
        };
        let settings = defaults.with_overrides(overrides.clone()).unwrap();
        assert_eq!(settings.interaction_window_ms, 1_500);
        assert_eq!(settings.pacing, None, "no interval and no pause: no pacing");
        assert_eq!(settings.overrides, overrides);
    }

    #[test]
    fn nonsense_is_refused_with_the_setting_named() {
        let defaults = CampaignSettings::default();
        for (overrides, named) in [
            (
                SettingsOverrides {
                    cutoff_secs: Some(-1.0),
                    ..Default::default()
                },
                "cutoff_secs",
            ),
            (
                SettingsOverrides {
                    send_timeout_secs: Some(5.0),
                    ..Default::default()
                },
                "send_timeout_secs",
            ),
            (
                SettingsOverrides {
                    max_in_flight: Some(MAX_IN_FLIGHT_LIMIT + 1),
                    ..Default::default()
                },
                "max_in_flight",
            ),
            (
                SettingsOverrides {
                    batch_size: Some(0),
                    ..Default::default()
                },
                "batch_size",
            ),
            (
                SettingsOverrides {
                    batch_size: Some(MAX_BATCH_SIZE + 1),
                    ..Default::default()
                },
                "batch_size",
            ),
            (
                SettingsOverrides {
                    max_send_attempts: Some(MAX_SEND_ATTEMPTS + 1),
                    ..Default::default()
                },
                "max_send_attempts",
            ),
        ] {
            let error = defaults.with_overrides(overrides).unwrap_err();
            assert!(error.to_string().contains(named), "{error}");
        }
    }

    #[test]
    fn quiet_hours_and_zone_are_parsed_and_null_turns_the_default_off() {
        let defaults = CampaignSettings {
            quiet_hours: Some(
                QuietHoursText {
                    start: "21:00".into(),
                    end: "08:00".into(),
                }
                .try_into()
                .unwrap(),
            ),
            ..CampaignSettings::default()
        };
        let parse = |json| serde_json::from_value::<SettingsOverrides>(json).unwrap();
        let kept = defaults
            .with_overrides(parse(serde_json::json!({"time_zone": "Europe/Paris"})))
            .unwrap();
        assert_eq!(kept.quiet_hours, defaults.quiet_hours);
        assert_eq!(kept.zone(), chrono_tz::Europe::Paris);
        let off = defaults
            .with_overrides(parse(serde_json::json!({"quiet_hours": null})))
            .unwrap();
        assert_eq!(off.quiet_hours, None);
        let own = defaults
            .with_overrides(parse(
                serde_json::json!({"quiet_hours": {"start": "22:30", "end": "07:00"}}),
            ))
            .unwrap();
        assert_eq!(own.quiet_hours.unwrap().to_string(), "22:30–07:00");
        for bad in [
            serde_json::json!({"time_zone": "Mars/Olympus"}),
            serde_json::json!({"quiet_hours": {"start": "8", "end": "07:00"}}),
        ] {
            assert!(defaults.with_overrides(parse(bad)).is_err());
        }
        let stored = serde_json::to_value(&own).unwrap();
        assert_eq!(
            serde_json::from_value::<CampaignSettings>(stored).unwrap(),
            own
        );
    }

    #[test]
    fn the_frequency_cap_defaults_on_and_is_overridden_or_turned_off() {
        let defaults = CampaignSettings::default();
        let parse = |json| serde_json::from_value::<SettingsOverrides>(json);
        let apply = |json| defaults.with_overrides(parse(json).unwrap()).unwrap();
        assert_eq!(
            apply(serde_json::json!({})).frequency_cap,
            Some(FrequencyCap::DEFAULT)
        );
        assert_eq!(
            apply(serde_json::json!({"frequency_cap": null})).frequency_cap,
            None
        );
        assert_eq!(
            apply(serde_json::json!({"frequency_cap": {"max_message_1": 1, "days": 30}}))
                .frequency_cap,
            Some(FrequencyCap::new(1, 30).unwrap())
        );
        assert!(
            parse(serde_json::json!({"frequency_cap": {"max_message_1": 0, "days": 7}})).is_err()
        );
        let before_the_cap: CampaignSettings = serde_json::from_value(serde_json::json!({
            "interaction_window_ms": 1, "cutoff_ms": 1, "max_in_flight": 1,
            "send_policy": serde_json::to_value(SendPolicy::default()).unwrap(), "pacing": null,
        }))
        .unwrap();
        assert_eq!(
            before_the_cap.frequency_cap, None,
            "an old snapshot has no cap"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let parsed: Result<SettingsOverrides, _> =
            serde_json::from_value(serde_json::json!({ "interaction_window": 1 }));
        assert!(parsed.is_err());
    }

    proptest! {
        #[test]
        fn an_accepted_duration_is_kept_to_the_millisecond(window in 0.001f64..2_592_000.0) {
            let settings = CampaignSettings::default()
                .with_overrides(SettingsOverrides {
                    interaction_window_secs: Some(window),
                    ..Default::default()
                })
                .unwrap();
            prop_assert!((settings.interaction_window_ms as f64 - window * 1000.0).abs() <= 0.5);
            let stored = serde_json::to_value(&settings).unwrap();
            prop_assert_eq!(serde_json::from_value::<CampaignSettings>(stored).unwrap(), settings);
        }
    }
}
