//! WhatsApp verification of contacts' numbers: the verify-numbers workflow writes each answer,
//! the console shows the tallies.

use super::Contact;
use crate::audit::{self, AuditEntry};
use crate::{Store, StoreError};

/// Where a contact stands with WhatsApp, as the last check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhatsAppCheck {
    Verified,
    NotOnWhatsApp,
    Unverified,
}

/// How many contacts stand where with WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationCounts {
    pub total: i64,
    pub verified: i64,
    pub not_on_whatsapp: i64,
    pub unverified: i64,
}

impl Store {
    /// How many contacts WhatsApp checks found on WhatsApp, not on it, or never checked.
    pub async fn verification_counts(&self) -> Result<VerificationCounts, StoreError> {
        Ok(sqlx::query_as!(
            VerificationCounts,
            r#"SELECT count(*) AS "total!",
                 count(*) FILTER (WHERE whatsapp_verified) AS "verified!",
                 count(*) FILTER (WHERE NOT whatsapp_verified) AS "not_on_whatsapp!",
                 count(*) FILTER (WHERE whatsapp_verified IS NULL) AS "unverified!"
               FROM contacts"#
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records the provider's answer on whether the contact's number has WhatsApp, with the
    /// audit row of the operator who asked (`None` for the background checks of the
    /// `VerifyNumbers` workflow, audited when the operator started them).
    pub async fn set_whatsapp_verified(
        &self,
        id: i64,
        verified: bool,
        entry: Option<&AuditEntry>,
    ) -> Result<Contact, StoreError> {
        let mut tx = self.pool.begin().await?;
        let contact = sqlx::query_as!(
            Contact,
            r#"WITH c AS (UPDATE contacts SET whatsapp_verified = $2, whatsapp_verified_at = now(),
                 updated_at = now() WHERE id = $1 RETURNING *)
               SELECT c.id AS "id!", c.phone AS "phone!", c.first_name, c.last_name, c.whatsapp_verified,
                 c.whatsapp_verified_at, c.opted_out_at, c.time_zone,
                 ARRAY(SELECT m.category_id FROM contact_categories m WHERE m.contact_id = c.id
                       ORDER BY m.category_id) AS "category_ids!",
                 c.created_at AS "created_at!", c.updated_at AS "updated_at!"
               FROM c"#,
            id,
            verified,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("contact"))?;
        if let Some(entry) = entry {
            audit::record(&mut *tx, entry).await?;
        }
        tx.commit().await?;
        Ok(contact)
    }
}
