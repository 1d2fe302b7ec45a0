//! Secret rows, tags, access and deletion dates.

use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::PostgresStore;
use super::rows::{SECRET_COLUMNS, lock_secret, secret_from_row, to_millis, violated_unique};
use super::versions::{insert_version, set_label};
use crate::store::{NewSecret, SecretRecord, StoreError, TagRecord};

impl PostgresStore {
    pub(super) async fn insert_secret_impl(&self, secret: NewSecret) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let created = to_millis(secret.created_at);
        let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO secrets (name, arn, description, kms_key_id, created_at, last_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(&secret.name)
        .bind(&secret.arn)
        .bind(&secret.description)
        .bind(&secret.kms_key_id)
        .bind(created)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(err) => {
                return Err(match violated_unique(&err) {
                    Some("secrets_arn_unique") => {
                        StoreError::Conflict(format!("ARN {} is already in use", secret.arn))
                    }
                    Some(_) => StoreError::NameExists(secret.name),
                    None => err.into(),
                });
            }
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

    /// Finds a live secret by a condition on `$1`.
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
            format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE id = $1 AND purged_at IS NULL");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(secret_from_row).transpose()
    }

    pub(super) async fn list_secrets_impl(&self) -> Result<Vec<SecretRecord>, StoreError> {
        // COLLATE "C" sorts by bytes, as SQLite does, whatever the database's locale.
        let sql = format!(
            "SELECT {SECRET_COLUMNS} FROM secrets WHERE purged_at IS NULL ORDER BY name COLLATE \"C\""
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(secret_from_row).collect()
    }

    pub(super) async fn list_tags_impl(
        &self,
        secret_id: i64,
    ) -> Result<Vec<TagRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT tag_key, tag_value FROM secret_tags WHERE secret_id = $1 ORDER BY position",
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
        let mut tx = self.begin().await?;
        lock_secret(&mut tx, secret_id).await?;
        write_tags(&mut tx, secret_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn remove_tags_impl(
        &self,
        secret_id: i64,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        lock_secret(&mut tx, secret_id).await?;
        sqlx::query("DELETE FROM secret_tags WHERE secret_id = $1 AND tag_key = ANY($2)")
            .bind(secret_id)
            .bind(keys)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE secrets SET tags_set = TRUE WHERE id = $1")
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
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE secrets SET last_accessed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(secret_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE secret_versions SET last_accessed_at = $1 \
             WHERE secret_id = $2 AND version_id = $3",
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
            sqlx::query("UPDATE secrets SET deleted_at = $1, deletion_date = $2 WHERE id = $3")
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
        sqlx::query("DELETE FROM secrets WHERE id = $1")
            .bind(secret_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Inserts or replaces tags, with new keys after the existing ones. The
/// caller holds the secret's row lock or inserted the row in the same
/// transaction, so positions cannot collide.
async fn write_tags(
    conn: &mut PgConnection,
    secret_id: i64,
    tags: &[TagRecord],
) -> Result<(), StoreError> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO secret_tags (secret_id, tag_key, tag_value, position) \
             VALUES ($1, $2, $3, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM secret_tags WHERE secret_id = $1)) \
             ON CONFLICT (secret_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        )
        .bind(secret_id)
        .bind(&tag.key)
        .bind(&tag.value)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE secrets SET tags_set = TRUE WHERE id = $1")
        .bind(secret_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
