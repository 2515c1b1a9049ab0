//! When the last Message 1 of a launch is expected to leave (R21), shown with the send answer so
//! an operator sees a launch that will not finish before its cutoff.
//!
//! The estimate replays the pacing clock (R11): one send per interval, a pause after each batch,
//! and a contact whose zone is in its quiet hours takes no slot until its zone opens; the slot
//! goes to a contact of another zone that is open, or, when every zone left is quiet, the clock
//! jumps to the first one that opens. It ignores what no launch can know: other campaigns sharing
//! the clock, provider failures and retries.

use crate::{CampaignSettings, Pacing, QuietHours};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// The contacts of a launch in one time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneAudience {
    pub zone: Tz,
    pub contacts: u64,
}

/// When the last Message 1 leaves, for a launch at `start`; `None` for an empty audience.
/// Unpaced sends (no pacing or no interval, as the send activity reads it) all leave at once,
/// each as soon as its zone is open.
pub fn estimated_last_message_1(
    start: DateTime<Utc>,
    audience: &[ZoneAudience],
    pacing: Option<&Pacing>,
    quiet_hours: Option<&QuietHours>,
) -> Option<DateTime<Utc>> {
    let opens = |zone: Tz, at: DateTime<Utc>| {
        quiet_hours
            .and_then(|hours| hours.next_open(at, zone))
            .unwrap_or(at)
    };
    let mut left: Vec<ZoneAudience> = audience
        .iter()
        .copied()
        .filter(|group| group.contacts > 0)
        .collect();
    let paced = pacing.filter(|pacing| pacing.interval_ms > 0);
    let Some(pacing) = paced else {
        return left.iter().map(|group| opens(group.zone, start)).max();
    };
    let interval = Duration::milliseconds(pacing.interval_ms as i64);
    let batch_pause = Duration::milliseconds(pacing.batch_pause_ms as i64);
    let is_open = |zone: Tz, at: DateTime<Utc>| {
        quiet_hours.is_none_or(|hours| !hours.contains(at.with_timezone(&zone).time()))
    };
    let (mut slot, mut sent, mut last) = (start, 0u64, None);
    while !left.is_empty() {
        let Some(group) = left.iter_mut().find(|group| is_open(group.zone, slot)) else {
            slot = left
                .iter()
                .map(|group| opens(group.zone, slot))
                .min()
                .unwrap_or(slot);
            continue;
        };
        // While the zone stays open, its contacts take consecutive slots: counted a batch at a
        // time rather than one by one, which keeps 100,000 contacts fast.
        let batch_left = match pacing.batch_size {
            0 => u64::MAX,
            size => u64::from(size) - sent % u64::from(size),
        };
        let mut taken = 0;
        while taken < group.contacts.min(batch_left) && is_open(group.zone, slot) {
            last = Some(slot);
            taken += 1;
            slot += interval;
        }
        group.contacts -= taken;
        sent += taken;
        if pacing.batch_size > 0 && sent % u64::from(pacing.batch_size) == 0 {
            slot += batch_pause;
        }
        left.retain(|group| group.contacts > 0);
    }
    last
}

