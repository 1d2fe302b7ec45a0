//! Installed custom rotators and the rotator digest pinned on a rotation.

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::PostgresStore;
use super::rows::{date, to_millis, violated_unique};
use crate::store::{InstalledRotator, NewInstalledRotator, StoreError};

const ROTATOR_COLUMNS: &str =
    "name, sha256, size_bytes, info_name, info_version, sdk_version, installed_at";

fn rotator_from_row(row: &PgRow) -> Result<InstalledRotator, StoreError> {
    let size: i64 = row.try_get("size_bytes")?;
    Ok(InstalledRotator {
        name: row.try_get("name")?,
        sha256: row.try_get("sha256")?,
        size_bytes: u64::try_from(size)
            .map_err(|_| StoreError::Corrupt(format!("rotator size {size} is negative")))?,
        info_name: row.try_get("info_name")?,
        info_version: row.try_get("info_version")?,
        sdk_version: row.try_get("sdk_version")?,
        installed_at: date(row, "installed_at")?,
    })
}

impl PostgresStore {
    pub(super) async fn pin_rotation_rotator_impl(
        &self,
        secret_id: i64,
        token: &str,
        sha256: &str,
    ) -> Result<String, StoreError> {
        // COALESCE keeps a digest recorded earlier; the row lock taken by the
        // UPDATE makes concurrent pins agree on the first one.
        let pinned: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE rotations SET rotator_sha256 = COALESCE(rotator_sha256, $1) \
             WHERE secret_id = $2 AND token = $3 RETURNING rotator_sha256",
        )
        .bind(sha256)
        .bind(secret_id)
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
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
        let on_conflict = if replace {
            " ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, \
             size_bytes = excluded.size_bytes, info_name = excluded.info_name, \
             info_version = excluded.info_version, sdk_version = excluded.sdk_version, \
             installed_at = excluded.installed_at, component = excluded.component"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO installed_rotators ({ROTATOR_COLUMNS}, component) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8){on_conflict}"
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
            Err(error) if violated_unique(&error).is_some() => {
                Err(StoreError::RotatorExists(rotator.name.clone()))
            }
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn list_rotators_impl(&self) -> Result<Vec<InstalledRotator>, StoreError> {
        let sql = format!(
            "SELECT {ROTATOR_COLUMNS} FROM installed_rotators ORDER BY name COLLATE \"C\""
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(rotator_from_row).collect()
    }

    pub(super) async fn find_rotator_impl(
        &self,
        name: &str,
    ) -> Result<Option<InstalledRotator>, StoreError> {
        let sql = format!("SELECT {ROTATOR_COLUMNS} FROM installed_rotators WHERE name = $1");
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
            "SELECT component FROM installed_rotators WHERE name = $1 AND sha256 = $2",
        )
        .bind(name)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(component)
    }

    pub(super) async fn delete_rotator_impl(&self, name: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM installed_rotators WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() > 0)
    }
}
