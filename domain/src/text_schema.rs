//! Request fields of the domain's types as the OpenAPI document states them: exactly what their
//! parsing accepts, so that a client (or the fuzzer, `make fuzz-api`) that follows the document
//! is never refused. The API's own request fields build on the same pieces
//! (`api/src/request_schema.rs`).

use crate::meta_template::{MAX_PARAMETER_CHARS, MAX_TEMPLATE_NAME_CHARS};
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// The characters `str::trim` removes (Unicode `White_Space`), as a regex class body.
pub const TRIMMED: &str =
    r"\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Text Postgres can store (no NUL) with something left once trimmed.
pub fn not_blank() -> String {
    format!(r"^[{TRIMMED}]*[^{TRIMMED}\u0000][^\u0000]*$")
}

/// A template's name: 1 to [`MAX_TEMPLATE_NAME_CHARS`] characters, not all white space.
pub fn template_name() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .pattern(Some(not_blank()))
        .min_length(Some(1))
        .max_length(Some(MAX_TEMPLATE_NAME_CHARS))
        .build()
}

/// Meta's language codes as the API reads them (`fr`, `en_US`, `zh_HK`; checked against its
/// parsing by `api/src/request_schema.rs`'s tests).
pub fn language_code() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::String))
        .pattern(Some(r"^[a-z]{2,3}(_[A-Z]{2,3})?$"))
        .examples(["fr", "en_US"])
        .build()
}

/// A template parameter's placeholder name (`first_name`), or `null` for a positional one.
pub fn placeholder_name() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(r"^[A-Za-z0-9_]+$"))
        .build()
}

/// A parameter's fixed text (or fallback): storable, at most [`MAX_PARAMETER_CHARS`] characters.
pub fn parameter_text() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some(r"^[^\u0000]*$"))
        .max_length(Some(MAX_PARAMETER_CHARS))
        .build()
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
    fn a_templates_parameters_are_bounded_by_the_constant() {
        use crate::meta_template::{MAX_TEMPLATE_PARAMETERS, TemplateMessage};
        let schema =
            serde_json::to_value(<TemplateMessage as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            schema["properties"]["parameters"]["maxItems"],
            MAX_TEMPLATE_PARAMETERS
        );
    }

    #[test]
    fn every_listed_time_zone_is_read_as_one() {
        for zone in chrono_tz::TZ_VARIANTS {
            assert!(time_zone(zone.name()).is_ok(), "{}", zone.name());
        }
    }
}
