use super::*;
use proptest::prelude::*;

fn catalog(format: ParameterFormat, header: Option<&str>, body: &str) -> CatalogTemplate {
    CatalogTemplate {
        name: "spring_offer".to_owned(),
        language: "fr".to_owned(),
        category: TemplateCategory::Marketing,
        status: TemplateStatus::Approved,
        parameter_format: format,
        header_text: header.map(str::to_owned),
        body_text: body.to_owned(),
    }
}

fn parameter(
    component: TemplateComponent,
    name: Option<&str>,
    source: ParameterSource,
    text: Option<&str>,
) -> TemplateParameter {
    TemplateParameter {
        component,
        name: name.map(str::to_owned),
        source,
        text: text.map(str::to_owned),
    }
}

fn message(parameters: Vec<TemplateParameter>) -> TemplateMessage {
    TemplateMessage {
        name: "spring_offer".to_owned(),
        language: "fr".to_owned(),
        parameters,
    }
}

const ANA: Recipient<'static> = Recipient {
    first_name: Some("Ana"),
    last_name: None,
    phone: "+33612345678",
};

#[test]
fn placeholders_are_listed_once_in_order_and_malformed_ones_skipped() {
    assert_eq!(
        placeholders("Hi {{1}}, {{2}} and {{1}} again {{ 3 }} {{bad-name}} {{}} {{4"),
        vec!["1", "2", "3"]
    );
    assert_eq!(
        placeholders("{{first_name}}: {{code}}"),
        vec!["first_name", "code"]
    );
    assert!(placeholders("no placeholder").is_empty());
}

#[test]
fn a_positional_template_takes_its_parameters_in_order() {
    let catalog = catalog(
        ParameterFormat::Positional,
        Some("Offre {{1}}"),
        "Bonjour {{1}}, votre code : {{2}}",
    );
    let campaign = message(vec![
        parameter(
            TemplateComponent::Header,
            None,
            ParameterSource::Text,
            Some("printemps"),
        ),
        parameter(
            TemplateComponent::Body,
            None,
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            None,
            ParameterSource::Text,
            Some("MERCI10"),
        ),
    ]);
    assert_eq!(campaign.check(&catalog), Ok(()));
    let rendered = campaign.render(catalog.category, &ANA).unwrap();
    assert_eq!(
        rendered.fill(&catalog.body_text, TemplateComponent::Body),
        "Bonjour Ana, votre code : MERCI10"
    );
    assert_eq!(
        rendered.fill(
            catalog.header_text.as_deref().unwrap(),
            TemplateComponent::Header
        ),
        "Offre printemps"
    );
}

#[test]
fn a_positional_placeholder_takes_its_numbered_value_wherever_it_stands() {
    let catalog = catalog(ParameterFormat::Positional, None, "Code {{2}} pour {{1}}");
    let campaign = message(vec![
        parameter(
            TemplateComponent::Body,
            None,
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            None,
            ParameterSource::Text,
            Some("X1"),
        ),
    ]);
    let rendered = campaign.render(catalog.category, &ANA).unwrap();
    assert_eq!(
        rendered.fill(&catalog.body_text, TemplateComponent::Body),
        "Code X1 pour Ana"
    );
}

#[test]
fn a_named_template_is_filled_by_name_whatever_the_order() {
    let catalog = catalog(ParameterFormat::Named, None, "{{code}} pour {{first_name}}");
    let campaign = message(vec![
        parameter(
            TemplateComponent::Body,
            Some("first_name"),
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            Some("code"),
            ParameterSource::Text,
            Some("X1"),
        ),
    ]);
    assert_eq!(campaign.check(&catalog), Ok(()));
    let rendered = campaign.render(catalog.category, &ANA).unwrap();
    assert_eq!(
        rendered.fill(&catalog.body_text, TemplateComponent::Body),
        "X1 pour Ana"
    );
}

#[test]
fn mismatches_are_named() {
    let positional = catalog(ParameterFormat::Positional, None, "Bonjour {{1}} {{2}}");
    let one = message(vec![parameter(
        TemplateComponent::Body,
        None,
        ParameterSource::FirstName,
        None,
    )]);
    assert!(matches!(
        one.check(&positional),
        Err(TemplateMismatch::ParameterCount {
            expected: 2,
            given: 1,
            ..
        })
    ));
    let named_on_positional = message(vec![
        parameter(
            TemplateComponent::Body,
            Some("a"),
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            Some("b"),
            ParameterSource::FirstName,
            None,
        ),
    ]);
    assert!(matches!(
        named_on_positional.check(&positional),
        Err(TemplateMismatch::NamedOnPositional { .. })
    ));
    let header_without_header = message(vec![
        parameter(
            TemplateComponent::Header,
            None,
            ParameterSource::Text,
            Some("x"),
        ),
        parameter(
            TemplateComponent::Body,
            None,
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            None,
            ParameterSource::FirstName,
            None,
        ),
    ]);
    assert!(matches!(
        header_without_header.check(&positional),
        Err(TemplateMismatch::NoHeader { .. })
    ));

    let named = catalog(ParameterFormat::Named, None, "{{first_name}} {{code}}");
    let missing = message(vec![parameter(
        TemplateComponent::Body,
        Some("first_name"),
        ParameterSource::FirstName,
        None,
    )]);
    let err = missing.check(&named).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template \"spring_offer\": body placeholder {{code}} has no parameter"
    );
    let unknown = message(vec![
        parameter(
            TemplateComponent::Body,
            Some("first_name"),
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            Some("coupon"),
            ParameterSource::Text,
            Some("x"),
        ),
    ]);
    assert_eq!(
        unknown.check(&named).unwrap_err().to_string(),
        "template \"spring_offer\" has no body placeholder {{coupon}}"
    );
    let empty_text = message(vec![
        parameter(
            TemplateComponent::Body,
            Some("first_name"),
            ParameterSource::FirstName,
            None,
        ),
        parameter(
            TemplateComponent::Body,
            Some("code"),
            ParameterSource::Text,
            Some("  "),
        ),
    ]);
    assert!(matches!(
        empty_text.check(&named),
        Err(TemplateMismatch::EmptyText { .. })
    ));
}

