//! Claims on due rotations for the scheduler.

use sqlx::Row;

use super::SqliteStore;
use super::rows::{SECRET_COLUMNS, secret_from_row, to_millis};
use crate::store::{ClaimRelease, DueRotation, StoreError};

impl SqliteStore {
    pub(super) async fn claim_due_rotations_impl(
        &self,
        now: time::OffsetDateTime,
        limit: u32,
        owner: &str,
        lease_until: time::OffsetDateTime,
    ) -> Result<Vec<DueRotation>, StoreError> {
        let now = to_millis(now);
        // BEGIN IMMEDIATE takes the write lock first, so two schedulers on
        // one file never claim the same row.
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE secrets SET rotation_lease_owner = ?, rotation_lease_expires_at = ? \
             WHERE id IN (SELECT id FROM secrets \
                 WHERE rotation_enabled = 1 AND purged_at IS NULL AND deleted_at IS NULL \
                 AND next_rotation_at IS NOT NULL AND next_rotation_at <= ? \
                 AND (rotation_retry_at IS NULL OR rotation_retry_at <= ?) \
                 AND (rotation_lease_expires_at IS NULL OR rotation_lease_expires_at <= ?) \
                 ORDER BY next_rotation_at, id LIMIT ?) \
             RETURNING id",
        )
        .bind(owner)
        .bind(to_millis(lease_until))
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;

        let mut claimed = Vec::with_capacity(ids.len());
        let sql = format!(
            "SELECT {SECRET_COLUMNS}, rotation_window_attempts FROM secrets WHERE id = ?"
        );
        for id in ids {
            let row = sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?;
            let attempts: i64 = row.try_get("rotation_window_attempts")?;
            claimed.push(DueRotation {
                secret: secret_from_row(&row)?,
                window_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        tx.commit().await?;
        claimed.sort_by_key(|due| (due.secret.next_rotation_at, due.secret.id));
        Ok(claimed)
    }

    pub(super) async fn release_rotation_claim_impl(
        &self,
        secret_id: i64,
        owner: &str,
        release: ClaimRelease,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE secrets SET rotation_lease_owner = NULL, rotation_lease_expires_at = NULL, \
             rotation_retry_at = ?, rotation_window_attempts = ?, \
             next_rotation_at = CASE WHEN ? THEN ? ELSE next_rotation_at END \
             WHERE id = ? AND rotation_lease_owner = ?",
        )
        .bind(release.retry_at.map(to_millis))
        .bind(i64::from(release.window_attempts))
        .bind(release.next_rotation_at.is_some())
        .bind(release.next_rotation_at.flatten().map(to_millis))
        .bind(secret_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
