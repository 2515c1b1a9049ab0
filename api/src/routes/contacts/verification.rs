//! WhatsApp number checks through the provider: one contact at once, many in the background
//! (the `VerifyNumbers` workflow), and how many contacts stand where.

use super::{Contact, ContactIds, refuse_unknown_contacts};
use crate::audit::Operator;
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::openapi::{MalformedId, MalformedJson};
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::{AuditAction, AuditTarget, VerifyNumbersWorkflowId};
use campaign_provider::WhatsAppProvider;
use campaign_workflows::{VerifyNumbers, VerifyNumbersInput};
use serde::Serialize;
use temporalio_client::WorkflowStartOptions;

/// A bulk WhatsApp check accepted: the distinct contacts it will check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct BulkVerifyAnswer {
    accepted: u64,
    /// The workflow doing the checks, when they run in one.
    workflow_id: Option<String>,
}

/// How many contacts stand where with WhatsApp.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct VerificationCounts {
    total: i64,
    verified: i64,
    not_on_whatsapp: i64,
    unverified: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/contacts/verification",
    tag = "contacts",
    operation_id = "verification_counts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Contacts by WhatsApp check result", body = VerificationCounts),
    )
)]
pub(super) async fn verification(
    State(context): State<ApiContext>,
    _user: AuthUser,
) -> ApiResult<ApiJson<VerificationCounts>> {
    let counts = context.store.verification_counts().await?;
    Ok(ApiJson(VerificationCounts {
        total: counts.total,
        verified: counts.verified,
        not_on_whatsapp: counts.not_on_whatsapp,
        unverified: counts.unverified,
    }))
}

/// Asks the provider whether `phone` has WhatsApp. Any failure means we could not find out, so
/// it is reported as the provider being unavailable rather than as an answer.
async fn number_exists(
    provider: &dyn WhatsAppProvider,
    contact_id: i64,
    phone: &str,
) -> ApiResult<bool> {
    refuse_without_number_check(provider)?;
    provider.number_exists(phone).await.map_err(|err| {
        tracing::warn!(
            contact_id,
            reason = err.reason(),
            "WhatsApp number check failed"
        );
        ApiError::Unavailable("WhatsApp provider")
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/contacts/{id}/verify",
    tag = "contacts",
    operation_id = "verify_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 200, description = "The contact with `whatsapp_verified` set by the provider's answer", body = Contact),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "The provider has no number check (Meta)", body = ErrorBody),
        (status = 503, description = "The WhatsApp provider could not be asked", body = ErrorBody),
    )
)]
pub(super) async fn verify(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<Contact>> {
    let contact = context.store.contact(id).await?;
    let exists = number_exists(context.provider.as_ref(), id, &contact.phone).await?;
    let entry = operator
        .origin
        .entry(AuditAction::ContactVerify)
        .target(AuditTarget::Contact, id)
        .summary(serde_json::json!({ "whatsapp_verified": exists }));
    Ok(ApiJson(
        context
            .store
            .set_whatsapp_verified(id, exists, Some(&entry))
            .await?
            .into(),
    ))
}

/// A 409 when the provider has no number check (Meta's Cloud API): nothing fakes one.
fn refuse_without_number_check(provider: &dyn WhatsAppProvider) -> ApiResult<()> {
    if provider.supports_number_check() {
        return Ok(());
    }
    Err(ApiError::Conflict(
        "number verification is not available on this provider (Meta's Cloud API has no number check)"
            .to_owned(),
    ))
}

/// Accepts the contacts for checking and answers at once; the `VerifyNumbers` workflow does the
/// checks in batches, durably: an API or worker restart does not lose them, and a provider
/// outage delays them rather than dropping them.
#[utoipa::path(
    post,
    path = "/api/v1/contacts/verify",
    tag = "contacts",
    operation_id = "verify_contacts",
    security(("bearer" = [])),
    request_body = ContactIds,
    responses(
        (status = 202, description = "Accepted: the checks run in the background", body = BulkVerifyAnswer),
        (status = 400, response = MalformedJson),
        (status = 409, description = "Unknown contact ids (`unknown_reference`), or the provider has no number check (Meta)", body = ErrorBody),
        (status = 422, description = "Too many ids, or invalid body", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
pub(super) async fn verify_many(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiJson(body): ApiJson<ContactIds>,
) -> ApiResult<(StatusCode, ApiJson<BulkVerifyAnswer>)> {
    body.within_limit()?;
    refuse_without_number_check(context.provider.as_ref())?;
    refuse_unknown_contacts(&context.store, &body.contact_ids).await?;
    let mut contact_ids = body.contact_ids;
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let accepted = contact_ids.len() as u64;
    let workflow_id =
        VerifyNumbersWorkflowId::new(uuid::Uuid::new_v4().simple().to_string()).to_string();
    context
        .temporal
        .start_workflow(
            VerifyNumbers::run,
            VerifyNumbersInput { contact_ids },
            WorkflowStartOptions::new(
                context.config.temporal.task_queue.clone(),
                workflow_id.clone(),
            )
            .build(),
        )
        .await
        .map_err(|err| {
            tracing::warn!(%err, "could not start the bulk WhatsApp check");
            ApiError::Unavailable("Temporal")
        })?;
    // The workflow owns the checks from here; its start is what the operator did.
    let entry = operator
        .origin
        .entry(AuditAction::ContactsVerify)
        .summary(serde_json::json!({ "accepted": accepted, "workflow_id": workflow_id }));
    context.store.record_audit(&entry).await?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(BulkVerifyAnswer {
            accepted,
            workflow_id: Some(workflow_id),
        }),
    ))
}
