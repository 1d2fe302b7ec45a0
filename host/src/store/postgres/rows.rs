//! Conversions between PostgreSQL rows and store records. Column names and
//! encodings match the SQLite schema; only the row type differs.

use std::collections::BTreeMap;

use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;

use crate::crypto::SealedValue;
use crate::store::sqlite::rows::from_millis;
use crate::store::{
    RotationRecord, RotationStatus, SecretRecord, StoreError, StoredValue, ValueKind,
    VersionRecord,
};

pub(super) use crate::store::sqlite::rows::to_millis;

pub(super) const SECRET_COLUMNS: &str = "id, name, arn, description, kms_key_id, created_at, \
    last_changed_at, last_accessed_at, deleted_at, deletion_date, rotation_enabled, \
    rotation_lambda_arn, rotation_settings, rotation_rules, last_rotated_at, next_rotation_at, \
    tags_set";

pub(super) const ROTATION_COLUMNS: &str = "secret_id, token, rotator, status, next_step, \
    completed_steps, last_error, attempts, started_at, updated_at";

pub(super) const VERSION_COLUMNS: &str = "version_id, created_at, last_accessed_at, value_kind, \
    key_id, wrapped_key, nonce, ciphertext";

pub(super) fn opt_date(row: &PgRow, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    row.try_get::<Option<i64>, _>(column)?
        .map(from_millis)
        .transpose()
}

pub(super) fn date(row: &PgRow, column: &str) -> Result<OffsetDateTime, StoreError> {
    from_millis(row.try_get(column)?)
}

pub(super) fn secret_from_row(row: &PgRow) -> Result<SecretRecord, StoreError> {
    let settings_json: String = row.try_get("rotation_settings")?;
    let rotation_settings: BTreeMap<String, String> = serde_json::from_str(&settings_json)
        .map_err(|err| StoreError::Corrupt(format!("rotation_settings: {err}")))?;
    Ok(SecretRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        arn: row.try_get("arn")?,
        description: row.try_get("description")?,
        kms_key_id: row.try_get("kms_key_id")?,
        created_at: date(row, "created_at")?,
        last_changed_at: date(row, "last_changed_at")?,
        last_accessed_at: opt_date(row, "last_accessed_at")?,
        deleted_at: opt_date(row, "deleted_at")?,
        deletion_date: opt_date(row, "deletion_date")?,
        rotation_enabled: row.try_get("rotation_enabled")?,
        rotation_lambda_arn: row.try_get("rotation_lambda_arn")?,
        rotation_settings,
        rotation_rules: row.try_get("rotation_rules")?,
        last_rotated_at: opt_date(row, "last_rotated_at")?,
        next_rotation_at: opt_date(row, "next_rotation_at")?,
        tags_set: row.try_get("tags_set")?,
    })
}

/// Reads the sealed columns; all NULL means a placeholder without a value.
fn stored_value_from_row(row: &PgRow) -> Result<Option<StoredValue>, StoreError> {
    let kind: Option<String> = row.try_get("value_kind")?;
    let Some(kind) = kind else {
        return Ok(None);
    };
    let kind = ValueKind::parse(&kind)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown value_kind {kind}")))?;
    Ok(Some(StoredValue {
        kind,
        sealed: SealedValue {
            key_id: row.try_get("key_id")?,
            wrapped_key: row.try_get("wrapped_key")?,
            nonce: row.try_get("nonce")?,
            ciphertext: row.try_get("ciphertext")?,
        },
    }))
}

pub(super) fn version_from_row(
    row: &PgRow,
    version_id: String,
    labels: Vec<String>,
) -> Result<VersionRecord, StoreError> {
    Ok(VersionRecord {
        version_id,
        created_at: date(row, "created_at")?,
        last_accessed_at: opt_date(row, "last_accessed_at")?,
        value: stored_value_from_row(row)?,
        labels,
    })
}

pub(super) fn rotation_from_row(row: &PgRow) -> Result<RotationRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let status = RotationStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown rotation status {status}")))?;
    let steps_json: String = row.try_get("completed_steps")?;
    let completed_steps: Vec<String> = serde_json::from_str(&steps_json)
        .map_err(|err| StoreError::Corrupt(format!("completed_steps: {err}")))?;
    Ok(RotationRecord {
        secret_id: row.try_get("secret_id")?,
        token: row.try_get("token")?,
        rotator: row.try_get("rotator")?,
        status,
        next_step: row.try_get("next_step")?,
        completed_steps,
        last_error: row.try_get("last_error")?,
        attempts: row.try_get("attempts")?,
        started_at: date(row, "started_at")?,
        updated_at: date(row, "updated_at")?,
    })
}

/// Returns the name of the unique constraint a database error violated, if any.
pub(super) fn violated_unique(err: &sqlx::Error) -> Option<&str> {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => Some(db.constraint().unwrap_or("")),
        _ => None,
    }
}

/// Locks a live secret's row until the transaction ends; fails with
/// [`StoreError::NotFound`] when there is none.
pub(super) async fn lock_secret(
    conn: &mut sqlx::PgConnection,
    secret_id: i64,
) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM secrets WHERE id = $1 AND purged_at IS NULL FOR UPDATE")
            .bind(secret_id)
            .fetch_optional(&mut *conn)
            .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound(format!("secret {secret_id}"))),
    }
}
