//! Text request fields as the OpenAPI document states them: exactly what their parsing accepts,
//! so that a client (or the fuzzer, `make fuzz-api`) that follows the document is never refused.
//! The API's request fields (`api/src/request_schema.rs`) and the templates'
//! (`meta_template/schema.rs`) build on these pieces.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// The characters `str::trim` removes (Unicode `White_Space`), as a regex class body.
pub const TRIMMED: &str =
    r"\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Text Postgres can store (no NUL) with something left once trimmed.
pub fn not_blank() -> String {
    format!(r"^[{TRIMMED}]*[^{TRIMMED}\u0000][^\u0000]*$")
}

/// An IANA time-zone name (`Europe/Paris`): every name of the time-zone database the engine
/// reads them with (`chrono-tz`), as one shared component of the document.
pub struct TimeZoneName;

impl utoipa::PartialSchema for TimeZoneName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some("An IANA time-zone name."))
            .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name())))
            .examples(["Europe/Paris"])
            .into()
    }
}

impl utoipa::ToSchema for TimeZoneName {}

#[cfg(test)]
mod tests {
    use crate::settings::time_zone;

    #[test]
    fn every_listed_time_zone_is_read_as_one() {
        for zone in chrono_tz::TZ_VARIANTS {
            assert!(time_zone(zone.name()).is_ok(), "{}", zone.name());
        }
    }
}
