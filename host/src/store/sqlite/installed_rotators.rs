//! Installed custom rotators and the rotator digest pinned on a rotation.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStore;
use super::rows::{from_millis, is_unique_violation, to_millis};
use crate::store::{InstalledRotator, NewInstalledRotator, StoreError};

const ROTATOR_COLUMNS: &str =
    "name, sha256, size_bytes, info_name, info_version, sdk_version, installed_at";

fn rotator_from_row(row: &SqliteRow) -> Result<InstalledRotator, StoreError> {
    let size: i64 = row.try_get("size_bytes")?;
    Ok(InstalledRotator {
        name: row.try_get("name")?,
        sha256: row.try_get("sha256")?,
        size_bytes: u64::try_from(size)
            .map_err(|_| StoreError::Corrupt(format!("rotator size {size} is negative")))?,
        info_name: row.try_get("info_name")?,
        info_version: row.try_get("info_version")?,
        sdk_version: row.try_get("sdk_version")?,
        installed_at: from_millis(row.try_get("installed_at")?)?,
    })
}

impl SqliteStore {
    pub(super) async fn pin_rotation_rotator_impl(
        &self,
        secret_id: i64,
        token: &str,
        sha256: &str,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE rotations SET rotator_sha256 = ? \
             WHERE secret_id = ? AND token = ? AND rotator_sha256 IS NULL",
        )
        .bind(sha256)
        .bind(secret_id)
        .bind(token)
        .execute(&mut *tx)
        .await?;
        let pinned: Option<Option<String>> = sqlx::query_scalar(
            "SELECT rotator_sha256 FROM rotations WHERE secret_id = ? AND token = ?",
        )
        .bind(secret_id)
        .bind(token)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        match pinned {
            Some(Some(pinned)) => Ok(pinned),
            _ => Err(StoreError::NotFound(format!(
                "rotation {token} of secret {secret_id}"
            ))),
        }
    }

    pub(super) async fn insert_rotator_impl(
        &self,
        new: NewInstalledRotator,
        replace: bool,
    ) -> Result<(), StoreError> {
        let rotator = &new.rotator;
        let verb = if replace { "INSERT OR REPLACE" } else { "INSERT" };
        let sql = format!(
            "{verb} INTO installed_rotators ({ROTATOR_COLUMNS}, component) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        );
        let size = i64::try_from(rotator.size_bytes)
            .map_err(|_| StoreError::Corrupt(format!("rotator size {}", rotator.size_bytes)))?;
        let result = sqlx::query(&sql)
            .bind(&rotator.name)
            .bind(&rotator.sha256)
            .bind(size)
            .bind(&rotator.info_name)
            .bind(&rotator.info_version)
            .bind(&rotator.sdk_version)
            .bind(to_millis(rotator.installed_at))
            .bind(&new.component)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_unique_violation(&error) => {
                Err(StoreError::RotatorExists(rotator.name.clone()))
            }
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn list_rotators_impl(&self) -> Result<Vec<InstalledRotator>, StoreError> {
        let sql = format!("SELECT {ROTATOR_COLUMNS} FROM installed_rotators ORDER BY name");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(rotator_from_row).collect()
    }

    pub(super) async fn find_rotator_impl(
        &self,
        name: &str,
    ) -> Result<Option<InstalledRotator>, StoreError> {
        let sql = format!("SELECT {ROTATOR_COLUMNS} FROM installed_rotators WHERE name = ?");
        let row = sqlx::query(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rotator_from_row).transpose()
    }

    pub(super) async fn rotator_component_impl(
        &self,
        name: &str,
        sha256: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let component: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT component FROM installed_rotators WHERE name = ? AND sha256 = ?",
        )
        .bind(name)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(component)
    }

    pub(super) async fn delete_rotator_impl(&self, name: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM installed_rotators WHERE name = ?")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }
}
