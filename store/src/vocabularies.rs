//! Where SQL stores a vocabulary, a named check constraint lists its names (issue 25). This test
//! fails when a Rust enum and its constraint disagree, in either direction, so a new variant
//! needs its migration and a dropped one cannot linger in the database.

use campaign_domain::{
    ActorKind, AudienceOutcome, AuditAction, AuditTarget, CampaignState, ConsentChange,
    FailureKind, InteractionType, JourneyState, MessageStatus, MessageType, Role, TemplateCategory,
    TemplateStatus, Variant,
};
use serde::Serialize;
use sqlx::PgPool;

/// The names the check constraint `constraint` (`column IN ('a', 'b', ...)`) allows, sorted.
async fn allowed(pool: &PgPool, constraint: &str) -> Vec<String> {
    let definition: String = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1",
    )
    .bind(constraint)
    .fetch_optional(pool)
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("no constraint {constraint}"));
    // `CHECK ((x = ANY (ARRAY['a'::text, 'b'::text])))`: every other piece between quotes is a
    // name.
    let mut names: Vec<String> = definition
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// The names serde, hence the API and the store, gives `values`, sorted.
fn names<T: Serialize>(values: &[T]) -> Vec<String> {
    let mut names: Vec<String> = values
        .iter()
        .map(|value| match serde_json::to_value(value).unwrap() {
            serde_json::Value::String(name) => name,
            other => panic!("{other} is not a name"),
        })
        .collect();
    names.sort();
    names
}

#[sqlx::test(migrator = "crate::MIGRATOR")]
async fn each_stored_vocabulary_is_its_enum_exactly(pool: PgPool) {
    let vocabularies = [
        ("users_role_check", names(&Role::ALL)),
        ("campaigns_status_check", names(&CampaignState::ALL)),
        ("journeys_state_check", names(&JourneyState::ALL)),
        ("journeys_failure_kind_check", names(&FailureKind::ALL)),
        ("messages_type_check", names(&MessageType::ALL)),
        ("messages_status_check", names(&MessageStatus::ALL)),
        ("messages_failure_kind_check", names(&FailureKind::ALL)),
        ("interactions_type_check", names(&InteractionType::ALL)),
        ("consent_changes_change_check", names(&ConsentChange::ALL)),
        (
            "whatsapp_templates_category_check",
            names(&TemplateCategory::ALL),
        ),
        (
            "whatsapp_templates_status_check",
            names(&TemplateStatus::ALL),
        ),
        ("audit_log_actor_kind_check", names(&ActorKind::ALL)),
        ("audit_log_action_check", names(&AuditAction::ALL)),
        ("audit_log_target_type_check", names(&AuditTarget::ALL)),
        (
            "campaign_audience_sets_outcome_check",
            names(&AudienceOutcome::ALL),
        ),
        ("campaign_variants_variant_check", names(&Variant::ALL)),
        ("journeys_variant_check", names(&Variant::ALL)),
        ("messages_variant_check", names(&Variant::ALL)),
    ];
    for (constraint, names) in vocabularies {
        assert_eq!(allowed(&pool, constraint).await, names, "{constraint}");
    }
}
