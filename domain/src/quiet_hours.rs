//! Quiet hours (R21): the part of the day, in the contact's own time zone, when no Message 1
//! leaves (for example 21:00 to 08:00).
//!
//! A Message 1 due inside them waits for the next moment they end, as a delayed retry (not an
//! attempt, no ledger unit). The moment is computed with the IANA time-zone database, so a
//! daylight-saving change moves it as the contact's clock moves: when the end falls in the hour a
//! clock skips, the window opens as the clock jumps past it; when it falls in the hour a clock
//! repeats, it opens at the first of the two that is still ahead. Message 2 answers a contact who
//! just wrote and is never held back.

use chrono::{
    DateTime, Duration, LocalResult, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Quiet hours from `start` (included) to `end` (excluded), local times; `end` before `start`
/// crosses midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "QuietHoursText", into = "QuietHoursText")]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
}

/// Quiet hours that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidQuietHours {
    #[error("`{0}` is not a time of day (HH:MM or HH:MM:SS)")]
    Time(String),
    #[error("quiet hours must not start and end at the same time")]
    Empty,
}

/// The JSON shape, `{"start": "21:00", "end": "08:00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHoursText {
    #[cfg_attr(feature = "openapi", schema(schema_with = time_of_day))]
    pub start: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = time_of_day))]
    pub end: String,
}

/// A time of day of [`QuietHoursText`] in the OpenAPI document.
#[cfg(feature = "openapi")]
fn time_of_day() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(TIME_OF_DAY))
        .min_length(Some(3))
        .build()
}

/// The times of day [`time`] reads, as the OpenAPI document states them: `H:M` or `H:M:S`
/// (one or two digits each, a leap second allowed), white space around the whole (trimmed) and
/// before the minutes and seconds (which chrono skips).
#[cfg(feature = "openapi")]
const TIME_OF_DAY: &str = concat!(
    r"^[\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*",
    r"([01]?[0-9]|2[0-3]):",
    r"[\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-5]?[0-9]",
    r"(:[\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([0-5]?[0-9]|60))?",
    r"[\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
);

impl TryFrom<QuietHoursText> for QuietHours {
    type Error = InvalidQuietHours;

    fn try_from(text: QuietHoursText) -> Result<Self, Self::Error> {
        QuietHours::new(time(&text.start)?, time(&text.end)?)
    }
}

impl From<QuietHours> for QuietHoursText {
    fn from(hours: QuietHours) -> Self {
        QuietHoursText {
            start: clock(hours.start),
            end: clock(hours.end),
        }
    }
}

fn time(text: &str) -> Result<NaiveTime, InvalidQuietHours> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|_| InvalidQuietHours::Time(text.to_owned()))
}

/// `HH:MM`, with `:SS` only when the seconds are not zero.
fn clock(time: NaiveTime) -> String {
    if time.format("%S").to_string() == "00" {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S").to_string()
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", clock(self.start), clock(self.end))
    }
}

impl QuietHours {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<QuietHours, InvalidQuietHours> {
        if start == end {
            return Err(InvalidQuietHours::Empty);
        }
        Ok(QuietHours { start, end })
    }

    /// Whether a local time of day is quiet.
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// When a Message 1 due at `now` may leave for a contact in `zone`: `None` when `now` is not
    /// quiet there, else the first instant after `now` that is not quiet.
    ///
    /// Quiet or not changes only where the local clock reaches `end` (once a day, twice on a day
    /// it is set back, at the jump on a day it skips `end`) or where it jumps (a daylight-saving
    /// change may jump out of the quiet hours, or back into the hour before `end`): the answer is
    /// the earliest of those instants ahead that is not quiet.
    pub fn next_open(&self, now: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let is_quiet = |at: DateTime<Utc>| self.contains(at.with_timezone(&zone).time());
        if !is_quiet(now) {
            return None;
        }
        let today = now.with_timezone(&zone).date_naive();
        let ends = (-1..=2).flat_map(|days| {
            local_instants(
                zone,
                NaiveDateTime::new(today + Duration::days(days), self.end),
            )
        });
        let jumps = clock_changes(zone, now, now + SEARCH_HORIZON);
        ends.chain(jumps)
            .filter(|&at| at > now && !is_quiet(at))
            .min()
    }
}

/// Quiet hours as a campaign's journeys apply them: the hours, and the zone of contacts who have
/// none of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHoursPolicy {
    pub hours: QuietHours,
    /// The campaign's IANA zone.
    pub campaign_time_zone: String,
}

impl QuietHoursPolicy {
    /// The contact's own zone when it is a valid one, else the campaign's (else UTC).
    pub fn zone_for(&self, contact_time_zone: Option<&str>) -> Tz {
        contact_time_zone
            .and_then(|name| name.parse().ok())
            .or_else(|| self.campaign_time_zone.parse().ok())
            .unwrap_or(Tz::UTC)
    }
}

/// Far enough ahead to hold the end of any quiet hours (less than a day, plus a clock change).
const SEARCH_HORIZON: Duration = Duration::hours(50);

/// The instants whose local time in `zone` is `wanted`: one, two when the clock is set back
/// over it, or, when the clock skips it, the instant it jumps past.
fn local_instants(zone: Tz, wanted: NaiveDateTime) -> Vec<DateTime<Utc>> {
    match zone.from_local_datetime(&wanted) {
        LocalResult::Single(at) => vec![at.with_timezone(&Utc)],
        LocalResult::Ambiguous(first, second) => {
            vec![first.with_timezone(&Utc), second.with_timezone(&Utc)]
        }
        LocalResult::None => {
            // Gaps start and end on whole minutes: the first local minute that exists after
            // the skipped one is where the clock landed.
            let mut minute = wanted.with_second(0).unwrap_or(wanted);
            for _ in 0..24 * 60 {
                minute += Duration::minutes(1);
                if let Some(at) = zone.from_local_datetime(&minute).earliest() {
                    return vec![at.with_timezone(&Utc)];
                }
            }
            Vec::new()
        }
    }
}

