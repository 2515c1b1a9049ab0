//! When a scheduled campaign may launch (R20): strictly in the future, at most
//! [`MAX_SCHEDULE_AHEAD_DAYS`] ahead, so a typo in the year cannot park a campaign for ever.
//! Kept to the millisecond, the precision the launch workflow carries: the launch recognises its
//! schedule by this exact time.

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// How far ahead a launch may be scheduled.
pub const MAX_SCHEDULE_AHEAD_DAYS: i64 = 90;

/// A launch time checked against the clock when it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchTime(DateTime<Utc>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidLaunchTime {
    #[error("`at` ({0}) is not in the future")]
    Past(DateTime<Utc>),
    #[error("`at` ({0}) is more than {MAX_SCHEDULE_AHEAD_DAYS} days ahead")]
    TooFar(DateTime<Utc>),
}

impl LaunchTime {
    pub fn new(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<LaunchTime, InvalidLaunchTime> {
        let at = at.trunc_subsecs(3);
        if at <= now {
            Err(InvalidLaunchTime::Past(at))
        } else if at - now > Duration::days(MAX_SCHEDULE_AHEAD_DAYS) {
            Err(InvalidLaunchTime::TooFar(at))
        } else {
            Ok(LaunchTime(at))
        }
    }

    pub fn at(self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_time_is_accepted_exactly_when_it_is_ahead_by_at_most_ninety_days(
            now_s in 0i64..4_000_000_000,
            ahead_ms in -10_000_000_000i64..10_000_000_000,
            extra_us in 0i64..1_000,
        ) {
            let now = DateTime::from_timestamp(now_s, 0).unwrap();
            let at = now + Duration::milliseconds(ahead_ms) + Duration::microseconds(extra_us);
            let accepted = LaunchTime::new(at, now);
            let in_range = ahead_ms > 0 && ahead_ms <= MAX_SCHEDULE_AHEAD_DAYS * 86_400_000;
            prop_assert_eq!(accepted.is_ok(), in_range);
            if let Ok(time) = accepted {
                prop_assert_eq!(time.at(), now + Duration::milliseconds(ahead_ms));
                prop_assert_eq!(time.at().timestamp_subsec_micros() % 1_000, 0);
            }
        }
    }

    #[test]
    fn the_bounds() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(LaunchTime::new(now, now), Err(InvalidLaunchTime::Past(now)));
        let limit = now + Duration::days(MAX_SCHEDULE_AHEAD_DAYS);
        assert!(LaunchTime::new(limit, now).is_ok());
        let beyond = limit + Duration::milliseconds(1);
        assert_eq!(
            LaunchTime::new(beyond, now),
            Err(InvalidLaunchTime::TooFar(beyond))
        );
    }
}
