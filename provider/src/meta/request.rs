//! The body of a send, and the endpoint it goes to: pure, so the shapes are tested without
//! a network.
//!
//! Shapes, from Meta's pages:
//! * text: `{messaging_product: "whatsapp", recipient_type: "individual", to, type: "text",
//!   text: {body, preview_url}}`, at most 4,096 characters
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages/>);
//! * template: `{..., type: "template", template: {name, language: {code}, components:
//!   [{type: "header"|"body", parameters: [{type: "text", text, parameter_name?}]}]}}`, where a
//!   named template's parameters carry `parameter_name`
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview>);
//! * `biz_opaque_callback_data`: an arbitrary string of at most 512 characters, which Meta does
//!   not process and echoes in the status webhooks of the message
//!   (<https://developers.facebook.com/docs/whatsapp/business-platform/changelog>);
//! * a template whose *latest* category is MARKETING goes to `/marketing_messages`, every other
//!   send to `/messages`, with the same body
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/marketing-messages/route-template-messages/>).

use crate::{FailureKind, OutgoingContent, OutgoingMessage, ProviderError};
use campaign_domain::{RenderedParameter, RenderedTemplate, TemplateCategory};
use serde_json::{Value, json};

/// Longest `biz_opaque_callback_data` Meta accepts, in characters.
pub const MAX_CALLBACK_DATA_CHARS: usize = 512;

/// Where a send goes, under `/{version}/{phone_number_id}/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendEndpoint {
    /// `/messages`: text, and templates of every category but marketing.
    Messages,
    /// `/marketing_messages`: templates whose latest category is MARKETING.
    MarketingMessages,
}

impl SendEndpoint {
    /// The endpoint Meta asks this content to be sent to.
    pub fn for_content(content: &OutgoingContent) -> SendEndpoint {
        match content {
            OutgoingContent::Template(RenderedTemplate {
                category: TemplateCategory::Marketing,
                ..
            }) => SendEndpoint::MarketingMessages,
            _ => SendEndpoint::Messages,
        }
    }

    /// The path segment after the phone number id.
    pub fn path(self) -> &'static str {
        match self {
            SendEndpoint::Messages => "messages",
            SendEndpoint::MarketingMessages => "marketing_messages",
        }
    }
}

/// The JSON body of a send. Refuses (permanently) a reference too long for Meta to echo,
/// since a send whose receipts could not be matched to it must not leave.
pub fn message_body(message: &OutgoingMessage) -> Result<Value, ProviderError> {
    if message.reference.chars().count() > MAX_CALLBACK_DATA_CHARS {
        return Err(ProviderError::permanent(
            FailureKind::Unknown,
            format!(
                "the message reference is longer than the {MAX_CALLBACK_DATA_CHARS} characters \
                 Meta echoes in biz_opaque_callback_data"
            ),
        ));
    }
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient_digits(&message.phone),
        "biz_opaque_callback_data": message.reference,
    });
    match &message.content {
        OutgoingContent::Text { body: text } => {
            body["type"] = json!("text");
            body["text"] = json!({ "body": text, "preview_url": false });
        }
        OutgoingContent::Template(template) => {
            body["type"] = json!("template");
            body["template"] = template_object(template);
        }
    }
    Ok(body)
}

/// The recipient as digits only: Meta takes the international number with or without `+`,
/// and answers and reports it (`wa_id`, `from`) as digits.
fn recipient_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

fn template_object(template: &RenderedTemplate) -> Value {
    let mut object = json!({
        "name": template.name,
        "language": { "code": template.language },
    });
    let components: Vec<Value> = [("header", &template.header), ("body", &template.body)]
        .into_iter()
        .filter(|(_, parameters)| !parameters.is_empty())
        .map(|(kind, parameters)| {
            json!({
                "type": kind,
                "parameters": parameters.iter().map(text_parameter).collect::<Vec<_>>(),
            })
        })
        .collect();
    if !components.is_empty() {
        object["components"] = Value::Array(components);
    }
    object
}

