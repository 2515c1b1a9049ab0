//! Contacts and categories as the API manages them: CRUD, paginated search, batched CSV import
//! and keyset pages for export.
//!
//! Uniqueness (phone, category name) and references are left to the schema's constraints, so two
//! concurrent requests cannot both create the same phone; the API maps the constraint names to
//! 409 and 422.
//!
//! Categories (`categories`) and the verification of numbers (`verification`) have their own
//! files.

mod categories;
mod verification;

pub use categories::Category;
pub use verification::{VerificationCounts, WhatsAppCheck};

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry, AuditTarget};
use campaign_domain::PhoneNumber;
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, QueryBuilder};

/// A contact as the API shows it, with the categories it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub phone: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `None` until the number has been checked with the provider.
    pub whatsapp_verified: Option<bool>,
    pub whatsapp_verified_at: Option<DateTime<Utc>>,
    /// When the contact opted out (R19); `None` while they accept messages.
    pub opted_out_at: Option<DateTime<Utc>>,
    /// The contact's IANA time zone (R21); `None` takes the campaign's.
    pub time_zone: Option<String>,
    pub category_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A contact to create, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub phone: PhoneNumber,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// A valid IANA zone name.
    pub time_zone: Option<String>,
}

/// Changes to a contact; `None` leaves a field as it is, and `category_ids` replaces the whole
/// membership when given.
#[derive(Debug, Clone, Default)]
pub struct ContactChanges {
    pub phone: Option<PhoneNumber>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `Some(None)` clears the contact's own zone.
    pub time_zone: Option<Option<String>>,
    pub category_ids: Option<Vec<i64>>,
}

/// Which contacts a list or an export covers.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// A fragment of the name (case-insensitive) or of the phone number.
    pub search: Option<String>,
    pub category_id: Option<i64>,
    pub whatsapp: Option<WhatsAppCheck>,
    /// Only contacts who opted out (`Some(true)`) or who did not (`Some(false)`).
    pub opted_out: Option<bool>,
}

/// Rows `offset..offset + limit` of a listing.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub offset: i64,
    pub limit: i64,
}

/// The columns of [`Contact`], for the listings whose filters are assembled at run time.
const CONTACT_COLUMNS: &str = "c.id, c.phone, c.first_name, c.last_name, c.whatsapp_verified, \
    c.whatsapp_verified_at, c.opted_out_at, c.time_zone, \
    ARRAY(SELECT m.category_id FROM contact_categories m WHERE m.contact_id = c.id \
          ORDER BY m.category_id) AS category_ids, \
    c.created_at, c.updated_at";

/// The search term as a phone fragment (`+33 6 12` → `+33612`), when it looks like one, so
/// numbers are found however the operator spaces them.
pub(crate) fn phone_fragment(search: &str) -> Option<String> {
    let fragment: String = search
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = fragment.strip_prefix('+').unwrap_or(&fragment);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(fragment)
}

fn push_contact_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &ContactFilter) {
    query.push(" WHERE TRUE");
    if let Some(search) = &filter.search {
        query
            .push(
                " AND (strpos(lower(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), \
                 lower(",
            )
            .push_bind(search.clone())
            .push(")) > 0");
        if let Some(fragment) = phone_fragment(search) {
            query
                .push(" OR strpos(c.phone, ")
                .push_bind(fragment)
                .push(") > 0");
        }
        query.push(")");
    }
    match filter.whatsapp {
        Some(WhatsAppCheck::Verified) => query.push(" AND c.whatsapp_verified"),
        Some(WhatsAppCheck::NotOnWhatsApp) => query.push(" AND NOT c.whatsapp_verified"),
        Some(WhatsAppCheck::Unverified) => query.push(" AND c.whatsapp_verified IS NULL"),
        None => query,
    };
    match filter.opted_out {
        Some(true) => query.push(" AND c.opted_out_at IS NOT NULL"),
        Some(false) => query.push(" AND c.opted_out_at IS NULL"),
        None => query,
    };
    if let Some(category_id) = filter.category_id {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM contact_categories f \
                 WHERE f.contact_id = c.id AND f.category_id = ",
            )
            .push_bind(category_id)
            .push(")");
    }
}

