//! What request fields accept, stated in the OpenAPI document as exactly as JSON Schema can.
//!
//! The console's types and any generated client come from that document, and a fuzzer
//! (schemathesis, see the README) holds the API to it: every request the document calls valid
//! must be accepted, every other one refused. So each pattern here mirrors what a handler's
//! parsing does: `str::trim` (Unicode white space), [`PhoneNumber`](campaign_domain::PhoneNumber),
//! [`Template`](campaign_domain::Template), and Postgres, which cannot store a NUL in text.

use crate::error::{ApiError, ApiResult};
use campaign_domain::template::{MAX_TEXT_CHARS, PLACEHOLDERS};
use campaign_domain::text_schema::{TRIMMED, TimeZoneName, not_blank};
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, AnyOfBuilder, ArrayBuilder, Object, ObjectBuilder,
    OneOfBuilder, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, Ref, RefOr, Schema, SchemaFormat};

/// The separators a phone number may contain between its digits.
const SEPARATORS: &str = r"[ .()-]*";

/// Fewest and most digits of a phone number with its country code (E.164).
const PHONE_DIGITS: (usize, usize) = (8, 15);

fn string(pattern: String, min_length: usize, max_length: Option<usize>, nullable: bool) -> Object {
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .pattern(Some(pattern))
        .min_length(Some(min_length))
        .max_length(max_length)
        .build()
}

fn string_type(nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    }
}

fn null() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Null))
        .build()
}

/// Text Postgres can store.
fn storable() -> String {
    r"^[^\u0000]*$".to_owned()
}

/// A name (campaign, category): 1 to `max_chars` characters, not all white space.
pub fn name(max_chars: usize, nullable: bool) -> Object {
    string(not_blank(), 1, Some(max_chars), nullable)
}

/// The name a request gives, checked as [`name`] documents it, to be stored trimmed.
pub fn valid_name(name: &str, max_chars: usize) -> ApiResult<&str> {
    let trimmed = name.trim();
    if trimmed.is_empty() || name.chars().count() > max_chars {
        return Err(ApiError::Validation(format!(
            "name must be 1 to {max_chars} characters"
        )));
    }
    Ok(trimmed)
}

/// Optional free text (a person's name, a colour).
pub fn free_text(nullable: bool) -> Object {
    string(storable(), 0, None, nullable)
}

/// A message text: not blank, at most 4096 characters, and every `{lowercase_name}` one of
/// the known placeholders (other braces are literal text, as `Template` reads them).
pub fn message_text(nullable: bool) -> Object {
    let known = PLACEHOLDERS.join("|");
    // A run of `{name` openings that ends in a known placeholder or `{}`, or in a character
    // that cannot continue a name, or at the end of the text.
    let brace =
        format!(r"(?:\{{[a-z0-9_]*)*\{{(?:(?:{known})?\}}|[a-z0-9_]*(?:[^}}a-z0-9_{{\u0000]|$))");
    let pattern =
        format!(r"^[{TRIMMED}]*(?:[^{{{TRIMMED}\u0000]|{brace})(?:[^{{\u0000]|{brace})*$");
    string(pattern, 1, Some(MAX_TEXT_CHARS), nullable)
}

/// An email address as `routes::users` accepts it.
pub fn email(nullable: bool) -> Object {
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(254))
        .build()
}

/// A phone number in one field, as `PhoneNumber::parse` reads it: international (`+`, or
/// `00` without it), separators allowed, an optional WhatsApp `@c.us` suffix.
fn e164() -> Object {
    let (fewest, most) = PHONE_DIGITS;
    let s = SEPARATORS;
    let pattern = format!(
        r"^[{TRIMMED}]*(?:\+{s}[1-9]|{s}(?:0{s}0{s})?[1-9])(?:{s}[0-9]){{{},{}}}{s}(?:@c\.us)?[{TRIMMED}]*$",
        fewest - 1,
        most - 1
    );
    string(pattern, 1, None, false)
}

/// A country code of `code_digits` digits (`33`, `+33`).
fn country_code(code_digits: usize) -> Object {
    let pattern = format!(
        r"^[{TRIMMED}]*\+*[1-9][0-9]{{{}}}[{TRIMMED}]*$",
        code_digits - 1
    );
    string(pattern, 1, None, false)
}

