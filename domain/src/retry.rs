//! The single retry formula of R12: attempt `n` (1-based) that failed waits
//! `base × 2^(n-1)` before attempt `n + 1` — 60 s then 120 s with the default base.

use std::time::Duration;

/// Delay to wait after failed attempt `failed_attempt` (1-based) before the next one.
pub fn retry_delay(failed_attempt: u32, base: Duration) -> Duration {
    let exponent = failed_attempt.saturating_sub(1).min(16);
    base.saturating_mul(1u32 << exponent)
}

/// Delay after a provider rate-limit answer: the formula, but never less than `minimum` (R12:
/// a provider 429 waits at least 60 s).
pub fn rate_limited_delay(failed_attempt: u32, base: Duration, minimum: Duration) -> Duration {
    retry_delay(failed_attempt, base).max(minimum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_base_gives_sixty_then_one_hundred_twenty_seconds() {
        let base = Duration::from_secs(60);
        assert_eq!(retry_delay(1, base), Duration::from_secs(60));
        assert_eq!(retry_delay(2, base), Duration::from_secs(120));
        assert_eq!(retry_delay(3, base), Duration::from_secs(240));
    }

    #[test]
    fn rate_limit_waits_at_least_the_minimum() {
        let minimum = Duration::from_secs(60);
        assert_eq!(
            rate_limited_delay(1, Duration::from_millis(100), minimum),
            minimum
        );
        assert_eq!(
            rate_limited_delay(2, Duration::from_secs(60), minimum),
            Duration::from_secs(120)
        );
    }
}