pub(crate) async fn fetch_contact(
    executor: impl PgExecutor<'_>,
    id: i64,
) -> Result<Contact, StoreError> {
    sqlx::query_as!(
        Contact,
        r#"SELECT c.id, c.phone, c.first_name, c.last_name, c.whatsapp_verified, c.whatsapp_verified_at,
             c.opted_out_at, c.time_zone,
             ARRAY(SELECT m.category_id FROM contact_categories m WHERE m.contact_id = c.id
                   ORDER BY m.category_id) AS "category_ids!",
             c.created_at, c.updated_at
           FROM contacts c WHERE c.id = $1"#,
        id,
    )
    .fetch_optional(executor)
    .await?
    .ok_or(StoreError::NotFound("contact"))
}

impl Store {
    /// Creates a contact in `category_ids`, all or nothing, with its audit row.
    pub async fn add_contact(
        &self,
        contact: &NewContact,
        category_ids: &[i64],
        entry: &AuditEntry,
    ) -> Result<Contact, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = sqlx::query_scalar!(
            "INSERT INTO contacts (phone, first_name, last_name, time_zone) VALUES ($1, $2, $3, $4) \
             RETURNING id",
            contact.phone.as_str(),
            contact.first_name,
            contact.last_name,
            contact.time_zone,
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO contact_categories (category_id, contact_id) \
             SELECT unnest($2::bigint[]), $1 ON CONFLICT DO NOTHING",
            id,
            category_ids,
        )
        .execute(&mut *tx)
        .await?;
        let contact = fetch_contact(&mut *tx, id).await?;
        audit::record(&mut *tx, &entry.clone().target(AuditTarget::Contact, id)).await?;
        tx.commit().await?;
        Ok(contact)
    }

    /// The contact with this phone (E.164 with `+`), if any.
    pub async fn contact_id_by_phone(&self, phone: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar!("SELECT id FROM contacts WHERE phone = $1", phone)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn contact(&self, id: i64) -> Result<Contact, StoreError> {
        fetch_contact(&self.pool, id).await
    }

    /// One page of contacts matching `filter`, newest first, and how many match in all.
    pub async fn list_contacts(
        &self,
        filter: &ContactFilter,
        window: Window,
    ) -> Result<(Vec<Contact>, i64), StoreError> {
        let mut count = QueryBuilder::new("SELECT count(*) FROM contacts c");
        push_contact_filter(&mut count, filter);
        let total = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut page = QueryBuilder::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts c"));
        push_contact_filter(&mut page, filter);
        page.push(" ORDER BY c.id DESC LIMIT ")
            .push_bind(window.limit)
            .push(" OFFSET ")
            .push_bind(window.offset);
        let contacts = page.build_query_as().fetch_all(&self.pool).await?;
        Ok((contacts, total))
    }

    /// Up to `limit` contacts matching `filter` with an id above `after_id`, in id order: keyset
    /// pages stay fast and consistent however deep an export goes.
    pub async fn contacts_after(
        &self,
        filter: &ContactFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        let mut page = QueryBuilder::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts c"));
        push_contact_filter(&mut page, filter);
        page.push(" AND c.id > ")
            .push_bind(after_id)
            .push(" ORDER BY c.id LIMIT ")
            .push_bind(limit);
        Ok(page.build_query_as().fetch_all(&self.pool).await?)
    }

    pub async fn update_contact(
        &self,
        id: i64,
        changes: ContactChanges,
        entry: &AuditEntry,
    ) -> Result<Contact, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query_scalar!(
            "UPDATE contacts SET phone = coalesce($2, phone), \
             first_name = coalesce($3, first_name), last_name = coalesce($4, last_name), \
             time_zone = CASE WHEN $5 THEN $6 ELSE time_zone END, \
             updated_at = now() WHERE id = $1 RETURNING id",
            id,
            changes.phone.as_ref().map(PhoneNumber::as_str),
            changes.first_name,
            changes.last_name,
            changes.time_zone.is_some(),
            changes.time_zone.clone().flatten(),
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("contact"))?;
        if let Some(category_ids) = changes.category_ids {
            sqlx::query!(
                "DELETE FROM contact_categories WHERE contact_id = $1 \
                 AND category_id <> ALL($2::bigint[])",
                id,
                &category_ids,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query!(
                "INSERT INTO contact_categories (category_id, contact_id) \
                 SELECT unnest($2::bigint[]), $1 ON CONFLICT DO NOTHING",
                id,
                &category_ids,
            )
            .execute(&mut *tx)
            .await?;
        }
        let contact = fetch_contact(&mut *tx, id).await?;
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(contact)
    }

    /// Deletes a contact and its history, unless one of its journeys is still open: its
    /// workflow would otherwise wait forever on rows that no longer exist.
    pub async fn delete_contact(&self, id: i64, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query!(
            "DELETE FROM contacts WHERE id = $1 AND NOT EXISTS \
             (SELECT 1 FROM journeys WHERE contact_id = $1 AND NOT journey_state_is_final(state))",
            id,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted == 0 {
            drop(tx);
            let exists = sqlx::query_scalar!(
                r#"SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1) AS "exists!""#,
                id,
            )
            .fetch_one(&self.pool)
            .await?;
            return Err(if exists {
                StoreError::InUse("the contact is in a running campaign")
            } else {
                StoreError::NotFound("contact")
            });
        }
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ids among `ids` that are no contact, sorted and without repeats.
    pub async fn unknown_contacts(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT DISTINCT i.id AS "id!" FROM unnest($1::bigint[]) AS i(id)
               WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = i.id) ORDER BY 1"#,
            ids,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// `(id, phone)` of the contacts among `ids`.
    pub async fn contact_phones(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        let contacts = sqlx::query!(
            "SELECT id, phone FROM contacts WHERE id = ANY($1) ORDER BY id",
            ids,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(contacts
            .into_iter()
            .map(|contact| (contact.id, contact.phone))
            .collect())
    }

    /// Inserts a batch of imported contacts in one statement and returns how many were new;
    /// phones already known (or repeated within the batch) are skipped. With `category_id`,
    /// every contact of the batch, new or already known, is put in that category. The last
    /// batch of an import passes `audit_entry`, which makes the import's audit row from the number
    /// this batch created, in the batch's transaction.
    pub async fn import_contacts(
        &self,
        contacts: &[NewContact],
        category_id: Option<i64>,
        audit_entry: Option<&(dyn Fn(u64) -> AuditEntry + Sync)>,
    ) -> Result<u64, StoreError> {
        let phones: Vec<&str> = contacts.iter().map(|c| c.phone.as_str()).collect();
        let first_names: Vec<Option<&str>> =
            contacts.iter().map(|c| c.first_name.as_deref()).collect();
        let last_names: Vec<Option<&str>> =
            contacts.iter().map(|c| c.last_name.as_deref()).collect();
        let time_zones: Vec<Option<&str>> =
            contacts.iter().map(|c| c.time_zone.as_deref()).collect();
        let mut tx = self.pool.begin().await?;
        let created = sqlx::query!(
            "INSERT INTO contacts (phone, first_name, last_name, time_zone) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
             ON CONFLICT (phone) DO NOTHING",
            &phones as &[&str],
            &first_names as &[Option<&str>],
            &last_names as &[Option<&str>],
            &time_zones as &[Option<&str>],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if let Some(category_id) = category_id {
            sqlx::query!(
                "INSERT INTO contact_categories (category_id, contact_id) \
                 SELECT $1, id FROM contacts WHERE phone = ANY($2::text[]) ON CONFLICT DO NOTHING",
                category_id,
                &phones as &[&str],
            )
            .execute(&mut *tx)
            .await?;
        }
        if let Some(entry) = audit_entry {
            audit::record(&mut *tx, &entry(created)).await?;
        }
        tx.commit().await?;
        Ok(created)
    }
}