/// The instants in `from..to` at which `zone` changes its offset from UTC, to the second.
fn clock_changes(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let offset = |at: DateTime<Utc>| zone.offset_from_utc_datetime(&at.naive_utc()).fix();
    let mut changes = Vec::new();
    let mut at = from;
    while at < to {
        let next = at + Duration::minutes(30);
        if offset(at) != offset(next) {
            // The first second with the new offset.
            let (mut before, mut after) = (at, next);
            while after - before > Duration::seconds(1) {
                let middle = before + (after - before) / 2;
                if offset(middle) == offset(at) {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            changes.push(after);
        }
        at = next;
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hours(start: &str, end: &str) -> QuietHours {
        QuietHoursText {
            start: start.to_owned(),
            end: end.to_owned(),
        }
        .try_into()
        .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn hours_crossing_midnight() {
        let night = hours("21:00", "08:00");
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // 22:30 in Paris in winter (UTC+1): opens at 08:00 the next morning.
        assert_eq!(
            night.next_open(utc("2026-01-10T21:30:00Z"), paris),
            Some(utc("2026-01-11T07:00:00Z"))
        );
        // 03:00 in Paris: opens at 08:00 the same day.
        assert_eq!(
            night.next_open(utc("2026-01-11T02:00:00Z"), paris),
            Some(utc("2026-01-11T07:00:00Z"))
        );
        // 10:00 in Paris is not quiet.
        assert_eq!(night.next_open(utc("2026-01-11T09:00:00Z"), paris), None);
        // The same instant is 04:00 in New York: quiet there.
        let new_york: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            night.next_open(utc("2026-01-11T09:00:00Z"), new_york),
            Some(utc("2026-01-11T13:00:00Z"))
        );
    }

    #[test]
    fn the_clock_skipping_the_end_opens_the_window_as_it_jumps() {
        // Paris springs forward on 2026-03-29 at 02:00 (01:00 UTC) to 03:00.
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let early = hours("01:00", "02:30");
        assert_eq!(
            early.next_open(utc("2026-03-29T00:30:00Z"), paris),
            Some(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn the_clock_repeating_the_end_opens_at_the_first_one_ahead() {
        // Paris falls back on 2026-10-25 at 03:00 (01:00 UTC) to 02:00: 02:30 happens twice.
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let early = hours("01:00", "02:30");
        // 01:30 summer time: the first 02:30 (00:30 UTC).
        assert_eq!(
            early.next_open(utc("2026-10-24T23:30:00Z"), paris),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        // 02:10 winter time (the second pass): the second 02:30 (01:30 UTC).
        assert_eq!(
            early.next_open(utc("2026-10-25T01:10:00Z"), paris),
            Some(utc("2026-10-25T01:30:00Z"))
        );
    }

    #[test]
    fn text_forms() {
        assert_eq!(hours("21:00", "08:00").to_string(), "21:00–08:00");
        assert_eq!(
            serde_json::to_value(hours("21:00", "08:00:05")).unwrap(),
            serde_json::json!({"start": "21:00", "end": "08:00:05"})
        );
        assert_eq!(
            QuietHours::try_from(QuietHoursText {
                start: "25:00".into(),
                end: "08:00".into()
            }),
            Err(InvalidQuietHours::Time("25:00".into()))
        );
        assert_eq!(
            QuietHours::try_from(QuietHoursText {
                start: "08:00".into(),
                end: "08:00:00".into()
            }),
            Err(InvalidQuietHours::Empty)
        );
    }

    /// Zones with and without daylight saving, on both hemispheres and at odd offsets.
    const ZONES: [&str; 7] = [
        "UTC",
        "Europe/Paris",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "America/Santiago",
    ];

    proptest! {
        /// Whatever the zone, the hours and the moment (daylight-saving days included): the
        /// window opens after `now`, at a moment that is not quiet, every moment before it is
        /// quiet, and a moment that is not quiet is not held.
        #[test]
        fn the_window_opens_at_the_first_moment_that_is_not_quiet(
            zone in proptest::sample::select(ZONES.to_vec()),
            start in 0u32..86_400,
            end in 0u32..86_400,
            // 2025 to 2028, minute by minute around the clock.
            now in 1_735_689_600i64..1_830_297_600,
        ) {
            prop_assume!(start != end);
            let zone: Tz = zone.parse().unwrap();
            let at = |secs: u32| NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
            let quiet = QuietHours::new(at(start), at(end)).unwrap();
            let now = DateTime::from_timestamp(now, 0).unwrap();
            let is_quiet = |instant: DateTime<Utc>| quiet.contains(instant.with_timezone(&zone).time());
            match quiet.next_open(now, zone) {
                None => prop_assert!(!is_quiet(now)),
                Some(open) => {
                    prop_assert!(open > now);
                    prop_assert!(!is_quiet(open), "{open} is quiet");
                    prop_assert!(open - now <= Duration::hours(26));
                    let span = (open - now).num_seconds();
                    for step in 0..20 {
                        let instant = now + Duration::seconds(span * step / 20);
                        prop_assert!(is_quiet(instant), "{instant} before {open} is not quiet");
                    }
                    prop_assert!(is_quiet(open - Duration::seconds(1)));
                }
            }
        }
    }
}
