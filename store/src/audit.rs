//! The audit log (R22, `migrations/20261207000001_audit_log.sql`): one row per state-changing
//! action, written by [`record`] on the transaction that makes the change, so the row commits
//! with the change or not at all. A refused action (a validation error, a 404, a 409) rolls its
//! transaction back and leaves no row.
//!
//! Writers elsewhere (opt-out and opt-in by a contact, scheduling) call [`record`] with their own
//! transaction:
//!
//! ```ignore
//! let mut tx = pool.begin().await?;
//! /* ... the change ... */
//! let entry = AuditEntry::new(Actor::contact(id, phone), AuditAction::ContactOptOut)
//!     .target(AuditTarget::Contact, id)
//!     .summary(serde_json::json!({ "keyword": "STOP" }));
//! campaign_store::audit::record(&mut *tx, &entry).await?;
//! tx.commit().await?;
//! ```
//!
//! The table is append-only (triggers refuse UPDATE, DELETE and TRUNCATE); this module only
//! inserts and reads.

use super::{Store, StoreError};
use crate::page::{Page, PageRequest};
pub use campaign_domain::{ActorKind, AuditAction, AuditTarget};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use std::net::IpAddr;

/// Longest label kept (an email is at most 254 characters; a failed sign-in may carry anything).
const MAX_LABEL_CHARS: usize = 320;

/// Who acted: an operator, a contact (through the provider), or nobody authenticated. It
/// serialises so that a scheduled launch (R20) can act, later, as whoever scheduled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i64>,
    /// An email or a phone: what a reader recognises, and what stays once the user is deleted.
    pub label: Option<String>,
}

impl Actor {
    pub fn user(id: i64, email: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::User,
            id: Some(id),
            label: Some(email.into()),
        }
    }

    pub fn contact(id: i64, phone: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::Contact,
            id: Some(id),
            label: Some(phone.into()),
        }
    }

    /// Nobody authenticated; `label` says who they claimed to be (the email of a sign-in).
    pub fn anonymous(label: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::Anonymous,
            id: None,
            label: Some(label.into()),
        }
    }
}

/// Who acts and from where: what every audit row of a request shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub actor: Actor,
    pub client_addr: Option<IpAddr>,
}

impl Origin {
    pub fn new(actor: Actor, client_addr: Option<IpAddr>) -> Origin {
        Origin { actor, client_addr }
    }

    /// An entry for `action` by this actor from this address.
    pub fn entry(&self, action: AuditAction) -> AuditEntry {
        AuditEntry::new(self.actor.clone(), action).from_addr(self.client_addr)
    }
}

/// One audit row to write.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: Actor,
    pub action: AuditAction,
    pub target_type: Option<AuditTarget>,
    pub target_id: Option<String>,
    /// A short JSON object saying what changed (field names, counts), never secrets.
    pub summary: serde_json::Value,
    /// The client's address (the TCP peer), when the action came through HTTP.
    pub client_addr: Option<IpAddr>,
}

impl AuditEntry {
    pub fn new(actor: Actor, action: AuditAction) -> AuditEntry {
        AuditEntry {
            actor,
            action,
            target_type: None,
            target_id: None,
            summary: serde_json::json!({}),
            client_addr: None,
        }
    }

    pub fn target(mut self, target_type: AuditTarget, target_id: impl ToString) -> AuditEntry {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id.to_string());
        self
    }

    pub fn summary(mut self, summary: serde_json::Value) -> AuditEntry {
        self.summary = summary;
        self
    }

    pub fn from_addr(mut self, client_addr: Option<IpAddr>) -> AuditEntry {
        self.client_addr = client_addr;
        self
    }
}

/// A row of the audit log as read back.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub actor_label: Option<String>,
    pub action: AuditAction,
    pub target_type: Option<AuditTarget>,
    pub target_id: Option<String>,
    pub summary: serde_json::Value,
    pub client_addr: Option<String>,
}

