//! Access keys ([`AccessKeyStore`]).

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use super::SqliteStore;
use super::rows::{from_millis, is_unique_violation, to_millis};
use crate::auth::{AccessKeyRecord, AccessKeyStore};
use crate::crypto::SealedValue;
use crate::store::{ChangeMarker, StoreError};

const COLUMNS: &str = "id, name, description, key_id, wrapped_key, nonce, ciphertext, \
    created_at, last_used_at, disabled, is_admin, policy, tags";

#[async_trait]
impl AccessKeyStore for SqliteStore {
    fn change_marker(&self) -> Option<ChangeMarker> {
        crate::store::Store::change_marker(self)
    }

    fn owns_marker(&self, marker: &ChangeMarker) -> bool {
        self.watch_id() == Some(marker.source())
    }

    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert(&mut tx, key).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_admin_key_if_none(&self, key: &AccessKeyRecord) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let existing: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM access_keys WHERE is_admin = 1")
                .fetch_one(&mut *tx)
                .await?;
        if existing > 0 {
            return Ok(false);
        }
        insert(&mut tx, key).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn get_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM access_keys WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn list_access_keys(&self) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM access_keys ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn delete_access_key(&self, id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM access_keys WHERE id = ?")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn set_access_key_disabled(&self, id: &str, disabled: bool) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE access_keys SET disabled = ? WHERE id = ?")
            .bind(disabled)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn touch_access_key(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE access_keys SET last_used_at = ? WHERE id = ?")
            .bind(to_millis(at))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

async fn insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    key: &AccessKeyRecord,
) -> Result<(), StoreError> {
    let tags = serde_json::to_string(&key.tags)
        .map_err(|err| StoreError::Corrupt(format!("tags of access key {}: {err}", key.id)))?;
    let sql = format!(
        "INSERT INTO access_keys ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    let inserted = sqlx::query(&sql)
        .bind(&key.id)
        .bind(&key.name)
        .bind(&key.description)
        .bind(&key.sealed_secret.key_id)
        .bind(&key.sealed_secret.wrapped_key)
        .bind(&key.sealed_secret.nonce)
        .bind(&key.sealed_secret.ciphertext)
        .bind(to_millis(key.created_at))
        .bind(key.last_used_at.map(to_millis))
        .bind(key.disabled)
        .bind(key.is_admin)
        .bind(&key.policy)
        .bind(tags)
        .execute(&mut **tx)
        .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(err) if is_unique_violation(&err) => Err(StoreError::Conflict(format!(
            "access key {} already exists",
            key.id
        ))),
        Err(err) => Err(err.into()),
    }
}

fn record_from_row(row: &SqliteRow) -> Result<AccessKeyRecord, StoreError> {
    let id: String = row.try_get("id")?;
    let tags_json: String = row.try_get("tags")?;
    let tags: BTreeMap<String, String> = serde_json::from_str(&tags_json)
        .map_err(|err| StoreError::Corrupt(format!("tags of access key {id}: {err}")))?;
    Ok(AccessKeyRecord {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        sealed_secret: SealedValue {
            key_id: row.try_get("key_id")?,
            wrapped_key: row.try_get("wrapped_key")?,
            nonce: row.try_get("nonce")?,
            ciphertext: row.try_get("ciphertext")?,
        },
        created_at: from_millis(row.try_get("created_at")?)?,
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(from_millis)
            .transpose()?,
        disabled: row.try_get("disabled")?,
        is_admin: row.try_get("is_admin")?,
        policy: row.try_get("policy")?,
        tags,
        id,
    })
}
