//! A/B variants of Message 1 (R25): a campaign may carry two to four versions of Message 1, each
//! with a weight, and each contact gets one of them.
//!
//! The choice is a pure function of the campaign's variant seed and the contact's id
//! ([`choose_variant`]): a retry, a crash or a second worker recomputes the same variant, and a
//! relaunch, which keeps its original's seed, gives each contact the variant it had. The result
//! per variant is a reply rate with its 95 % Wilson interval ([`wilson_interval`]): a winner is
//! called only when the intervals do not overlap ([`winner`]).

use crate::vocabulary::vocabulary;
use crate::{Template, TemplateMessage};

/// The fewest and the most variants a campaign with variants carries.
pub const MIN_VARIANTS: usize = 2;
pub const MAX_VARIANTS: usize = 4;

/// The largest weight of one variant: weights are shares, 1–100 reads as percentages.
pub const MAX_WEIGHT: u32 = 100;

/// z for a two-sided 95 % interval.
const Z_95: f64 = 1.959_963_984_540_054;

vocabulary! {
    /// A variant's name, in the order the campaign lists them.
    pub enum Variant {
        A = "A",
        B = "B",
        C = "C",
        D = "D",
    }
}

impl Variant {
    /// The variant at `index` (0 for A), if a campaign can have it.
    pub fn at(index: usize) -> Option<Variant> {
        Variant::ALL.get(index).copied()
    }

    pub fn index(self) -> usize {
        Variant::ALL
            .iter()
            .position(|variant| *variant == self)
            .unwrap_or_default()
    }
}

/// One variant of Message 1 as a draft holds it: a text (R18), or a template on the Meta
/// provider, and its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Message1Variant {
    pub text: Option<Template>,
    pub template: Option<TemplateMessage>,
    pub weight: u32,
}

/// Weights that cannot make a choice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidWeights {
    #[error("a campaign has {MIN_VARIANTS} to {MAX_VARIANTS} variants, got {0}")]
    Count(usize),
    #[error("each weight is between 1 and {MAX_WEIGHT}, got {0}")]
    Weight(u32),
}

/// Checks a campaign's weights, in variant order.
pub fn check_weights(weights: &[u32]) -> Result<(), InvalidWeights> {
    if !(MIN_VARIANTS..=MAX_VARIANTS).contains(&weights.len()) {
        return Err(InvalidWeights::Count(weights.len()));
    }
    match weights.iter().find(|w| !(1..=MAX_WEIGHT).contains(*w)) {
        Some(&bad) => Err(InvalidWeights::Weight(bad)),
        None => Ok(()),
    }
}

/// SplitMix64's finaliser: every input bit moves every output bit, so consecutive contact ids
/// spread evenly over the weights.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The variant of `contact_id` in a campaign seeded with `seed`, drawn in proportion to
/// `weights` (checked by [`check_weights`]; `None` otherwise).
pub fn choose_variant(seed: i64, contact_id: i64, weights: &[u32]) -> Option<Variant> {
    check_weights(weights).ok()?;
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let draw = mix(mix(seed as u64) ^ (contact_id as u64)) % total;
    let mut upper = 0;
    weights.iter().enumerate().find_map(|(index, &weight)| {
        upper += u64::from(weight);
        (draw < upper).then(|| Variant::at(index)).flatten()
    })
}

/// The 95 % Wilson score interval of `successes` out of `trials`, as fractions; `None` without
/// a trial.
pub fn wilson_interval(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 || successes > trials {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z_95 * Z_95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The variant whose interval lies wholly above every other's, if one does; until then no
/// variant has won.
pub fn winner(intervals: &[(Variant, Option<(f64, f64)>)]) -> Option<Variant> {
    intervals.iter().find_map(|&(variant, interval)| {
        let (low, _) = interval?;
        intervals
            .iter()
            .filter(|(other, _)| *other != variant)
            .all(|(_, other)| other.is_some_and(|(_, high)| high < low))
            .then_some(variant)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weights_are_checked() {
        assert_eq!(check_weights(&[50]), Err(InvalidWeights::Count(1)));
        assert_eq!(check_weights(&[1; 5]), Err(InvalidWeights::Count(5)));
        assert_eq!(check_weights(&[50, 0]), Err(InvalidWeights::Weight(0)));
        assert_eq!(check_weights(&[50, 101]), Err(InvalidWeights::Weight(101)));
        assert_eq!(check_weights(&[1, 100, 7]), Ok(()));
        assert_eq!(choose_variant(1, 1, &[50]), None);
    }

    #[test]
    fn the_wilson_interval_matches_known_values() {
        // 50 of 100: 0.4038–0.5962 (Wilson 1927, as tabulated by Newcombe 1998).
        let (low, high) = wilson_interval(50, 100).unwrap();
        assert!((low - 0.4038).abs() < 1e-4 && (high - 0.5962).abs() < 1e-4);
        // 0 of 10 still has room above zero; 10 of 10 below one.
        let (low, high) = wilson_interval(0, 10).unwrap();
        assert!(low.abs() < 1e-12 && (high - 0.2775).abs() < 1e-4);
        let (low, high) = wilson_interval(10, 10).unwrap();
        assert!((low - 0.7225).abs() < 1e-4 && (high - 1.0).abs() < 1e-12);
        assert_eq!(wilson_interval(0, 0), None);
    }

    #[test]
    fn a_winner_needs_an_interval_above_every_other() {
        let a = (Variant::A, wilson_interval(60, 100));
        let b = (Variant::B, wilson_interval(30, 100));
        let close = (Variant::B, wilson_interval(52, 100));
        assert_eq!(winner(&[a, b]), Some(Variant::A));
        assert_eq!(winner(&[b, a]), Some(Variant::A));
        assert_eq!(winner(&[a, close]), None);
        assert_eq!(winner(&[a, (Variant::B, None)]), None);
    }

    proptest! {
        #[test]
        fn the_choice_is_deterministic(seed in any::<i64>(), contact in any::<i64>(),
                weights in proptest::collection::vec(1u32..=MAX_WEIGHT, MIN_VARIANTS..=MAX_VARIANTS)) {
            let chosen = choose_variant(seed, contact, &weights);
            prop_assert!(chosen.is_some_and(|variant| variant.index() < weights.len()));
            prop_assert_eq!(chosen, choose_variant(seed, contact, &weights));
        }

        #[test]
        fn ten_thousand_ids_follow_the_weights_within_three_points(seed in 1i64..1_000_000,
                first_id in 1i64..1_000_000,
                weights in proptest::collection::vec(1u32..=MAX_WEIGHT, MIN_VARIANTS..=MAX_VARIANTS)) {
            let mut counts = [0u32; MAX_VARIANTS];
            for contact in first_id..first_id + 10_000 {
                counts[choose_variant(seed, contact, &weights).unwrap().index()] += 1;
            }
            let total: u32 = weights.iter().sum();
            for (index, &weight) in weights.iter().enumerate() {
                let expected = f64::from(weight) / f64::from(total);
                let seen = f64::from(counts[index]) / 10_000.0;
                prop_assert!((seen - expected).abs() <= 0.03,
                    "variant {index}: {seen} against {expected} ({weights:?})");
            }
        }

        #[test]
        fn the_interval_holds_the_observed_rate(trials in 1u64..100_000, share in 0.0f64..=1.0) {
            let successes = (trials as f64 * share).floor() as u64;
            let (low, high) = wilson_interval(successes, trials).unwrap();
            let rate = successes as f64 / trials as f64;
            prop_assert!(0.0 <= low && low <= rate + 1e-12 && rate <= high + 1e-12 && high <= 1.0);
        }
    }
}
