//! Checking a send the way the Cloud API does, before anything is recorded
//! (<https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages/>,
//! <https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview>).
//!
//! Template problems (132000, 132001, 132015, 132016) are answered synchronously, as Meta does.
//! A text outside the customer-service window is accepted and then fails by webhook with 131047,
//! and so do the per-phone failures (131026, 131049, 131050, …): Meta reports delivery
//! problems in `statuses[].errors`, after the `200`.

use chrono::{DateTime, SubsecRound, Utc};
use rand::Rng;
use serde::Deserialize;

use crate::meta_account::MetaErrorCode;
use crate::meta_account::{
    MetaTemplate, PARAMETER_COMPONENTS, ParameterFormat, TemplateCategory, TemplateStatus, render,
};
use crate::phone;
use crate::record::{AcceptedParameter, AcceptedRecord, AcceptedTemplate, SendEndpoint};

/// WhatsApp's limit on a text message body, in characters.
const MAX_TEXT_CHARS: usize = 4096;

/// A send request body, reduced to what the sandbox checks.
#[derive(Debug, Deserialize)]
pub(crate) struct SendRequest {
    messaging_product: String,
    to: String,
    #[serde(rename = "type", default = "text_type")]
    kind: String,
    text: Option<TextBody>,
    template: Option<TemplateBody>,
    biz_opaque_callback_data: Option<String>,
}

fn text_type() -> String {
    "text".to_owned()
}

#[derive(Debug, Deserialize)]
struct TextBody {
    body: String,
}

#[derive(Debug, Deserialize)]
struct TemplateBody {
    name: String,
    language: Language,
    #[serde(default)]
    components: Vec<ComponentParameters>,
}

#[derive(Debug, Deserialize)]
struct Language {
    code: String,
}

#[derive(Debug, Deserialize)]
struct ComponentParameters {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    parameters: Vec<Parameter>,
}

#[derive(Debug, Deserialize)]
struct Parameter {
    text: Option<String>,
    parameter_name: Option<String>,
}

/// A refused send: the code and its `error_data.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: MetaErrorCode,
    pub(crate) details: String,
}

fn refuse(code: MetaErrorCode, details: impl Into<String>) -> Refusal {
    Refusal {
        code,
        details: details.into(),
    }
}

/// An accepted send: the record, and what its webhooks need to know.
#[derive(Debug, Clone)]
pub(crate) struct AcceptedSend {
    pub(crate) record: AcceptedRecord,
    /// The number as the client wrote it (`contacts[].input`).
    pub(crate) input: String,
    /// The template's category, for a template message.
    pub(crate) category: Option<TemplateCategory>,
    /// Whether the contact's window was open when the send was accepted (pricing).
    pub(crate) window_open: bool,
}

/// What the sandbox knows when it checks a send.
pub(crate) struct SendContext<'a> {
    pub(crate) endpoint: SendEndpoint,
    pub(crate) now: DateTime<Utc>,
    pub(crate) template: &'a dyn Fn(&str, &str) -> Option<MetaTemplate>,
    pub(crate) window_open: &'a dyn Fn(&str) -> bool,
}

/// A fresh WhatsApp message id, shaped like Meta's (`wamid.` and base64).
pub(crate) fn wamid() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    let body: String = (0..44)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("wamid.HBgL{body}=")
}