fn text_parameter(parameter: &RenderedParameter) -> Value {
    let mut value = json!({ "type": "text", "text": parameter.text });
    if let Some(name) = &parameter.name {
        value["parameter_name"] = json!(name);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(content: OutgoingContent) -> OutgoingMessage {
        OutgoingMessage {
            phone: "+34 600 111 222".to_owned(),
            content,
            reference: "campaign-1-contact-7-message_1".to_owned(),
        }
    }

    fn template(category: TemplateCategory, named: bool, header: bool) -> OutgoingContent {
        let parameter = |name: &str, text: &str| RenderedParameter {
            name: named.then(|| name.to_owned()),
            text: text.to_owned(),
        };
        OutgoingContent::Template(RenderedTemplate {
            name: "spring_sale".to_owned(),
            language: "fr".to_owned(),
            category,
            header: if header {
                vec![parameter("shop", "Lucky Shrub")]
            } else {
                vec![]
            },
            body: vec![parameter("first_name", "Ana"), parameter("discount", "20%")],
        })
    }

    #[test]
    fn text_goes_to_messages_without_a_link_preview() {
        let message = message(OutgoingContent::text("Merci !"));
        assert_eq!(
            message_body(&message).unwrap(),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "34600111222",
                "biz_opaque_callback_data": "campaign-1-contact-7-message_1",
                "type": "text",
                "text": { "body": "Merci !", "preview_url": false },
            })
        );
        assert_eq!(
            SendEndpoint::for_content(&message.content),
            SendEndpoint::Messages
        );
    }

    #[test]
    fn a_positional_template_sends_its_parameters_in_order() {
        let body =
            message_body(&message(template(TemplateCategory::Utility, false, true))).unwrap();
        assert_eq!(body["type"], "template");
        assert_eq!(
            body["template"],
            json!({
                "name": "spring_sale",
                "language": { "code": "fr" },
                "components": [
                    { "type": "header", "parameters": [{ "type": "text", "text": "Lucky Shrub" }] },
                    { "type": "body", "parameters": [
                        { "type": "text", "text": "Ana" },
                        { "type": "text", "text": "20%" },
                    ] },
                ],
            })
        );
    }

    #[test]
    fn a_named_template_names_its_parameters_and_omits_an_empty_header() {
        let body =
            message_body(&message(template(TemplateCategory::Marketing, true, false))).unwrap();
        assert_eq!(
            body["template"]["components"],
            json!([{ "type": "body", "parameters": [
                { "type": "text", "parameter_name": "first_name", "text": "Ana" },
                { "type": "text", "parameter_name": "discount", "text": "20%" },
            ] }])
        );
    }

    #[test]
    fn a_template_without_parameters_has_no_components() {
        let content = OutgoingContent::Template(RenderedTemplate {
            name: "hello_world".to_owned(),
            language: "en_US".to_owned(),
            category: TemplateCategory::Utility,
            header: vec![],
            body: vec![],
        });
        let body = message_body(&message(content)).unwrap();
        assert_eq!(
            body["template"],
            json!({ "name": "hello_world", "language": { "code": "en_US" } })
        );
    }

    #[test]
    fn only_marketing_templates_go_to_marketing_messages() {
        for (category, endpoint) in [
            (TemplateCategory::Marketing, SendEndpoint::MarketingMessages),
            (TemplateCategory::Utility, SendEndpoint::Messages),
            (TemplateCategory::Authentication, SendEndpoint::Messages),
        ] {
            let content = template(category, false, false);
            assert_eq!(
                SendEndpoint::for_content(&content),
                endpoint,
                "{category:?}"
            );
        }
        assert_eq!(SendEndpoint::MarketingMessages.path(), "marketing_messages");
    }

    #[test]
    fn a_reference_meta_cannot_echo_is_refused() {
        let mut message = message(OutgoingContent::text("hi"));
        message.reference = "r".repeat(MAX_CALLBACK_DATA_CHARS);
        assert!(message_body(&message).is_ok());
        message.reference.push('r');
        assert!(matches!(
            message_body(&message),
            Err(ProviderError::Permanent { .. })
        ));
    }
}