/// A national number to follow a country code of `code_digits` digits: its trunk zeros are
/// dropped and the whole number must have 8 to 15 digits.
fn national_number(code_digits: usize) -> Object {
    let (fewest, most) = PHONE_DIGITS;
    let s = SEPARATORS;
    let pattern = format!(
        r"^[{TRIMMED}]*{s}(?:0{s})*[1-9](?:{s}[0-9]){{{},{}}}{s}[{TRIMMED}]*$",
        fewest - code_digits - 1,
        most - code_digits - 1
    );
    string(pattern, 1, None, false)
}

/// An IANA time zone name (`Europe/Paris`), or `null` for none.
fn time_zone() -> RefOr<Schema> {
    let zone = Ref::from_schema_name(<TimeZoneName as utoipa::ToSchema>::name());
    RefOr::T(Schema::OneOf(
        OneOfBuilder::new().item(zone).item(null()).build(),
    ))
}

/// How a contact body may give its phone: `phone`, `country_code` + `phone_number`, or (in an
/// update only) neither. Each form is a whole object schema, so a client cannot mix them.
fn contact_forms(phone_optional: bool) -> Vec<Object> {
    let with_phone = |phone: Object, code: Object, number: Object, required: &[&str]| {
        let mut form = ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::Object))
            .property("phone", phone)
            .property("country_code", code)
            .property("phone_number", number)
            .property("first_name", free_text(true))
            .property("last_name", free_text(true))
            .property("time_zone", time_zone())
            .property(
                "category_ids",
                ArrayBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
                    .items(
                        ObjectBuilder::new()
                            .schema_type(SchemaType::new(Type::Integer))
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
                    ),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for field in required {
            form = form.required(*field);
        }
        form.build()
    };
    let mut forms = vec![with_phone(e164(), null(), null(), &["phone"])];
    forms.extend((1..=3).map(|code_digits| {
        with_phone(
            null(),
            country_code(code_digits),
            national_number(code_digits),
            &["country_code", "phone_number"],
        )
    }));
    if phone_optional {
        forms.push(with_phone(null(), null(), null(), &[]));
    }
    forms
}

fn any_of(forms: Vec<Object>, description: &str) -> RefOr<Schema> {
    let mut any_of = AnyOfBuilder::new().description(Some(description));
    for form in forms {
        any_of = any_of.item(form);
    }
    RefOr::T(Schema::AnyOf(any_of.build()))
}

/// The body creating a contact.
pub struct NewContactBody;

impl utoipa::PartialSchema for NewContactBody {
    fn schema() -> RefOr<Schema> {
        any_of(
            contact_forms(false),
            "A contact: the phone either in E.164 (`phone`) or as `country_code` + `phone_number`.",
        )
    }
}

impl utoipa::ToSchema for NewContactBody {}

/// The body changing a contact: absent fields stay as they are.
pub struct ContactChangesBody;

impl utoipa::PartialSchema for ContactChangesBody {
    fn schema() -> RefOr<Schema> {
        any_of(
            contact_forms(true),
            "Changes to a contact; a new phone either in E.164 (`phone`) or as `country_code` + `phone_number`.",
        )
    }
}

impl utoipa::ToSchema for ContactChangesBody {}

/// A header field of a contacts CSV file (the first line that is not blank), as the importer
/// reads it: trimmed, any case, after an optional byte order mark.
fn csv_header_names(column: &str) -> Object {
    let any_case: String = column
        .chars()
        .map(|c| match c.is_ascii_alphabetic() {
            true => format!("[{}{}]", c.to_ascii_uppercase(), c),
            false => c.to_string(),
        })
        .collect();
    let pattern = format!(r"^\ufeff?[\r\n]*(?:[^\r\n]*,)?[ \t]*{any_case}[ \t]*(?:[,\r\n]|$)");
    string(pattern, 0, None, false)
}

/// The body of `POST /contacts/import`: a CSV file whose header names `phone`, or
/// `country_code` and `phone_number`.
pub struct ContactsCsv;

impl utoipa::PartialSchema for ContactsCsv {
    fn schema() -> RefOr<Schema> {
        let parts = AllOfBuilder::new()
            .item(csv_header_names("country_code"))
            .item(csv_header_names("phone_number"));
        let any_of = AnyOfBuilder::new()
            .description(Some(
                "CSV with a header naming `phone` (E.164), or `country_code` and `phone_number`; \
                 optional `first_name`, `last_name`",
            ))
            .item(csv_header_names("phone"))
            .item(parts);
        RefOr::T(Schema::AnyOf(any_of.build()))
    }
}