/// Checks `request` and builds the record of the accepted send, or says why Meta refuses it.
pub(crate) fn check(
    request: SendRequest,
    context: &SendContext<'_>,
) -> Result<AcceptedSend, Refusal> {
    if request.messaging_product != "whatsapp" {
        return Err(refuse(
            MetaErrorCode::InvalidParameter,
            "messaging_product must be \"whatsapp\"",
        ));
    }
    let phone = phone::normalize(&request.to).ok_or_else(|| {
        refuse(
            MetaErrorCode::InvalidParameter,
            format!("to: {:?} is not a phone number", request.to),
        )
    })?;
    let window_open = (context.window_open)(&phone);
    let (message, category, template) = match (request.kind.as_str(), context.endpoint) {
        ("text", SendEndpoint::MetaMessages) => {
            let body = request.text.map(|text| text.body).unwrap_or_default();
            let length = body.chars().count();
            if body.trim().is_empty() || length > MAX_TEXT_CHARS {
                return Err(refuse(
                    MetaErrorCode::InvalidParameter,
                    format!("text.body must hold 1 to {MAX_TEXT_CHARS} characters, got {length}"),
                ));
            }
            (body, None, None)
        }
        ("template", _) => {
            let body = request
                .template
                .ok_or_else(|| refuse(MetaErrorCode::InvalidParameter, "template is required"))?;
            let (message, template) = check_template(body, context)?;
            let category =
                (context.template)(&template.name, &template.language).map(|found| found.category);
            (message, category, Some(template))
        }
        (kind, endpoint) => {
            return Err(refuse(
                MetaErrorCode::InvalidParameter,
                format!("type {kind:?} is not supported on {endpoint:?} by the sandbox"),
            ));
        }
    };
    let id = wamid();
    Ok(AcceptedSend {
        record: AcceptedRecord {
            id: id.clone(),
            wa_id: id,
            phone,
            message,
            reference: request.biz_opaque_callback_data,
            accepted_at: context.now.trunc_subsecs(3),
            endpoint: context.endpoint,
            template,
        },
        input: request.to,
        category,
        window_open,
    })
}

