//! The business account's template catalog, read from `GET /{waba_id}/message_templates`.
//!
//! Each page answers `{data: [{name, language, category, status, parameter_format, components:
//! [{type: "HEADER", format, text?}, {type: "BODY", text}, {type: "FOOTER"}, {type: "BUTTONS"}],
//! id}], paging: {cursors, next?}}`
//! (<https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management/>).
//! The engine keeps what a campaign needs to check and preview a template: its name, language,
//! category, status, parameter format and the texts of its text header and body. A template
//! with a media header, a footer or buttons is listed all the same, but those parts are not
//! kept; a template whose category or status this engine does not know, or that has no body,
//! is left out with the reason, for the caller to log.

use campaign_domain::{CatalogTemplate, ParameterFormat, TemplateCategory, TemplateStatus};
use serde_json::Value;

/// The fields the catalog asks for.
pub const TEMPLATE_FIELDS: &str = "name,language,category,status,components,parameter_format";

/// One page of the catalog, read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CatalogPage {
    pub templates: Vec<CatalogTemplate>,
    /// Why each template left out was left out.
    pub skipped: Vec<String>,
    /// The URL of the next page, when there is one.
    pub next: Option<String>,
}

/// Reads one page; `Err` when the page itself is not Meta's list shape.
pub fn read_page(body: &str) -> Result<CatalogPage, String> {
    let value: Value =
        serde_json::from_str(body).map_err(|err| format!("unreadable template list: {err}"))?;
    let data = value
        .get("data")
        .and_then(Value::as_array)
        .ok_or("the template list has no `data` array")?;
    let mut page = CatalogPage {
        next: value
            .get("paging")
            .and_then(|paging| paging.get("next"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..CatalogPage::default()
    };
    for entry in data {
        match catalog_template(entry) {
            Ok(template) => page.templates.push(template),
            Err(reason) => page.skipped.push(reason),
        }
    }
    Ok(page)
}

/// A template's category as Meta writes it (`MARKETING`, ...); `None` for another.
pub fn category_from_meta(category: &str) -> Option<TemplateCategory> {
    match category.trim().to_ascii_uppercase().as_str() {
        "MARKETING" => Some(TemplateCategory::Marketing),
        "UTILITY" => Some(TemplateCategory::Utility),
        "AUTHENTICATION" => Some(TemplateCategory::Authentication),
        _ => None,
    }
}

fn catalog_template(entry: &Value) -> Result<CatalogTemplate, String> {
    let text = |field: &str| entry.get(field).and_then(Value::as_str);
    let name = text("name").ok_or("a template has no `name`")?;
    let language =
        text("language").ok_or_else(|| format!("template {name:?} has no `language`"))?;
    let which = || format!("template {name:?} in {language:?}");
    let raw_category = text("category").unwrap_or("");
    let category = category_from_meta(raw_category)
        .ok_or_else(|| format!("{} has the unknown category {raw_category:?}", which()))?;
    let raw_status = text("status").unwrap_or("");
    let status = TemplateStatus::from_meta(raw_status)
        .ok_or_else(|| format!("{} has the unknown status {raw_status:?}", which()))?;
    let parameter_format = match text("parameter_format") {
        Some(format) if format.eq_ignore_ascii_case("NAMED") => ParameterFormat::Named,
        // Meta's default, for templates created before named parameters existed.
        _ => ParameterFormat::Positional,
    };
    let components = entry
        .get("components")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let component = |kind: &str| {
        components.iter().find(|component| {
            component
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|found| found.eq_ignore_ascii_case(kind))
        })
    };
    let body_text = component("BODY")
        .and_then(|body| body.get("text"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{} has no body text", which()))?;
    let header_text = component("HEADER")
        .filter(|header| {
            header
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|format| format.eq_ignore_ascii_case("TEXT"))
        })
        .and_then(|header| header.get("text"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(CatalogTemplate {
        name: name.to_owned(),
        language: language.to_owned(),
        category,
        status,
        parameter_format,
        header_text,
        body_text: body_text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(data: Value, next: Option<&str>) -> String {
        let mut page =
            json!({ "data": data, "paging": { "cursors": { "before": "a", "after": "b" } } });
        if let Some(next) = next {
            page["paging"]["next"] = json!(next);
        }
        page.to_string()
    }

    #[test]
    fn templates_are_read_with_their_text_header_and_body() {
        let body = page(
            json!([{
                "name": "reservation_confirmation",
                "language": "en_US",
                "category": "MARKETING",
                "status": "APPROVED",
                "parameter_format": "NAMED",
                "id": "546151681022936",
                "components": [
                    { "type": "HEADER", "format": "TEXT", "text": "Hello {{first_name}}" },
                    { "type": "BODY", "text": "Your table for {{number_of_guests}} is set." },
                    { "type": "FOOTER", "text": "Lucky Shrub" },
                    { "type": "BUTTONS", "buttons": [{ "type": "QUICK_REPLY", "text": "Stop" }] },
                ],
            }]),
            Some("https://graph.facebook.com/v23.0/1/message_templates?after=b"),
        );
        let page = read_page(&body).unwrap();
        assert_eq!(
            page.templates,
            vec![CatalogTemplate {
                name: "reservation_confirmation".to_owned(),
                language: "en_US".to_owned(),
                category: TemplateCategory::Marketing,
                status: TemplateStatus::Approved,
                parameter_format: ParameterFormat::Named,
                header_text: Some("Hello {{first_name}}".to_owned()),
                body_text: "Your table for {{number_of_guests}} is set.".to_owned(),
            }]
        );
        assert!(page.skipped.is_empty());
        assert_eq!(
            page.next.as_deref(),
            Some("https://graph.facebook.com/v23.0/1/message_templates?after=b")
        );
    }

    #[test]
    fn a_media_header_is_listed_without_header_text_and_positional_is_the_default() {
        let body = page(
            json!([{
                "name": "new_menu",
                "language": "fr",
                "category": "UTILITY",
                "status": "PAUSED",
                "components": [
                    { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["h"] } },
                    { "type": "BODY", "text": "Bonjour {{1}}" },
                ],
            }]),
            None,
        );
        let page = read_page(&body).unwrap();
        let template = &page.templates[0];
        assert_eq!(template.header_text, None);
        assert_eq!(template.parameter_format, ParameterFormat::Positional);
        assert_eq!(template.status, TemplateStatus::Paused);
        assert_eq!(page.next, None);
    }

    #[test]
    fn unknown_categories_statuses_and_bodiless_templates_are_skipped_with_a_reason() {
        let template = |name: &str, category: &str, status: &str, body: bool| {
            let mut components = vec![];
            if body {
                components.push(json!({ "type": "BODY", "text": "Hi" }));
            }
            json!({ "name": name, "language": "en", "category": category, "status": status,
                    "components": components })
        };
        let body = page(
            json!([
                template("a", "SERVICE", "APPROVED", true),
                template("b", "UTILITY", "FLAGGED_FOREVER", true),
                template("c", "UTILITY", "APPROVED", false),
                template("d", "authentication", "in_appeal", true),
                { "language": "en" },
            ]),
            None,
        );
        let page = read_page(&body).unwrap();
        assert_eq!(page.templates.len(), 1);
        assert_eq!(page.templates[0].category, TemplateCategory::Authentication);
        assert_eq!(page.templates[0].status, TemplateStatus::InAppeal);
        assert_eq!(
            page.skipped,
            vec![
                "template \"a\" in \"en\" has the unknown category \"SERVICE\"".to_owned(),
                "template \"b\" in \"en\" has the unknown status \"FLAGGED_FOREVER\"".to_owned(),
                "template \"c\" in \"en\" has no body text".to_owned(),
                "a template has no `name`".to_owned(),
            ]
        );
    }

    #[test]
    fn a_page_without_data_is_an_error() {
        assert!(read_page(r#"{"error": "nope"}"#).is_err());
        assert!(read_page("<html>").is_err());
    }
}