impl utoipa::ToSchema for ContactsCsv {}

#[cfg(test)]
mod tests {
    use super::*;
    use campaign_domain::{PhoneNumber, Template};
    use proptest::prelude::*;
    use regex::Regex;

    fn regex(schema: Object) -> Regex {
        Regex::new(&schema.pattern.expect("a pattern")).expect("a valid regex")
    }

    fn accepted(schema: Object, text: &str) -> bool {
        let length = text.chars().count();
        regex(schema.clone()).is_match(text)
            && schema.min_length.is_none_or(|min| length >= min)
            && schema.max_length.is_none_or(|max| length <= max)
    }

    const SAMPLES: &[&str] = &[
        "",
        " ",
        "\t\u{3000}",
        "a",
        " a ",
        "\u{0}",
        "a\u{0}",
        "{first_name}",
        "{firstname}",
        "{first_name",
        "{{first_name}}",
        "{a{phone}",
        "{a{b}",
        "{}",
        "{ x }",
        "{x y}",
        "x{",
        "Hi {first_name} {last_name} ({phone})",
        "{Phone}",
        "{phone}{x}",
        "\u{1c}",
        "+33612345678",
        "0033612345678",
        "+0033612345678",
        "33 6 12 34 56 78",
        "+33 (6) 12-34.56.78",
        "+33612345678@c.us",
        " +33612345678 ",
        "+33612345678 @c.us",
        "+33612345678\t@c.us",
        "0612345678",
        "+3361234",
        "+336123456",
        "+3361234567890123",
        "++33612345678",
        "+",
        "33",
        "+33",
        "033",
        "1234",
        "6 12 34 56 78",
        "00612",
        "0 0 3 3 6 1 2 3 4 5 6 7",
    ];

    #[test]
    fn message_text_matches_template_parsing() {
        for text in SAMPLES {
            assert_eq!(
                accepted(message_text(false), text),
                Template::parse(text).is_ok() && !text.contains('\0'),
                "{text:?}"
            );
        }
    }

    #[test]
    fn name_pattern_matches_name_check() {
        for text in SAMPLES
            .iter()
            .copied()
            .chain([" 1234 ", " 12345", "1234\u{3000}"])
        {
            let expected = valid_name(text, 5).is_ok() && !text.contains('\0');
            assert_eq!(accepted(name(5, false), text), expected, "{text:?}");
        }
    }

    #[test]
    fn language_pattern_matches_language_check() {
        let codes = [
            "fr", "en_US", "zh_HK", "fil", "fil_PH", "es_419", "EN", "en_us", "e",
        ];
        for code in codes
            .into_iter()
            .chain(["en-US", "", "en_", "_US", "en_US_x", "abcd"])
        {
            assert_eq!(
                accepted(
                    campaign_domain::meta_template::schema::language_code(),
                    code
                ),
                crate::routes::campaign_templates::is_language_code(code),
                "{code:?}"
            );
        }
    }

    #[test]
    fn phone_patterns_match_phone_parsing() {
        for text in SAMPLES {
            assert_eq!(
                accepted(e164(), text),
                PhoneNumber::parse(text).is_ok(),
                "{text:?}"
            );
            for number in SAMPLES {
                let by_pattern = (1..=3).any(|digits| {
                    accepted(country_code(digits), text)
                        && accepted(national_number(digits), number)
                });
                assert_eq!(
                    by_pattern,
                    PhoneNumber::from_parts(text, number).is_ok(),
                    "{text:?} + {number:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn message_text_pattern_is_template_parsing(text in r"[ a-z_{}\t\u{3000}é]{0,24}") {
            prop_assert_eq!(accepted(message_text(false), &text), Template::parse(&text).is_ok());
        }

        #[test]
        fn phone_pattern_is_phone_parsing(text in r"[ +0-9().@cus\t-]{0,22}") {
            prop_assert_eq!(accepted(e164(), &text), PhoneNumber::parse(&text).is_ok());
        }

        #[test]
        fn phone_parts_patterns_are_phone_parsing(
            code in r"[ +0-9]{0,5}",
            number in r"[ 0-9().-]{0,18}",
        ) {
            let by_pattern = (1..=3).any(|digits| {
                accepted(country_code(digits), &code) && accepted(national_number(digits), &number)
            });
            prop_assert_eq!(by_pattern, PhoneNumber::from_parts(&code, &number).is_ok());
        }
    }
}