/// [`estimated_last_message_1`] for a campaign's settings, from how many contacts have each own
/// zone (`None`: none, so the campaign's).
pub fn campaign_last_message_1<'a>(
    settings: &CampaignSettings,
    start: DateTime<Utc>,
    contacts_by_zone: impl IntoIterator<Item = (Option<&'a str>, u64)>,
) -> Option<DateTime<Utc>> {
    let audience: Vec<ZoneAudience> = contacts_by_zone
        .into_iter()
        .map(|(name, contacts)| ZoneAudience {
            zone: name
                .and_then(|name| name.parse().ok())
                .unwrap_or_else(|| settings.zone()),
            contacts,
        })
        .collect();
    estimated_last_message_1(
        start,
        &audience,
        settings.pacing.as_ref(),
        settings.quiet_hours.as_ref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiet_hours::QuietHoursText;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn night() -> QuietHours {
        QuietHoursText {
            start: "21:00".into(),
            end: "08:00".into(),
        }
        .try_into()
        .unwrap()
    }

    fn pacing(interval_ms: u64, batch_size: u32, batch_pause_ms: u64) -> Pacing {
        Pacing {
            interval_ms,
            batch_size,
            batch_pause_ms,
        }
    }

    fn zone(name: &str, contacts: u64) -> ZoneAudience {
        ZoneAudience {
            zone: name.parse().unwrap(),
            contacts,
        }
    }

    #[test]
    fn pacing_and_batch_pauses_without_quiet_hours() {
        let start = utc("2026-01-10T10:00:00Z");
        // 60 sends 25 s apart with a 5 min pause after each 25: 59 intervals and 2 pauses.
        assert_eq!(
            estimated_last_message_1(
                start,
                &[zone("UTC", 60)],
                Some(&pacing(25_000, 25, 300_000)),
                None
            ),
            Some(start + Duration::seconds(59 * 25 + 2 * 300))
        );
        assert_eq!(
            estimated_last_message_1(start, &[zone("UTC", 60)], None, None),
            Some(start)
        );
        assert_eq!(
            estimated_last_message_1(start, &[], Some(&pacing(25_000, 25, 300_000)), None),
            None
        );
    }

    #[test]
    fn a_quiet_zone_waits_while_an_open_one_takes_the_slots() {
        // 22:00 in Paris (quiet until 07:00 UTC), 17:00 in New York (open until 02:00 UTC).
        let start = utc("2026-01-10T21:00:00Z");
        let every_minute = pacing(60_000, 0, 0);
        let finish = estimated_last_message_1(
            start,
            &[zone("Europe/Paris", 3), zone("America/New_York", 10)],
            Some(&every_minute),
            Some(&night()),
        );
        // New York's ten leave first, then Paris's three from its 08:00.
        assert_eq!(finish, Some(utc("2026-01-11T07:02:00Z")));
        assert_eq!(
            estimated_last_message_1(start, &[zone("Europe/Paris", 3)], None, Some(&night())),
            Some(utc("2026-01-11T07:00:00Z"))
        );
    }

    #[test]
    fn sends_stop_when_a_zone_goes_quiet_and_resume_when_it_opens() {
        // 20:58 in UTC: two sends before 21:00, the third at 08:00.
        let start = utc("2026-01-10T20:58:00Z");
        assert_eq!(
            estimated_last_message_1(
                start,
                &[zone("UTC", 3)],
                Some(&pacing(60_000, 0, 0)),
                Some(&night())
            ),
            Some(utc("2026-01-11T08:00:00Z"))
        );
    }

    #[test]
    fn contacts_without_a_zone_take_the_campaigns() {
        let settings = CampaignSettings {
            quiet_hours: Some(night()),
            time_zone: "Europe/Paris".to_owned(),
            pacing: None,
            ..CampaignSettings::default()
        };
        // 23:00 in Paris, 17:00 in New York.
        let start = utc("2026-01-10T22:00:00Z");
        assert_eq!(
            campaign_last_message_1(&settings, start, [(None, 5)]),
            Some(utc("2026-01-11T07:00:00Z"))
        );
        assert_eq!(
            campaign_last_message_1(&settings, start, [(Some("America/New_York"), 5)]),
            Some(start)
        );
    }

    #[test]
    fn a_hundred_thousand_contacts_are_estimated_quickly() {
        let started = std::time::Instant::now();
        let finish = estimated_last_message_1(
            utc("2026-03-28T12:00:00Z"),
            &[
                zone("Europe/Paris", 40_000),
                zone("America/New_York", 30_000),
                zone("Australia/Sydney", 30_000),
            ],
            Some(&pacing(1_000, 25, 300_000)),
            Some(&night()),
        );
        assert!(finish.is_some());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    const ZONES: [&str; 5] = [
        "UTC",
        "Europe/Paris",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Kolkata",
    ];

    proptest! {
        /// Quiet hours only delay: the estimate is never before the same launch without them,
        /// never before the start, and the last send is at a moment its zone may send.
        #[test]
        fn quiet_hours_only_delay(
            counts in proptest::collection::vec(0u64..40, 1..4),
            interval_ms in 0u64..120_000,
            batch_size in 0u32..10,
            batch_pause_ms in 0u64..600_000,
            start_secs in 1_735_689_600i64..1_830_297_600,
            quiet_start in 0u32..86_400,
            quiet_end in 0u32..86_400,
        ) {
            prop_assume!(quiet_start != quiet_end);
            let at = |secs: u32| chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
            let hours = QuietHours::new(at(quiet_start), at(quiet_end)).unwrap();
            let audience: Vec<ZoneAudience> = counts
                .iter()
                .zip(ZONES)
                .map(|(&contacts, name)| zone(name, contacts))
                .collect();
            let start = DateTime::from_timestamp(start_secs, 0).unwrap();
            let pacing = pacing(interval_ms, batch_size, batch_pause_ms);
            let plain = estimated_last_message_1(start, &audience, Some(&pacing), None);
            let quiet = estimated_last_message_1(start, &audience, Some(&pacing), Some(&hours));
            prop_assert_eq!(plain.is_some(), counts.iter().any(|&count| count > 0));
            if let (Some(plain), Some(quiet)) = (plain, quiet) {
                prop_assert!(plain >= start);
                prop_assert!(quiet >= plain, "{quiet} before {plain}");
                prop_assert!(audience.iter().any(|group| group.contacts > 0
                    && !hours.contains(quiet.with_timezone(&group.zone).time())));
            }
        }
    }
}
