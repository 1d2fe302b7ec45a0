//! Secret rows, tags, access and deletion dates.

use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

use super::SqliteStore;
use super::rows::{SECRET_COLUMNS, is_unique_violation, secret_from_row, to_millis};
use super::versions::{insert_version, set_label};
use crate::store::{NewSecret, SecretRecord, StoreError, TagRecord};

impl SqliteStore {
    pub(super) async fn insert_secret_impl(&self, secret: NewSecret) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let created = to_millis(secret.created_at);
        let inserted = sqlx::query(
            "INSERT INTO secrets (name, arn, description, kms_key_id, created_at, last_changed_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&secret.name)
        .bind(&secret.arn)
        .bind(&secret.description)
        .bind(&secret.kms_key_id)
        .bind(created)
        .bind(created)
        .execute(&mut *tx)
        .await;
        let id = match inserted {
            Ok(result) => result.last_insert_rowid(),
            Err(err) if is_unique_violation(&err) && err.to_string().contains("secrets.arn") => {
                return Err(StoreError::Conflict(format!(
                    "ARN {} is already in use",
                    secret.arn
                )));
            }
            Err(err) if is_unique_violation(&err) => {
                return Err(StoreError::NameExists(secret.name));
            }
            Err(err) => return Err(err.into()),
        };

        if let Some(version) = &secret.first_version {
            insert_version(&mut tx, id, version).await?;
            for label in &secret.first_version_labels {
                set_label(&mut tx, id, label, &version.version_id).await?;
            }
        }
        if !secret.tags.is_empty() {
            write_tags(&mut tx, id, &secret.tags).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub(super) async fn find_secret(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<SecretRecord>, StoreError> {
        let sql =
            format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE {condition} AND purged_at IS NULL");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(secret_from_row).transpose()
    }

    pub(super) async fn get_secret_impl(
        &self,
        id: i64,
    ) -> Result<Option<SecretRecord>, StoreError> {
        let sql =
            format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE id = ? AND purged_at IS NULL");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(secret_from_row).transpose()
    }

    pub(super) async fn list_secrets_impl(&self) -> Result<Vec<SecretRecord>, StoreError> {
        let sql =
            format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE purged_at IS NULL ORDER BY name");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(secret_from_row).collect()
    }

    pub(super) async fn list_tags_impl(
        &self,
        secret_id: i64,
    ) -> Result<Vec<TagRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT tag_key, tag_value FROM secret_tags WHERE secret_id = ? ORDER BY position",
        )
        .bind(secret_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TagRecord {
                    key: row.try_get("tag_key")?,
                    value: row.try_get("tag_value")?,
                })
            })
            .collect()
    }

    pub(super) async fn put_tags_impl(
        &self,
        secret_id: i64,
        tags: &[TagRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        write_tags(&mut tx, secret_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn remove_tags_impl(
        &self,
        secret_id: i64,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for key in keys {
            sqlx::query("DELETE FROM secret_tags WHERE secret_id = ? AND tag_key = ?")
                .bind(secret_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE secrets SET tags_set = 1 WHERE id = ?")
            .bind(secret_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn touch_accessed_impl(
        &self,
        secret_id: i64,
        version_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let at = to_millis(at);
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE secrets SET last_accessed_at = ? WHERE id = ?")
            .bind(at)
            .bind(secret_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE secret_versions SET last_accessed_at = ? WHERE secret_id = ? AND version_id = ?",
        )
        .bind(at)
        .bind(secret_id)
        .bind(version_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn set_deletion_impl(
        &self,
        secret_id: i64,
        deleted: Option<(OffsetDateTime, OffsetDateTime)>,
    ) -> Result<(), StoreError> {
        let (deleted_at, deletion_date) = match deleted {
            Some((at, date)) => (Some(to_millis(at)), Some(to_millis(date))),
            None => (None, None),
        };
        let result =
            sqlx::query("UPDATE secrets SET deleted_at = ?, deletion_date = ? WHERE id = ?")
                .bind(deleted_at)
                .bind(deletion_date)
                .bind(secret_id)
                .execute(&self.pool)
                .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("secret {secret_id}")));
        }
        Ok(())
    }

    pub(super) async fn purge_secret_impl(&self, secret_id: i64) -> Result<(), StoreError> {
        // Foreign keys cascade to versions, labels, tags and rotations.
        sqlx::query("DELETE FROM secrets WHERE id = ?")
            .bind(secret_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Inserts or replaces tags; new keys go after the existing ones.
async fn write_tags(
    conn: &mut SqliteConnection,
    secret_id: i64,
    tags: &[TagRecord],
) -> Result<(), StoreError> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO secret_tags (secret_id, tag_key, tag_value, position) \
             VALUES (?1, ?2, ?3, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM secret_tags WHERE secret_id = ?1)) \
             ON CONFLICT (secret_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        )
        .bind(secret_id)
        .bind(&tag.key)
        .bind(&tag.value)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE secrets SET tags_set = 1 WHERE id = ?")
        .bind(secret_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
