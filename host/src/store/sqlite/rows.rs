//! Conversions between SQLite rows and store records.

use std::collections::BTreeMap;

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::crypto::SealedValue;
use crate::store::{
    RotationRecord, RotationStatus, SecretRecord, StoreError, StoredValue, ValueKind,
};

pub(super) const SECRET_COLUMNS: &str = "id, name, arn, description, kms_key_id, created_at, \
    last_changed_at, last_accessed_at, deleted_at, deletion_date, rotation_enabled, \
    rotation_lambda_arn, rotation_settings, rotation_rules, last_rotated_at, next_rotation_at, \
    tags_set";

pub(super) const ROTATION_COLUMNS: &str = "secret_id, token, rotator, status, next_step, \
    completed_steps, last_error, attempts, started_at, updated_at";

/// Dates are stored as Unix epoch milliseconds.
pub(in crate::store) fn to_millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(in crate::store) fn from_millis(millis: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| StoreError::Corrupt(format!("date {millis} is out of range")))
}

fn opt_date(row: &SqliteRow, column: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    row.try_get::<Option<i64>, _>(column)?
        .map(from_millis)
        .transpose()
}

pub(super) fn secret_from_row(row: &SqliteRow) -> Result<SecretRecord, StoreError> {
    let settings_json: String = row.try_get("rotation_settings")?;
    let rotation_settings: BTreeMap<String, String> = serde_json::from_str(&settings_json)
        .map_err(|err| StoreError::Corrupt(format!("rotation_settings: {err}")))?;
    Ok(SecretRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        arn: row.try_get("arn")?,
        description: row.try_get("description")?,
        kms_key_id: row.try_get("kms_key_id")?,
        created_at: from_millis(row.try_get("created_at")?)?,
        last_changed_at: from_millis(row.try_get("last_changed_at")?)?,
        last_accessed_at: opt_date(row, "last_accessed_at")?,
        deleted_at: opt_date(row, "deleted_at")?,
        deletion_date: opt_date(row, "deletion_date")?,
        rotation_enabled: row.try_get::<Option<bool>, _>("rotation_enabled")?,
        rotation_lambda_arn: row.try_get("rotation_lambda_arn")?,
        rotation_settings,
        rotation_rules: row.try_get("rotation_rules")?,
        last_rotated_at: opt_date(row, "last_rotated_at")?,
        next_rotation_at: opt_date(row, "next_rotation_at")?,
        tags_set: row.try_get("tags_set")?,
    })
}

/// Reads the sealed columns; all NULL means a placeholder without a value.
pub(super) fn stored_value_from_row(row: &SqliteRow) -> Result<Option<StoredValue>, StoreError> {
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

pub(super) fn rotation_from_row(row: &SqliteRow) -> Result<RotationRecord, StoreError> {
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
        started_at: from_millis(row.try_get("started_at")?)?,
        updated_at: from_millis(row.try_get("updated_at")?)?,
    })
}

/// Whether a database error is a UNIQUE or PRIMARY KEY violation.
pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
