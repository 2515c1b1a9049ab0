//! The business account's template catalog (SPEC §7), as last read from Meta and kept current
//! by its webhooks: what launches check a campaign's template against, and what each send
//! renders from.

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry};
use crate::message_content::paused_reason;
use campaign_domain::{CatalogTemplate, TemplateCategory, TemplateStatus};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// A catalog entry with what the console shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub template: CatalogTemplate,
    /// Why Meta gave the template its status, when it said.
    pub status_reason: Option<String>,
    /// Meta's quality rating, when a quality webhook said.
    pub quality: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Whether the template is in the catalog.
    pub known: bool,
    /// Campaigns paused because of it.
    pub paused_campaigns: u64,
}

impl Store {
    /// Replaces the catalog with `templates` (a full read of the account): new ones are added,
    /// known ones updated, those the account no longer has removed, with the audit row of the
    /// operator who asked (`None` for the read at start-up). Campaigns using a template that is
    /// now paused or disabled pause. Returns how many campaigns paused.
    pub async fn replace_catalog(
        &self,
        templates: &[CatalogTemplate],
        entry: Option<&AuditEntry>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "DELETE FROM whatsapp_templates t WHERE NOT EXISTS ( \
               SELECT 1 FROM jsonb_to_recordset($1::jsonb) AS n(name text, language text) \
               WHERE n.name = t.name AND n.language = t.language)",
            Json(templates) as _,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO whatsapp_templates AS t (name, language, category, status, parameter_format, \
               header_text, body_text) \
             SELECT n.name, n.language, n.category, n.status, n.parameter_format, n.header_text, n.body_text \
             FROM jsonb_to_recordset($1::jsonb) AS n(name text, language text, category text, status text, \
               parameter_format text, header_text text, body_text text) \
             ON CONFLICT (name, language) DO UPDATE SET category = EXCLUDED.category, \
               status = EXCLUDED.status, parameter_format = EXCLUDED.parameter_format, \
               header_text = EXCLUDED.header_text, body_text = EXCLUDED.body_text, \
               status_reason = CASE WHEN t.status = EXCLUDED.status THEN t.status_reason END, \
               updated_at = now()",
            Json(templates) as _,
        )
        .execute(&mut *tx)
        .await?;
        if let Some(entry) = entry {
            audit::record(&mut *tx, entry).await?;
        }
        tx.commit().await?;
        let mut paused = 0;
        for template in templates.iter().filter(|t| t.status.pauses_campaigns()) {
            paused += self
                .pause_campaigns_using_template(
                    &template.name,
                    &template.language,
                    &paused_reason(&template.name, &template.language, template.status),
                )
                .await?;
        }
        Ok(paused)
    }

    /// The catalog, by name then language.
    pub async fn catalog(&self) -> Result<Vec<CatalogEntry>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT catalog_entry(t) AS "template!: Json<CatalogTemplate>", status_reason, quality, updated_at
               FROM whatsapp_templates t ORDER BY name, language"#,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| CatalogEntry {
                template: row.template.0,
                status_reason: row.status_reason,
                quality: row.quality,
                updated_at: row.updated_at,
            })
            .collect())
    }

    /// The catalog's entry for `name` in `language`.
    pub async fn catalog_template(
        &self,
        name: &str,
        language: &str,
    ) -> Result<Option<CatalogTemplate>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT catalog_entry(t) AS "template!: Json<CatalogTemplate>" FROM whatsapp_templates t
               WHERE name = $1 AND language = $2"#,
            name,
            language,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|template| template.0))
    }

    /// Meta changed a template's status (`message_template_status_update`). A pause or a
    /// disablement pauses the campaigns that use it.
    pub async fn template_status_changed(
        &self,
        name: &str,
        language: &str,
        status: TemplateStatus,
        reason: Option<&str>,
    ) -> Result<StatusChange, StoreError> {
        let known = sqlx::query!(
            "UPDATE whatsapp_templates SET status = $3, status_reason = $4, updated_at = now() \
             WHERE name = $1 AND language = $2",
            name,
            language,
            status as TemplateStatus,
            reason,
        )
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0;
        let paused_campaigns = if status.pauses_campaigns() {
            self.pause_campaigns_using_template(
                name,
                language,
                &paused_reason(name, language, status),
            )
            .await?
        } else {
            0
        };
        Ok(StatusChange {
            known,
            paused_campaigns,
        })
    }

    /// Meta changed a template's category: sends route by the latest one.
    pub async fn template_category_changed(
        &self,
        name: &str,
        language: &str,
        category: TemplateCategory,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query!(
            "UPDATE whatsapp_templates SET category = $3, updated_at = now() \
             WHERE name = $1 AND language = $2",
            name,
            language,
            category as TemplateCategory,
        )
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Meta rated a template's quality.
    pub async fn template_quality_changed(
        &self,
        name: &str,
        language: &str,
        quality: &str,
    ) -> Result<bool, StoreError> {
        Ok(sqlx::query!(
            "UPDATE whatsapp_templates SET quality = $3, updated_at = now() \
             WHERE name = $1 AND language = $2",
            name,
            language,
            quality,
        )
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }
}
