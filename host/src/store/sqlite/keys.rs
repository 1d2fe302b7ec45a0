//! Key ids that stored values depend on.

use super::SqliteStore;
use crate::store::StoreError;

impl SqliteStore {
    pub(super) async fn used_key_ids_impl(&self) -> Result<Vec<String>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT key_id FROM secret_versions WHERE key_id IS NOT NULL
         UNION
         SELECT key_id FROM access_keys
         ORDER BY key_id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(ids)
    }
}
