use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn throttle() -> SignInThrottle {
    SignInThrottle::new(5, 10, Duration::from_secs(5), MAX_DELAY_CEILING).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
}

fn failures(count: i64, last_at: DateTime<Utc>) -> Option<Failures> {
    Failures::new(count, Some(last_at))
}

#[test]
fn the_delay_starts_after_the_allowance_and_doubles_up_to_the_cap() {
    let throttle = throttle();
    assert_eq!(throttle.delay(0, 5), Duration::ZERO);
    assert_eq!(throttle.delay(4, 5), Duration::ZERO);
    assert_eq!(throttle.delay(5, 5), Duration::from_secs(5));
    assert_eq!(throttle.delay(6, 5), Duration::from_secs(10));
    assert_eq!(throttle.delay(9, 5), Duration::from_secs(80));
    assert_eq!(throttle.delay(20, 5), Duration::from_secs(900));
    assert_eq!(throttle.delay(u32::MAX, 5), Duration::from_secs(900));
}

#[test]
fn settings_that_would_break_the_cap_or_disable_the_throttle_are_refused() {
    let second = Duration::from_secs(1);
    assert_eq!(
        SignInThrottle::new(5, 10, Duration::ZERO, second),
        Err(InvalidThrottle::ZeroBaseDelay)
    );
    assert!(matches!(
        SignInThrottle::new(5, 10, 2 * second, second),
        Err(InvalidThrottle::MaxBelowBase { .. })
    ));
    assert_eq!(
        SignInThrottle::new(5, 10, second, MAX_DELAY_CEILING + second),
        Err(InvalidThrottle::MaxAboveCeiling(MAX_DELAY_CEILING + second))
    );
}

#[test]
fn counts_are_read_as_failures_only_when_there_is_one() {
    assert_eq!(Failures::new(0, Some(at(0))), None);
    assert_eq!(Failures::new(-1, Some(at(0))), None);
    assert_eq!(Failures::new(3, None), None);
    assert_eq!(
        Failures::new(i64::MAX, Some(at(0))).unwrap().count.get(),
        u32::MAX
    );
}

#[test]
fn the_attacked_pair_waits_and_the_longer_wait_wins() {
    let throttle = throttle();
    let attacked = RecentFailures {
        pair: failures(6, at(0)),
        network: failures(1, at(0)),
        now: at(3),
    };
    assert_eq!(
        throttle.verdict(&attacked),
        Verdict::Wait {
            scope: Scope::Pair,
            wait: Duration::from_secs(7)
        }
    );
    // Twelve emails failing from one network: 2 beyond the allowance, 20 s from the last.
    let spraying = RecentFailures {
        pair: failures(1, at(0)),
        network: failures(12, at(0)),
        now: at(1),
    };
    assert_eq!(
        throttle.verdict(&spraying),
        Verdict::Wait {
            scope: Scope::Address,
            wait: Duration::from_secs(19)
        }
    );
    let after = RecentFailures {
        now: at(20),
        ..spraying
    };
    assert_eq!(throttle.verdict(&after), Verdict::Proceed);
}

#[test]
fn an_ipv6_network_is_its_slash_64() {
    let addr: IpAddr = "2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().unwrap();
    let network = ClientNetwork::of(addr);
    assert_eq!(network.to_string(), "2001:db8:1:2::/64");
    assert_eq!(
        network.bounds(),
        (
            "2001:db8:1:2::".parse().unwrap(),
            "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap()
        )
    );
    let v4: IpAddr = "192.0.2.7".parse().unwrap();
    assert_eq!(ClientNetwork::of(v4).to_string(), "192.0.2.7/32");
    assert_eq!(ClientNetwork::of(v4).bounds(), (v4, v4));
}

fn any_throttle() -> impl Strategy<Value = SignInThrottle> {
    (0_u32..50, 0_u32..50, 1_u64..60_000, 1_u64..=900).prop_filter_map(
        "max below base",
        |(pair, address, base_ms, max_secs)| {
            SignInThrottle::new(
                pair,
                address,
                Duration::from_millis(base_ms),
                Duration::from_secs(max_secs),
            )
            .ok()
        },
    )
}

fn any_failures() -> impl Strategy<Value = Option<Failures>> {
    (0_i64..10_000, -1_000_i64..1_000).prop_map(|(count, ago)| failures(count, at(-ago)))
}

fn any_recent() -> impl Strategy<Value = RecentFailures> {
    (any_failures(), any_failures()).prop_map(|(pair, network)| RecentFailures {
        pair,
        network,
        now: at(0),
    })
}

fn wait_of(verdict: Verdict) -> Duration {
    match verdict {
        Verdict::Proceed => Duration::ZERO,
        Verdict::Wait { wait, .. } => wait,
    }
}

proptest! {
    /// One more failure never shortens the delay, and no delay exceeds the cap.
    #[test]
    fn the_delay_is_monotonic_and_capped(
        throttle in any_throttle(),
        count in 0_u32..10_000,
        allowance in 0_u32..50,
    ) {
        let delay = throttle.delay(count, allowance);
        prop_assert!(delay <= throttle.max_delay && delay <= MAX_DELAY_CEILING);
        prop_assert!(throttle.delay(count + 1, allowance) >= delay);
    }

    /// A network with no recent failures is let in, whatever else is going on: the email's
    /// failures from elsewhere are not even part of the input.
    #[test]
    fn a_clean_network_is_let_in(throttle in any_throttle(), now in -10_000_i64..10_000) {
        let clean = RecentFailures { pair: None, network: None, now: at(now) };
        prop_assert_eq!(throttle.verdict(&clean), Verdict::Proceed);
    }

    /// Nobody waits longer than the cap, and the wait is over `max_delay` after the latest
    /// failure: an attacker cannot keep anyone out for longer.
    #[test]
    fn every_wait_is_capped_and_ends(throttle in any_throttle(), recent in any_recent()) {
        prop_assert!(wait_of(throttle.verdict(&recent)) <= throttle.max_delay);
        let latest = [recent.pair, recent.network].into_iter().flatten().map(|f| f.last_at).max();
        if let Some(latest) = latest {
            let later = RecentFailures {
                now: latest + chrono::Duration::from_std(throttle.max_delay).unwrap(),
                ..recent
            };
            prop_assert_eq!(throttle.verdict(&later), Verdict::Proceed);
        }
    }

    /// Time only shortens a wait; the verdict is the longer of the two keys' waits.
    #[test]
    fn waits_shrink_with_time_and_the_longer_key_wins(
        throttle in any_throttle(),
        recent in any_recent(),
        later_ms in 0_i64..2_000_000,
    ) {
        let wait = wait_of(throttle.verdict(&recent));
        let later = RecentFailures { now: recent.now + chrono::Duration::milliseconds(later_ms), ..recent };
        prop_assert!(wait_of(throttle.verdict(&later)) <= wait);
        let alone = |pair, network| wait_of(throttle.verdict(&RecentFailures { pair, network, now: recent.now }));
        prop_assert_eq!(wait, alone(recent.pair, None).max(alone(None, recent.network)));
    }

    /// Every address of an IPv6 /64 is one network, bounded by its first and last address.
    #[test]
    fn addresses_of_a_network_share_it(prefix in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
        let addr = |host: u64| IpAddr::V6(Ipv6Addr::from((u128::from(prefix) << 64) | u128::from(host)));
        let network = ClientNetwork::of(addr(a));
        prop_assert_eq!(network, ClientNetwork::of(addr(b)));
        let (first, last) = network.bounds();
        prop_assert!(first <= addr(a) && addr(a) <= last);
    }
}