/// Checks a template send against the catalog; returns the rendered body and the record's
/// template.
fn check_template(
    body: TemplateBody,
    context: &SendContext<'_>,
) -> Result<(String, AcceptedTemplate), Refusal> {
    let language = body.language.code;
    let missing = || {
        refuse(
            MetaErrorCode::TemplateDoesNotExist,
            format!("template name ({}) does not exist in {language}", body.name),
        )
    };
    let template = (context.template)(&body.name, &language).ok_or_else(missing)?;
    match template.status {
        TemplateStatus::Approved => {}
        TemplateStatus::Paused => {
            return Err(refuse(
                MetaErrorCode::TemplatePaused,
                format!(
                    "Template {} is paused due to low quality so it cannot be sent in a template message.",
                    body.name
                ),
            ));
        }
        TemplateStatus::Disabled => {
            return Err(refuse(
                MetaErrorCode::TemplateDisabled,
                format!(
                    "Template {} has been disabled and cannot be sent.",
                    body.name
                ),
            ));
        }
        _ => return Err(missing()),
    }
    let mut parameters = Vec::new();
    let mut rendered_body = String::new();
    for kind in PARAMETER_COMPONENTS {
        let expected = template.placeholders(kind);
        let given: Vec<&Parameter> = body
            .components
            .iter()
            .filter(|component| component.kind.eq_ignore_ascii_case(kind))
            .flat_map(|component| &component.parameters)
            .collect();
        if given.len() != expected.len() {
            return Err(refuse(
                MetaErrorCode::ParameterCountMismatch,
                format!(
                    "{kind}: number of localizable_params ({}) does not match the expected number of params ({})",
                    given.len(),
                    expected.len()
                ),
            ));
        }
        let named = template.parameter_format == ParameterFormat::Named;
        let stray = given.iter().find(|parameter| {
            parameter
                .parameter_name
                .as_ref()
                .is_none_or(|name| !expected.contains(name))
        });
        if let (true, Some(stray)) = (named, stray) {
            return Err(refuse(
                MetaErrorCode::ParameterCountMismatch,
                format!(
                    "{kind}: parameter_name {:?} does not match the template's parameters {expected:?}",
                    stray.parameter_name
                ),
            ));
        }
        let value_of = |placeholder: &str| {
            let position = expected.iter().position(|name| name == placeholder)?;
            let parameter = if named {
                given
                    .iter()
                    .find(|parameter| parameter.parameter_name.as_deref() == Some(placeholder))?
            } else {
                given.get(position)?
            };
            Some(parameter.text.clone().unwrap_or_default())
        };
        if kind == "body" {
            rendered_body = render(template.component_text(kind).unwrap_or_default(), value_of);
        }
        parameters.extend(given.iter().map(|parameter| AcceptedParameter {
            component: kind.to_owned(),
            name: parameter.parameter_name.clone(),
            text: parameter.text.clone().unwrap_or_default(),
        }));
    }
    Ok((
        rendered_body,
        AcceptedTemplate {
            name: body.name,
            language,
            parameters,
        },
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::meta_account::demo_catalog;

    fn run(body: serde_json::Value, window: bool) -> Result<AcceptedSend, Refusal> {
        let catalog = demo_catalog();
        let template = move |name: &str, language: &str| {
            catalog
                .iter()
                .find(|template| template.name == name && template.language == language)
                .map(|template| {
                    let mut template = template.clone();
                    if name == "appointment_reminder" {
                        template.status = TemplateStatus::Paused;
                    }
                    template
                })
        };
        let window_open = move |_: &str| window;
        let context = SendContext {
            endpoint: SendEndpoint::MetaMessages,
            now: Utc::now(),
            template: &template,
            window_open: &window_open,
        };
        check(serde_json::from_value(body).expect("parses"), &context)
    }

    fn positional(parameters: &[&str]) -> serde_json::Value {
        json!({
            "messaging_product": "whatsapp", "to": "33612345678", "type": "template",
            "biz_opaque_callback_data": "c1:k7:m1",
            "template": {"name": "spring_offer", "language": {"code": "fr"}, "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "Shop"}]},
                {"type": "body", "parameters": parameters.iter().map(|text| json!({"type": "text", "text": text})).collect::<Vec<_>>()},
            ]},
        })
    }

    #[test]
    fn a_matching_template_is_rendered_and_recorded() {
        let send = run(positional(&["Ana"]), false).expect("accepted");
        assert!(send.record.message.starts_with("Bonjour Ana, "));
        assert_eq!(send.record.reference.as_deref(), Some("c1:k7:m1"));
        assert!(send.record.id.starts_with("wamid."));
        assert_eq!(send.category, Some(TemplateCategory::Marketing));
        let template = send.record.template.expect("template recorded");
        assert_eq!(template.parameters.len(), 2);
    }

    #[test]
    fn template_errors_use_meta_codes() {
        let code = |body, window| run(body, window).expect_err("refused").code;
        assert_eq!(
            code(positional(&[]), false),
            MetaErrorCode::ParameterCountMismatch
        );
        assert_eq!(
            code(positional(&["a", "b"]), false),
            MetaErrorCode::ParameterCountMismatch
        );
        let mut unknown = positional(&["Ana"]);
        unknown["template"]["language"]["code"] = json!("de");
        assert_eq!(code(unknown, false), MetaErrorCode::TemplateDoesNotExist);
        let paused = json!({"messaging_product": "whatsapp", "to": "33612345678", "type": "template",
            "template": {"name": "appointment_reminder", "language": {"code": "fr"}}});
        assert_eq!(code(paused, false), MetaErrorCode::TemplatePaused);
    }

    #[test]
    fn named_templates_need_their_parameter_names() {
        let body = |name: &str| {
            json!({"messaging_product": "whatsapp", "to": "33612345678", "type": "template",
            "template": {"name": "spring_offer_named", "language": {"code": "fr"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "parameter_name": name, "text": "Ana"}]}]}})
        };
        let send = run(body("first_name"), false).expect("accepted");
        assert!(send.record.message.starts_with("Bonjour Ana,"));
        assert_eq!(
            run(body("last_name"), false).expect_err("refused").code,
            MetaErrorCode::ParameterCountMismatch
        );
    }

    #[test]
    fn texts_are_accepted_whatever_the_window_says() {
        let body = json!({"messaging_product": "whatsapp", "to": "+33612345678", "type": "text", "text": {"body": "Hi"}});
        let send = run(body, false).expect("accepted");
        assert!(!send.window_open);
        assert_eq!(send.record.phone, "+33612345678");
        assert_eq!(send.input, "+33612345678");
    }
}
