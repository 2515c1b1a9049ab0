//! Message personalisation (R18): `{first_name}`, `{last_name}` and `{phone}` are rendered per
//! contact at send time. A text is parsed when a campaign is created or edited, so an unknown
//! placeholder is refused up front instead of being discovered mid-campaign.

/// Longest text WhatsApp (and so the provider) accepts.
pub const MAX_TEXT_CHARS: usize = 4096;

/// The placeholders a text may use.
pub const PLACEHOLDERS: [&str; 3] = ["first_name", "last_name", "phone"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("message text is empty")]
    Empty,
    #[error("message text is {0} characters long; the maximum is 4096")]
    TooLong(usize),
    #[error("unknown placeholder {{{0}}}; allowed: {{first_name}}, {{last_name}}, {{phone}}")]
    UnknownPlaceholder(String),
}

/// A message text whose placeholders are all known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(String);

/// The contact fields a template can use.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub phone: &'a str,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        if text.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(TemplateError::TooLong(chars));
        }
        for name in placeholder_names(text) {
            if !PLACEHOLDERS.contains(&name) {
                return Err(TemplateError::UnknownPlaceholder(name.to_owned()));
            }
        }
        Ok(Template(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Renders the text for one contact; a missing name renders as nothing.
    pub fn render(&self, recipient: &Recipient<'_>) -> String {
        let mut out = String::with_capacity(self.0.len());
        let mut rest = self.0.as_str();
        while let Some((before, name, after)) = next_placeholder(rest) {
            out.push_str(before);
            out.push_str(match name {
                "first_name" => recipient.first_name.unwrap_or(""),
                "last_name" => recipient.last_name.unwrap_or(""),
                "phone" => recipient.phone,
                _ => unreachable!("Template::parse admits only known placeholders"),
            });
            rest = after;
        }
        out.push_str(rest);
        out
    }
}

/// A placeholder is `{` + lowercase identifier + `}`; any other brace is literal text.
fn next_placeholder(text: &str) -> Option<(&str, &str, &str)> {
    let mut search_from = 0;
    while let Some(offset) = text[search_from..].find('{') {
        let open = search_from + offset;
        let after_open = &text[open + 1..];
        let name_len = after_open
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        if name_len > 0 && after_open.as_bytes().get(name_len) == Some(&b'}') {
            return Some((
                &text[..open],
                &after_open[..name_len],
                &after_open[name_len + 1..],
            ));
        }
        search_from = open + 1;
    }
    None
}

fn placeholder_names(mut text: &str) -> impl Iterator<Item = &str> {
    std::iter::from_fn(move || {
        let (_, name, rest) = next_placeholder(text)?;
        text = rest;
        Some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALICE: Recipient<'static> = Recipient {
        first_name: Some("Alice"),
        last_name: None,
        phone: "+33612345678",
    };

    #[test]
    fn renders_known_placeholders_and_empty_names() {
        let template =
            Template::parse("Hi {first_name} {last_name}! ({phone}) {not a placeholder}").unwrap();
        assert_eq!(
            template.render(&ALICE),
            "Hi Alice ! (+33612345678) {not a placeholder}"
        );
    }

    #[test]
    fn refuses_unknown_placeholders_and_long_texts() {
        assert_eq!(
            Template::parse("Hi {firstname}"),
            Err(TemplateError::UnknownPlaceholder("firstname".into()))
        );
        assert_eq!(
            Template::parse(&"a".repeat(4097)),
            Err(TemplateError::TooLong(4097))
        );
        assert!(Template::parse(&"é".repeat(4096)).is_ok());
        assert_eq!(Template::parse("  "), Err(TemplateError::Empty));
    }

    proptest! {
        #[test]
        fn text_without_placeholders_renders_unchanged(text in "[a-zA-Z0-9 .,!?{}]{1,200}") {
            prop_assume!(next_placeholder(&text).is_none() && !text.trim().is_empty());
            prop_assert_eq!(Template::parse(&text).unwrap().render(&ALICE), text);
        }

        #[test]
        fn names_are_substituted_verbatim(first in "[A-Za-z]{0,12}", last in "[A-Za-z]{0,12}") {
            let template = Template::parse("<{first_name}|{last_name}>").unwrap();
            let recipient = Recipient { first_name: Some(&first), last_name: Some(&last), phone: "+33612345678" };
            prop_assert_eq!(template.render(&recipient), format!("<{first}|{last}>"));
        }
    }
}
