//! A template's request fields as the OpenAPI document states them (see `crate::text_schema`).

use super::{MAX_PARAMETER_CHARS, MAX_TEMPLATE_NAME_CHARS};
use crate::text_schema::not_blank;
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

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

#[cfg(test)]
mod tests {
    use super::super::{MAX_TEMPLATE_PARAMETERS, TemplateMessage};

    #[test]
    fn a_templates_parameters_are_bounded_by_the_constant() {
        let schema =
            serde_json::to_value(<TemplateMessage as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            schema["properties"]["parameters"]["maxItems"],
            MAX_TEMPLATE_PARAMETERS
        );
    }
}
