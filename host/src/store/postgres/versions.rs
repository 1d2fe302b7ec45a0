//! Versions, staging labels and the atomic version change.

use std::collections::BTreeMap;

use sqlx::{PgConnection, Row};

use super::PostgresStore;
use super::rotations::{insert_rotation, store_rotation_config};
use super::rows::{VERSION_COLUMNS, lock_secret, to_millis, version_from_row, violated_unique};
use crate::store::{
    LabelMove, MetadataUpdate, NewVersion, StoreError, StoredValue, VersionChange, VersionRecord,
};

/// Number of versions a secret keeps before deprecated ones are deleted;
/// AWS Secrets Manager documents "about 100".
const MAX_VERSIONS_PER_SECRET: i64 = 100;

/// Age in milliseconds below which a deprecated version is never deleted.
const MIN_PRUNE_AGE_MS: i64 = 24 * 60 * 60 * 1000;

impl PostgresStore {
    pub(super) async fn list_versions_impl(
        &self,
        secret_id: i64,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM secret_versions WHERE secret_id = $1 \
             ORDER BY created_at, seq"
        );
        let rows = sqlx::query(&sql)
            .bind(secret_id)
            .fetch_all(&self.pool)
            .await?;
        let mut labels = self.labels_by_version(secret_id).await?;
        rows.iter()
            .map(|row| {
                let version_id: String = row.try_get("version_id")?;
                let labels = labels.remove(&version_id).unwrap_or_default();
                version_from_row(row, version_id, labels)
            })
            .collect()
    }

    pub(super) async fn get_version_impl(
        &self,
        secret_id: i64,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM secret_versions WHERE secret_id = $1 AND version_id = $2"
        );
        let Some(row) = sqlx::query(&sql)
            .bind(secret_id)
            .bind(version_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let labels: Vec<String> = sqlx::query_scalar(
            "SELECT label FROM staging_labels WHERE secret_id = $1 AND version_id = $2 \
             ORDER BY label COLLATE \"C\"",
        )
        .bind(secret_id)
        .bind(version_id)
        .fetch_all(&self.pool)
        .await?;
        version_from_row(&row, version_id.to_owned(), labels).map(Some)
    }

    async fn labels_by_version(
        &self,
        secret_id: i64,
    ) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let rows = sqlx::query(
            "SELECT label, version_id FROM staging_labels WHERE secret_id = $1 \
             ORDER BY label COLLATE \"C\"",
        )
        .bind(secret_id)
        .fetch_all(&self.pool)
        .await?;
        let mut labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in &rows {
            labels
                .entry(row.try_get("version_id")?)
                .or_default()
                .push(row.try_get("label")?);
        }
        Ok(labels)
    }

    pub(super) async fn apply_version_change_impl(
        &self,
        change: VersionChange,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let secret_id = change.secret_id;
        let at = to_millis(change.at);
        // The row lock serializes label moves of one secret across replicas,
        // so each move's expected holder is checked against committed state.
        lock_secret(&mut tx, secret_id).await?;

        if let Some(version) = &change.new_version {
            insert_version(&mut tx, secret_id, version).await?;
        }
        if let Some(fill) = &change.fill_version {
            write_sealed(&mut tx, secret_id, &fill.version_id, &fill.value, true).await?;
        }
        for label_move in &change.label_moves {
            apply_label_move(&mut tx, secret_id, label_move).await?;
        }
        if change.touch_changed {
            sqlx::query("UPDATE secrets SET last_changed_at = $1 WHERE id = $2")
                .bind(at)
                .bind(secret_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(config) = &change.rotation_config {
            store_rotation_config(&mut tx, secret_id, config).await?;
        }
        if let Some(abandon) = &change.abandon_rotation {
            sqlx::query(
                "UPDATE rotations SET status = 'abandoned', last_error = $1, updated_at = $2 \
                 WHERE secret_id = $3 AND token = $4 AND status IN ('in_progress', 'failed')",
            )
            .bind(&abandon.message)
            .bind(at)
            .bind(secret_id)
            .bind(&abandon.token)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(rotation) = &change.begin_rotation {
            insert_rotation(&mut tx, secret_id, rotation, at).await?;
        }
        if change.new_version.is_some() {
            prune_versions(&mut tx, secret_id, at).await?;
        }

        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn update_metadata_impl(
        &self,
        update: MetadataUpdate,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        lock_secret(&mut tx, update.secret_id).await?;
        sqlx::query("UPDATE secrets SET last_changed_at = $1 WHERE id = $2")
            .bind(to_millis(update.at))
            .bind(update.secret_id)
            .execute(&mut *tx)
            .await?;
        if let Some(description) = &update.description {
            sqlx::query("UPDATE secrets SET description = $1 WHERE id = $2")
                .bind(description)
                .bind(update.secret_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(kms_key_id) = &update.kms_key_id {
            sqlx::query("UPDATE secrets SET kms_key_id = $1 WHERE id = $2")
                .bind(kms_key_id)
                .bind(update.secret_id)
                .execute(&mut *tx)
                .await?;
        }
        for (version_id, value) in &update.resealed {
            write_sealed(&mut tx, update.secret_id, version_id, value, false).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

pub(super) async fn insert_version(
    conn: &mut PgConnection,
    secret_id: i64,
    version: &NewVersion,
) -> Result<(), StoreError> {
    let value = version.value.as_ref();
    let result = sqlx::query(
        "INSERT INTO secret_versions (secret_id, version_id, created_at, value_kind, key_id, \
         wrapped_key, nonce, ciphertext) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(secret_id)
    .bind(&version.version_id)
    .bind(to_millis(version.created_at))
    .bind(value.map(|v| v.kind.as_str()))
    .bind(value.map(|v| v.sealed.key_id.as_str()))
    .bind(value.map(|v| v.sealed.wrapped_key.as_slice()))
    .bind(value.map(|v| v.sealed.nonce.as_slice()))
    .bind(value.map(|v| v.sealed.ciphertext.as_slice()))
    .execute(&mut *conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) if violated_unique(&err).is_some() => Err(StoreError::VersionExists {
            version_id: version.version_id.clone(),
        }),
        Err(err) => Err(err.into()),
    }
}

/// Writes a sealed value into a version. With `placeholder_only` the
/// version must be an empty placeholder, otherwise it must hold a value;
/// anything else is a conflict.
async fn write_sealed(
    conn: &mut PgConnection,
    secret_id: i64,
    version_id: &str,
    value: &StoredValue,
    placeholder_only: bool,
) -> Result<(), StoreError> {
    let condition = if placeholder_only {
        "value_kind IS NULL"
    } else {
        "value_kind IS NOT NULL"
    };
    let sql = format!(
        "UPDATE secret_versions SET value_kind = $1, key_id = $2, wrapped_key = $3, nonce = $4, \
         ciphertext = $5 WHERE secret_id = $6 AND version_id = $7 AND {condition}"
    );
    let result = sqlx::query(&sql)
        .bind(value.kind.as_str())
        .bind(&value.sealed.key_id)
        .bind(&value.sealed.wrapped_key)
        .bind(&value.sealed.nonce)
        .bind(&value.sealed.ciphertext)
        .bind(secret_id)
        .bind(version_id)
        .execute(&mut *conn)
        .await?;
    if result.rows_affected() == 0 {
        let expected = if placeholder_only {
            "an empty placeholder"
        } else {
            "a value"
        };
        return Err(StoreError::Conflict(format!(
            "version {version_id} is no longer {expected}"
        )));
    }
    Ok(())
}

async fn apply_label_move(
    conn: &mut PgConnection,
    secret_id: i64,
    label_move: &LabelMove,
) -> Result<(), StoreError> {
    let holder: Option<String> = sqlx::query_scalar(
        "SELECT version_id FROM staging_labels WHERE secret_id = $1 AND label = $2",
    )
    .bind(secret_id)
    .bind(&label_move.label)
    .fetch_optional(&mut *conn)
    .await?;
    if holder != label_move.from {
        return Err(StoreError::Conflict(format!(
            "staging label {} moved while the change was prepared",
            label_move.label
        )));
    }
    match &label_move.to {
        Some(to) => set_label(conn, secret_id, &label_move.label, to).await,
        None => {
            sqlx::query("DELETE FROM staging_labels WHERE secret_id = $1 AND label = $2")
                .bind(secret_id)
                .bind(&label_move.label)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
    }
}

/// Puts `label` on `version_id`, taking it off any other version.
pub(super) async fn set_label(
    conn: &mut PgConnection,
    secret_id: i64,
    label: &str,
    version_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO staging_labels (secret_id, label, version_id) VALUES ($1, $2, $3) \
         ON CONFLICT (secret_id, label) DO UPDATE SET version_id = excluded.version_id",
    )
    .bind(secret_id)
    .bind(label)
    .bind(version_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes the oldest deprecated (unlabelled) versions older than 24 hours
/// while the secret has more than `MAX_VERSIONS_PER_SECRET` versions.
async fn prune_versions(
    conn: &mut PgConnection,
    secret_id: i64,
    at_millis: i64,
) -> Result<(), StoreError> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM secret_versions WHERE secret_id = $1")
            .bind(secret_id)
            .fetch_one(&mut *conn)
            .await?;
    let excess = total - MAX_VERSIONS_PER_SECRET;
    if excess <= 0 {
        return Ok(());
    }
    let pruned = sqlx::query(
        "DELETE FROM secret_versions WHERE secret_id = $1 AND version_id IN (
             SELECT v.version_id FROM secret_versions v
             WHERE v.secret_id = $1 AND v.created_at < $2
               AND NOT EXISTS (SELECT 1 FROM staging_labels l
                               WHERE l.secret_id = v.secret_id AND l.version_id = v.version_id)
             ORDER BY v.created_at, v.seq
             LIMIT $3)",
    )
    .bind(secret_id)
    .bind(at_millis - MIN_PRUNE_AGE_MS)
    .bind(excess)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if pruned > 0 {
        tracing::info!(secret_id, pruned, "deleted deprecated versions over the per-secret limit");
    }
    Ok(())
}
