//! Phone numbers as the sandbox accepts them.
//!
//! Wassenger addresses contacts by E.164 number and reports them back both as `+<digits>`
//! (`fromNumber`, `phone`) and as WhatsApp ids `<digits>@c.us` (`from`, `wid`). The sandbox is
//! stricter than the real API on purpose: anything but digits with an optional leading `+` is
//! rejected, so a formatting bug in the engine shows up in tests instead of being silently fixed.

/// Fewest digits accepted: shorter strings are not dialable international numbers.
const MIN_DIGITS: usize = 8;

/// Most digits accepted: the E.164 maximum.
const MAX_DIGITS: usize = 15;

/// Normalizes `raw` (surrounding whitespace ignored, `+` optional) to `+<digits>`, or `None`
/// when it is not 8–15 ASCII digits.
pub(crate) fn normalize(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let digits = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let valid = (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit());
    valid.then(|| format!("+{digits}"))
}

/// The WhatsApp id (`<digits>@c.us`) of a normalized `+<digits>` number.
pub(crate) fn wid(e164: &str) -> String {
    format!("{}@c.us", e164.trim_start_matches('+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_digits_with_or_without_plus() {
        assert_eq!(normalize("+34600111222").as_deref(), Some("+34600111222"));
        assert_eq!(normalize("34600111222").as_deref(), Some("+34600111222"));
        assert_eq!(normalize(" 34600111222\n").as_deref(), Some("+34600111222"));
    }

    #[test]
    fn enforces_length_bounds() {
        assert_eq!(normalize("1234567").as_deref(), None);
        assert_eq!(normalize("12345678").as_deref(), Some("+12345678"));
        assert_eq!(
            normalize("123456789012345").as_deref(),
            Some("+123456789012345")
        );
        assert_eq!(normalize("1234567890123456").as_deref(), None);
    }

    #[test]
    fn rejects_anything_but_digits() {
        for raw in [
            "",
            "+",
            "++34600111222",
            "+34 600 111 222",
            "+34-600111222",
            "34600111222@c.us",
            "+３４６００１１１２２２",
            "abcdefghij",
        ] {
            assert_eq!(normalize(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn wid_drops_the_plus() {
        assert_eq!(wid("+34600111222"), "34600111222@c.us");
    }
}
