//! Integers as JSON Schema counts them. To the OpenAPI document's `integer`, `3` and `3.0` are
//! the same number, while serde's integer types refuse `3.0`: a client writing ids or counts
//! with a generic JSON library (JavaScript's included) would be refused for a spelling the
//! document allows. Request fields holding integers deserialize through these helpers instead.
//! A float is read exactly (serde_json's `float_roundtrip`), so a whole one is that integer.

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// 2^63 as a float: the first whole float above `i64::MAX`. Its negative is `i64::MIN`, but
/// as a float it may also be an integer literal below `i64::MIN` that was rounded to it, so
/// floats are read strictly between the two.
const I64_END: f64 = 9_223_372_036_854_775_808.0;

/// An integer written `3` or `3.0`, converted to `T` when it fits.
struct Whole<T>(T);

struct WholeVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for WholeVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64>,
{
    type Value = Whole<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "an integer in range")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Whole)
            .map_err(|_| E::invalid_value(Unexpected::Signed(value), &self))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        T::try_from(value)
            .map(Whole)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        if value.fract() == 0.0 && value > -I64_END && value < I64_END {
            self.visit_i64(value as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(value), &self))
        }
    }
}

impl<'de, T> Deserialize<'de> for Whole<T>
where
    T: TryFrom<i64> + TryFrom<u64>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeVisitor(PhantomData))
    }
}

/// For integer fields.
pub fn integer<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Ok(Whole::<T>::deserialize(deserializer)?.0)
}

/// For `Option<integer>` fields (with `#[serde(default)]`, so an absent key is `None`).
pub fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|whole| whole.0))
}

/// For `Vec<integer>` fields.
pub fn vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    let wholes = Vec::<Whole<T>>::deserialize(deserializer)?;
    Ok(wholes.into_iter().map(|whole| whole.0).collect())
}

/// For `Option<Vec<integer>>` fields (with `#[serde(default)]`).
pub fn option_vec<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    let wholes = Option::<Vec<Whole<T>>>::deserialize(deserializer)?;
    Ok(wholes.map(|wholes| wholes.into_iter().map(|whole| whole.0).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Ids {
        #[serde(deserialize_with = "vec")]
        ids: Vec<i64>,
        #[serde(default, deserialize_with = "option")]
        count: Option<u32>,
    }

    fn parse(json: &str) -> Result<Ids, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn whole_floats_are_integers_and_fractions_are_not() {
        let ids = parse(r#"{"ids": [1, 2.0, -3.0], "count": 4.0}"#).unwrap();
        assert_eq!(ids.ids, [1, 2, -3]);
        assert_eq!(ids.count, Some(4));
        assert!(parse(r#"{"ids": [1.5]}"#).is_err());
        assert!(parse(r#"{"ids": ["1"]}"#).is_err());
        assert_eq!(parse(r#"{"ids": []}"#).unwrap().count, None);
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert!(parse(r#"{"ids": [9223372036854775808]}"#).is_err());
        assert!(parse(r#"{"ids": [1e19]}"#).is_err());
        assert!(parse(r#"{"ids": [], "count": -1}"#).is_err());
        assert!(parse(r#"{"ids": [], "count": 4294967296.0}"#).is_err());
        assert_eq!(
            parse(r#"{"ids": [-9223372036854775808]}"#).unwrap().ids,
            [i64::MIN]
        );
        assert!(parse(r#"{"ids": [-9223372036854775809]}"#).is_err());
    }

    proptest! {
        #[test]
        fn an_integer_reads_the_same_written_either_way(id in -(1i64 << 53)..=(1i64 << 53)) {
            let plain = parse(&format!(r#"{{"ids": [{id}]}}"#)).unwrap();
            let as_float = parse(&format!(r#"{{"ids": [{id}.0]}}"#)).unwrap();
            prop_assert_eq!(plain.ids, vec![id]);
            prop_assert_eq!(as_float.ids, vec![id]);
        }
    }
}
