//! Versions and tags of every secret in two queries each, for ListSecrets.

use std::collections::HashMap;

use sqlx::Row;

use super::PostgresStore;
use super::rows::{VERSION_COLUMNS, version_from_row};
use crate::store::{StoreError, TagRecord, VersionRecord};

impl PostgresStore {
    pub(super) async fn list_all_versions_impl(
        &self,
    ) -> Result<HashMap<i64, Vec<VersionRecord>>, StoreError> {
        let label_rows = sqlx::query(
            "SELECT secret_id, version_id, label FROM staging_labels ORDER BY label COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut labels: HashMap<(i64, String), Vec<String>> = HashMap::new();
        for row in &label_rows {
            labels
                .entry((row.try_get("secret_id")?, row.try_get("version_id")?))
                .or_default()
                .push(row.try_get("label")?);
        }

        let sql = format!(
            "SELECT secret_id, {VERSION_COLUMNS} FROM secret_versions \
             ORDER BY secret_id, created_at, seq"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        let mut versions: HashMap<i64, Vec<VersionRecord>> = HashMap::new();
        for row in &rows {
            let secret_id: i64 = row.try_get("secret_id")?;
            let version_id: String = row.try_get("version_id")?;
            let version_labels = labels
                .remove(&(secret_id, version_id.clone()))
                .unwrap_or_default();
            versions
                .entry(secret_id)
                .or_default()
                .push(version_from_row(row, version_id, version_labels)?);
        }
        Ok(versions)
    }

    pub(super) async fn list_all_tags_impl(
        &self,
    ) -> Result<HashMap<i64, Vec<TagRecord>>, StoreError> {
        let rows = sqlx::query(
            "SELECT secret_id, tag_key, tag_value FROM secret_tags ORDER BY secret_id, position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tags: HashMap<i64, Vec<TagRecord>> = HashMap::new();
        for row in &rows {
            tags.entry(row.try_get("secret_id")?)
                .or_default()
                .push(TagRecord {
                    key: row.try_get("tag_key")?,
                    value: row.try_get("tag_value")?,
                });
        }
        Ok(tags)
    }
}