#[test]
fn only_an_approved_template_passes() {
    for status in TemplateStatus::ALL {
        let mut catalog = catalog(ParameterFormat::Positional, None, "Bonjour");
        catalog.status = status;
        let result = message(Vec::new()).check(&catalog);
        assert_eq!(
            result.is_ok(),
            status == TemplateStatus::Approved,
            "{status}"
        );
    }
}

#[test]
fn an_empty_contact_field_takes_the_fallback_or_refuses_to_render() {
    let nameless = Recipient {
        first_name: Some("  "),
        last_name: None,
        phone: "+33612345678",
    };
    let with_fallback = message(vec![parameter(
        TemplateComponent::Body,
        None,
        ParameterSource::FirstName,
        Some("cher client"),
    )]);
    let rendered = with_fallback
        .render(TemplateCategory::Marketing, &nameless)
        .unwrap();
    assert_eq!(rendered.body[0].text, "cher client");
    let without = message(vec![parameter(
        TemplateComponent::Body,
        None,
        ParameterSource::LastName,
        None,
    )]);
    let err = without
        .render(TemplateCategory::Marketing, &nameless)
        .unwrap_err();
    assert_eq!(err.field, "last_name");
    let phone = message(vec![parameter(
        TemplateComponent::Body,
        None,
        ParameterSource::Phone,
        None,
    )]);
    assert_eq!(
        phone
            .render(TemplateCategory::Utility, &nameless)
            .unwrap()
            .body[0]
            .text,
        "+33612345678"
    );
}

#[test]
fn statuses_read_meta_spelling() {
    assert_eq!(
        TemplateStatus::from_meta("APPROVED"),
        Some(TemplateStatus::Approved)
    );
    assert_eq!(
        TemplateStatus::from_meta("IN_APPEAL"),
        Some(TemplateStatus::InAppeal)
    );
    assert_eq!(TemplateStatus::from_meta("FLAGGED"), None);
    for status in TemplateStatus::ALL {
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::Value::String(status.as_str().to_owned())
        );
    }
}

#[test]
fn a_campaign_template_reads_from_json_with_defaults() {
    let parsed: TemplateMessage = serde_json::from_str(
        r#"{"name":"spring_offer","language":"fr","parameters":[{"source":"first_name"},{"source":"text","text":"MERCI10"}]}"#,
    )
    .unwrap();
    assert_eq!(parsed.parameters[0].component, TemplateComponent::Body);
    assert_eq!(parsed.parameters[1].text.as_deref(), Some("MERCI10"));
}

proptest! {
    /// A positional template checks exactly when the campaign gives as many parameters as it
    /// has distinct placeholders, and rendering fills every one of them.
    #[test]
    fn positional_count_decides(placeholder_count in 0usize..6, given in 0usize..6) {
        let body: String = (1..=placeholder_count).map(|n| format!("p{{{{{n}}}}} ")).collect();
        let catalog = catalog(ParameterFormat::Positional, None, &body);
        let campaign = message(
            (0..given)
                .map(|n| parameter(TemplateComponent::Body, None, ParameterSource::Text, Some(&format!("v{n}"))))
                .collect(),
        );
        prop_assert_eq!(campaign.check(&catalog).is_ok(), placeholder_count == given);
        if placeholder_count == given {
            let filled = campaign
                .render(catalog.category, &ANA)
                .unwrap()
                .fill(&catalog.body_text, TemplateComponent::Body);
            prop_assert!(!filled.contains("{{"), "{}", filled);
        }
    }

    /// A named template checks exactly when the names given are the placeholders' names.
    #[test]
    fn named_sets_decide(
        expected in proptest::collection::btree_set("[a-z]{1,6}", 0..4),
        given in proptest::collection::btree_set("[a-z]{1,6}", 0..4),
    ) {
        let body: String = expected.iter().map(|name| format!("{{{{{name}}}}} ")).collect();
        let catalog = catalog(ParameterFormat::Named, None, &body);
        let campaign = message(
            given
                .iter()
                .map(|name| parameter(TemplateComponent::Body, Some(name), ParameterSource::Text, Some("x")))
                .collect(),
        );
        prop_assert_eq!(campaign.check(&catalog).is_ok(), expected == given);
    }
}
