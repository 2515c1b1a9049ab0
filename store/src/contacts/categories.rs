//! Categories: the named groups a campaign's audience is chosen by, and who is in them.

use super::Window;
use crate::audit::{self, AuditEntry, AuditTarget};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A category with the number of contacts in it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub color: Option<String>,
    pub contact_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn fetch_category(executor: impl PgExecutor<'_>, id: i64) -> Result<Category, StoreError> {
    sqlx::query_as!(
        Category,
        r#"SELECT g.id, g.name, g.color,
             (SELECT count(*) FROM contact_categories m WHERE m.category_id = g.id) AS "contact_count!",
             g.created_at, g.updated_at
           FROM categories g WHERE g.id = $1"#,
        id,
    )
    .fetch_optional(executor)
    .await?
    .ok_or(StoreError::NotFound("category"))
}

impl Store {
    pub async fn add_category(
        &self,
        name: &str,
        color: Option<&str>,
        entry: &AuditEntry,
    ) -> Result<Category, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = sqlx::query_scalar!(
            "INSERT INTO categories (name, color) VALUES ($1, $2) RETURNING id",
            name,
            color,
        )
        .fetch_one(&mut *tx)
        .await?;
        let category = fetch_category(&mut *tx, id).await?;
        audit::record(&mut *tx, &entry.clone().target(AuditTarget::Category, id)).await?;
        tx.commit().await?;
        Ok(category)
    }

    pub async fn category(&self, id: i64) -> Result<Category, StoreError> {
        fetch_category(&self.pool, id).await
    }

    /// One page of categories whose name contains `search` (case-insensitive), by name, and how
    /// many match in all.
    pub async fn list_categories(
        &self,
        search: Option<&str>,
        window: Window,
    ) -> Result<(Vec<Category>, i64), StoreError> {
        let total = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM categories g
               WHERE $1::text IS NULL OR strpos(lower(g.name), lower($1)) > 0"#,
            search,
        )
        .fetch_one(&self.pool)
        .await?;
        let categories = sqlx::query_as!(
            Category,
            r#"SELECT g.id, g.name, g.color,
                 (SELECT count(*) FROM contact_categories m WHERE m.category_id = g.id) AS "contact_count!",
                 g.created_at, g.updated_at
               FROM categories g WHERE $1::text IS NULL OR strpos(lower(g.name), lower($1)) > 0
               ORDER BY g.name, g.id LIMIT $2 OFFSET $3"#,
            search,
            window.limit,
            window.offset,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok((categories, total))
    }

    /// Renames or recolours a category; `None` leaves a field as it is.
    pub async fn update_category(
        &self,
        id: i64,
        name: Option<&str>,
        color: Option<&str>,
        entry: &AuditEntry,
    ) -> Result<Category, StoreError> {
        let mut tx = self.pool.begin().await?;
        let category = sqlx::query_as!(
            Category,
            r#"WITH g AS (UPDATE categories SET name = coalesce($2, name),
                 color = coalesce($3, color), updated_at = now() WHERE id = $1 RETURNING *)
               SELECT g.id AS "id!", g.name AS "name!", g.color,
                 (SELECT count(*) FROM contact_categories m WHERE m.category_id = g.id) AS "contact_count!",
                 g.created_at AS "created_at!", g.updated_at AS "updated_at!"
               FROM g"#,
            id,
            name,
            color,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("category"))?;
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(category)
    }

    /// Deletes a category and its memberships (not the contacts). A category a campaign targets
    /// is kept by `campaign_categories_category_id_fkey`.
    pub async fn delete_category(&self, id: i64, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query!("DELETE FROM categories WHERE id = $1", id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound("category"));
        }
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a contact out of a category.
    pub async fn remove_from_category(
        &self,
        category_id: i64,
        contact_id: i64,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query!(
            "DELETE FROM contact_categories WHERE category_id = $1 AND contact_id = $2",
            category_id,
            contact_id,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound("category membership"));
        }
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