/// Which rows a read covers; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An actor id, or a label (email, phone) matched whole and case-insensitively.
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    pub target_type: Option<AuditTarget>,
    pub target_id: Option<String>,
    /// From this time, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Up to this time, exclusive.
    pub to: Option<DateTime<Utc>>,
}

/// Writes `entry` on `executor`: pass the transaction of the change it describes.
pub async fn record(executor: impl PgExecutor<'_>, entry: &AuditEntry) -> Result<(), StoreError> {
    let label = entry
        .actor
        .label
        .as_deref()
        .map(|label| label.chars().take(MAX_LABEL_CHARS).collect::<String>());
    sqlx::query!(
        "INSERT INTO audit_log (actor_kind, actor_id, actor_label, action, target_type, target_id, \
         summary, client_addr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::inet)",
        entry.actor.kind.as_str(),
        entry.actor.id,
        label,
        entry.action.as_str(),
        entry.target_type.map(AuditTarget::as_str),
        entry.target_id,
        &entry.summary as _,
        entry.client_addr.map(|addr| addr.to_string()),
    )
    .execute(executor)
    .await?;
    Ok(())
}

fn push_audit_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &AuditFilter) {
    query.push(" WHERE TRUE");
    if let Some(actor) = &filter.actor {
        query.push(" AND (lower(actor_label) = lower(");
        query.push_bind(actor.clone()).push(")");
        if let Ok(id) = actor.parse::<i64>() {
            query.push(" OR actor_id = ").push_bind(id);
        }
        query.push(")");
    }
    if let Some(action) = filter.action {
        query.push(" AND action = ").push_bind(action.as_str());
    }
    if let Some(target_type) = filter.target_type {
        query
            .push(" AND target_type = ")
            .push_bind(target_type.as_str());
    }
    if let Some(target_id) = &filter.target_id {
        query.push(" AND target_id = ").push_bind(target_id.clone());
    }
    if let Some(from) = filter.from {
        query.push(" AND occurred_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        query.push(" AND occurred_at < ").push_bind(to);
    }
}

impl Store {
    /// Writes `entry` alone: for actions whose only effect is the audit row itself (a sign-in
    /// that failed, an export, a stop handed to Temporal).
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        record(&self.pool, entry).await
    }

    /// A page of the audit log matching `filter`, newest first.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>, StoreError> {
        let mut count = QueryBuilder::new("SELECT count(*) FROM audit_log");
        push_audit_filter(&mut count, filter);
        let total = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut rows = QueryBuilder::new(
            "SELECT id, occurred_at, actor_kind, actor_id, actor_label, action, target_type, \
             target_id, summary, host(client_addr) AS client_addr FROM audit_log",
        );
        push_audit_filter(&mut rows, filter);
        rows.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
            .push_bind(page.limit())
            .push(" OFFSET ")
            .push_bind(page.offset());
        let items = rows.build_query_as().fetch_all(&self.pool).await?;
        Ok(page.page(items, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn rows_are_appended_and_never_changed(pool: PgPool) {
        let store = Store::from_pool(pool);
        let entry = AuditEntry::new(
            Actor::user(7, "ops@example.com"),
            AuditAction::ContactUpdate,
        )
        .target(AuditTarget::Contact, 42)
        .summary(serde_json::json!({ "changed": ["first_name"] }))
        .from_addr(Some("2001:db8::1".parse().unwrap()));
        store.record_audit(&entry).await.unwrap();
        let page = store
            .audit_page(
                &AuditFilter {
                    actor: Some("OPS@example.com".to_owned()),
                    ..AuditFilter::default()
                },
                PageRequest { page: 1, size: 10 },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        let row = &page.items[0];
        assert_eq!(
            (row.action, row.target_id.as_deref()),
            (AuditAction::ContactUpdate, Some("42"))
        );
        assert_eq!(row.client_addr.as_deref(), Some("2001:db8::1"));

        for statement in [
            "UPDATE audit_log SET action = 'contact.delete'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ] {
            let refused = sqlx::query(statement)
                .execute(store.pool())
                .await
                .unwrap_err();
            assert!(
                refused.to_string().contains("append-only"),
                "{statement}: {refused}"
            );
        }
    }
}
