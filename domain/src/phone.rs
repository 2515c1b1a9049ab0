//! Phone numbers in E.164 (`+33612345678`), parsed once at the boundary ("parse, don't validate").

use serde::{Deserialize, Serialize};
use std::fmt;

/// E.164 allows at most 15 digits; real numbers have at least 8.
const MIN_DIGITS: usize = 8;
const MAX_DIGITS: usize = 15;

/// A phone number known to be valid E.164. Stored and compared with its leading `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number may only contain digits, spaces, dashes, dots and parentheses")]
    InvalidCharacter,
    #[error("phone number must be in international format, e.g. +33612345678")]
    NotInternational,
    #[error("phone number must have between 8 and 15 digits")]
    WrongLength,
    #[error("country code must be 1 to 3 digits")]
    InvalidCountryCode,
}

impl PhoneNumber {
    /// Parses an international number: `+33 6 12 34 56 78`, `0033612345678` or the provider's
    /// `33612345678@c.us` / bare digits form (Wassenger omits the `+`).
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneNumberError> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix("@c.us").unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        let (has_plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(PhoneNumberError::InvalidCharacter),
            }
        }
        let digits = match digits.strip_prefix("00") {
            Some(international) if !has_plus => international.to_owned(),
            _ => digits,
        };
        if digits.starts_with('0') {
            return Err(PhoneNumberError::NotInternational);
        }
        Self::from_digits(digits)
    }

    /// Builds a number from a country code (`33`, `+33`) and a national number (`06 12 34 56 78`);
    /// the national trunk prefix `0` is dropped.
    pub fn from_parts(country_code: &str, national: &str) -> Result<PhoneNumber, PhoneNumberError> {
        let code = country_code.trim().trim_start_matches('+');
        if code.is_empty()
            || code.len() > 3
            || !code.bytes().all(|b| b.is_ascii_digit())
            || code.starts_with('0')
        {
            return Err(PhoneNumberError::InvalidCountryCode);
        }
        let mut digits = String::new();
        for c in national.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(PhoneNumberError::InvalidCharacter),
            }
        }
        let national = digits.trim_start_matches('0');
        if national.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        Self::from_digits(format!("{code}{national}"))
    }

    fn from_digits(digits: String) -> Result<PhoneNumber, PhoneNumberError> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
            return Err(PhoneNumberError::WrongLength);
        }
        Ok(PhoneNumber(format!("+{digits}")))
    }

    /// `+33612345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `33612345678`, the form Wassenger uses in webhooks.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_international_forms() {
        for input in [
            "+33612345678",
            "+33 6 12 34 56 78",
            "0033612345678",
            "33612345678",
            "33612345678@c.us",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+33612345678",
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_national_and_malformed_numbers() {
        assert_eq!(
            PhoneNumber::parse("0612345678"),
            Err(PhoneNumberError::NotInternational)
        );
        assert_eq!(
            PhoneNumber::parse("+33abc"),
            Err(PhoneNumberError::InvalidCharacter)
        );
        assert_eq!(
            PhoneNumber::parse("+331"),
            Err(PhoneNumberError::WrongLength)
        );
        assert_eq!(PhoneNumber::parse("  "), Err(PhoneNumberError::Empty));
        assert_eq!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneNumberError::WrongLength)
        );
    }

    #[test]
    fn country_code_and_national_number() {
        assert_eq!(
            PhoneNumber::from_parts("+33", "06 12 34 56 78")
                .unwrap()
                .as_str(),
            "+33612345678"
        );
        assert_eq!(
            PhoneNumber::from_parts("33", "612345678").unwrap().digits(),
            "33612345678"
        );
        assert_eq!(
            PhoneNumber::from_parts("0033", "612345678"),
            Err(PhoneNumberError::InvalidCountryCode)
        );
    }

    proptest! {
        #[test]
        fn parse_is_idempotent(digits in "[1-9][0-9]{7,14}") {
            let once = PhoneNumber::parse(&digits).unwrap();
            let twice = PhoneNumber::parse(once.as_str()).unwrap();
            prop_assert_eq!(&once, &twice);
            prop_assert_eq!(once.digits(), digits.as_str());
        }

        #[test]
        fn never_panics(input in ".{0,40}") {
            let _ = PhoneNumber::parse(&input);
        }
    }
}
