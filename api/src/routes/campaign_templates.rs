//! A campaign's WhatsApp templates as requests carry them (SPEC §7): their shape is checked when
//! the campaign is written; whether they match the business account's catalog is checked at
//! launch, when the catalog is as it will be for the sends.

use crate::error::{ApiError, ApiResult};
use campaign_domain::meta_template::{
    MAX_PARAMETER_CHARS, MAX_TEMPLATE_NAME_CHARS, MAX_TEMPLATE_PARAMETERS,
};
use campaign_domain::{ParameterSource, TemplateMessage};
use serde::{Deserialize, Deserializer};

/// Refuses a template whose shape cannot be right whatever the catalog says.
pub fn valid_template(field: &str, template: &TemplateMessage) -> ApiResult<()> {
    let refuse = |reason: String| Err(ApiError::Validation(format!("{field}: {reason}")));
    let name = template.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TEMPLATE_NAME_CHARS {
        return refuse(format!(
            "name must have 1 to {MAX_TEMPLATE_NAME_CHARS} characters"
        ));
    }
    if !is_language_code(&template.language) {
        return refuse(format!(
            "language {:?} is not a language code such as `fr` or `en_US`",
            template.language
        ));
    }
    if template.parameters.len() > MAX_TEMPLATE_PARAMETERS {
        return refuse(format!("at most {MAX_TEMPLATE_PARAMETERS} parameters"));
    }
    for (index, parameter) in template.parameters.iter().enumerate() {
        let text = parameter.text.as_deref().unwrap_or("");
        if parameter.source == ParameterSource::Text && text.trim().is_empty() {
            return refuse(format!(
                "parameter {} is a fixed text without text",
                index + 1
            ));
        }
        if text.chars().count() > MAX_PARAMETER_CHARS {
            return refuse(format!(
                "parameter {} is longer than {MAX_PARAMETER_CHARS} characters",
                index + 1
            ));
        }
        if parameter.name.as_deref().is_some_and(|name| {
            name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }) {
            return refuse(format!(
                "parameter {} has a name that is no placeholder name",
                index + 1
            ));
        }
    }
    Ok(())
}

/// `fr`, `en_US`, `pt_BR`, `zh_HK`...: Meta's language codes.
pub(crate) fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('_');
    let language = parts.next().unwrap_or("");
    let region = parts.next();
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|region| {
            (2..=3).contains(&region.len()) && region.chars().all(|c| c.is_ascii_uppercase())
        })
        && parts.next().is_none()
}

/// A field that may be absent (leave it), `null` (remove it) or a value (set it).
pub fn set_or_clear<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(json: serde_json::Value) -> TemplateMessage {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn shapes_are_checked_and_named() {
        let good = template(serde_json::json!({
            "name": "spring_offer", "language": "pt_BR",
            "parameters": [{"source": "first_name"}, {"source": "text", "text": "X1", "name": "code"}]
        }));
        assert!(valid_template("message_1_template", &good).is_ok());
        for (json, expected) in [
            (
                serde_json::json!({"name": " ", "language": "fr"}),
                "name must have",
            ),
            (
                serde_json::json!({"name": "a", "language": "french"}),
                "language \"french\"",
            ),
            (
                serde_json::json!({"name": "a", "language": "fr_fr"}),
                "language",
            ),
            (
                serde_json::json!({"name": "a", "language": "fr", "parameters": [{"source": "text"}]}),
                "parameter 1 is a fixed text without text",
            ),
            (
                serde_json::json!({"name": "a", "language": "fr", "parameters": [{"source": "phone", "name": "a b"}]}),
                "no placeholder name",
            ),
        ] {
            let err = valid_template("message_1_template", &template(json)).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn absent_null_and_value_are_told_apart() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "set_or_clear")]
            field: Option<Option<u8>>,
        }
        let read = |json: &str| serde_json::from_str::<Body>(json).unwrap().field;
        assert_eq!(read("{}"), None);
        assert_eq!(read(r#"{"field": null}"#), Some(None));
        assert_eq!(read(r#"{"field": 3}"#), Some(Some(3)));
    }
}
