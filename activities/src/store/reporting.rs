//! Read-side queries of the API: statistics, monitoring and metrics. Campaign statistics read
//! the counters kept on the campaign row, never a scan of its messages.

use super::{Store, StoreError};

impl Store {
    /// Today's (UTC) messages by status, for the metrics endpoint.
    pub async fn messages_by_status_today(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT status, count(*) FROM messages \
             WHERE created_at >= (now() AT TIME ZONE 'UTC')::date GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
