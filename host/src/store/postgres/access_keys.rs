//! Access keys ([`AccessKeyStore`]).

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::PostgresStore;
use super::rows::{date, opt_date, to_millis, violated_unique};
use crate::auth::{AccessKeyRecord, AccessKeyStore};
use crate::crypto::SealedValue;
use crate::store::StoreError;

const COLUMNS: &str = "id, name, description, key_id, wrapped_key, nonce, ciphertext, \
    created_at, last_used_at, disabled, is_admin, policy, tags";

/// Advisory lock key that serializes the first administrator key's creation
/// across replicas starting at the same time.
const ADMIN_KEY_LOCK: i64 = 0x7475_6d62_6c65_7201;

#[async_trait]
impl AccessKeyStore for PostgresStore {
    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        insert(&mut conn, key).await
    }

    async fn insert_admin_key_if_none(&self, key: &AccessKeyRecord) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ADMIN_KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_keys WHERE is_admin")
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
        let sql = format!("SELECT {COLUMNS} FROM access_keys WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn list_access_keys(&self) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM access_keys ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn delete_access_key(&self, id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM access_keys WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn set_access_key_disabled(&self, id: &str, disabled: bool) -> Result<bool, StoreError> {
        let result = sqlx::query("UPDATE access_keys SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }

    async fn touch_access_key(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query("UPDATE access_keys SET last_used_at = $1 WHERE id = $2")
            .bind(to_millis(at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

async fn insert(conn: &mut PgConnection, key: &AccessKeyRecord) -> Result<(), StoreError> {
    let tags = serde_json::to_string(&key.tags)
        .map_err(|err| StoreError::Corrupt(format!("tags of access key {}: {err}", key.id)))?;
    let sql = format!(
        "INSERT INTO access_keys ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
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
        .execute(&mut *conn)
        .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(err) if violated_unique(&err).is_some() => Err(StoreError::Conflict(format!(
            "access key {} already exists",
            key.id
        ))),
        Err(err) => Err(err.into()),
    }
}

fn record_from_row(row: &PgRow) -> Result<AccessKeyRecord, StoreError> {
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
        created_at: date(row, "created_at")?,
        last_used_at: opt_date(row, "last_used_at")?,
        disabled: row.try_get("disabled")?,
        is_admin: row.try_get("is_admin")?,
        policy: row.try_get("policy")?,
        tags,
        id,
    })
}
