//! PostgreSQL implementation of [`Store`], for several replicas that share
//! one database.
//!
//! Writes that read before they write lock the rows they depend on (the
//! secret row, the rotation row) with `SELECT ... FOR UPDATE`, so concurrent
//! replicas serialize per secret the way SQLite's single writer does.
//! Schedulers claim due rotations with `FOR UPDATE SKIP LOCKED`.

mod access_keys;
mod bulk;
mod claims;
mod connect;
mod installed_rotators;
mod policies;
mod rotations;
mod rows;
mod secrets;
mod versions;

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::PgPool;
use time::OffsetDateTime;

pub use connect::{is_postgres_url, redacted_url};

use super::{
    ClaimRelease, DueRotation, InstalledRotator, MetadataUpdate, NewInstalledRotator, NewSecret,
    RotationFieldsUpdate, RotationRecord, RotationUpdate, SecretRecord, Store, StoreError,
    TagRecord, VersionChange, VersionRecord,
};

/// PostgreSQL store. Every replica keeps its own pool. All shared state is
/// in the database, so no reads are cached in memory.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Returns the underlying pool, for tests and tools that inspect the tables.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn used_key_ids(&self) -> Result<Vec<String>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT key_id FROM secret_versions WHERE key_id IS NOT NULL \
             UNION SELECT key_id FROM access_keys ORDER BY key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    async fn insert_secret(&self, secret: NewSecret) -> Result<i64, StoreError> {
        self.insert_secret_impl(secret).await
    }

    async fn find_secret_by_name(&self, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        self.find_secret("name = $1", name).await
    }

    async fn find_secret_by_arn(&self, arn: &str) -> Result<Option<SecretRecord>, StoreError> {
        self.find_secret("arn = $1", arn).await
    }

    async fn get_secret(&self, id: i64) -> Result<Option<SecretRecord>, StoreError> {
        self.get_secret_impl(id).await
    }

    async fn list_secrets(&self) -> Result<Vec<SecretRecord>, StoreError> {
        self.list_secrets_impl().await
    }

    async fn list_versions(&self, secret_id: i64) -> Result<Vec<VersionRecord>, StoreError> {
        self.list_versions_impl(secret_id).await
    }

    async fn get_version(
        &self,
        secret_id: i64,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        self.get_version_impl(secret_id, version_id).await
    }

    async fn list_tags(&self, secret_id: i64) -> Result<Vec<TagRecord>, StoreError> {
        self.list_tags_impl(secret_id).await
    }

    async fn list_all_versions(&self) -> Result<HashMap<i64, Vec<VersionRecord>>, StoreError> {
        self.list_all_versions_impl().await
    }

    async fn list_all_tags(&self) -> Result<HashMap<i64, Vec<TagRecord>>, StoreError> {
        self.list_all_tags_impl().await
    }

    async fn apply_version_change(&self, change: VersionChange) -> Result<(), StoreError> {
        self.apply_version_change_impl(change).await
    }

    async fn update_metadata(&self, update: MetadataUpdate) -> Result<(), StoreError> {
        self.update_metadata_impl(update).await
    }

    async fn touch_accessed(
        &self,
        secret_id: i64,
        version_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.touch_accessed_impl(secret_id, version_id, at).await
    }

    async fn set_deletion(
        &self,
        secret_id: i64,
        deleted: Option<(OffsetDateTime, OffsetDateTime)>,
    ) -> Result<(), StoreError> {
        self.set_deletion_impl(secret_id, deleted).await
    }

    async fn purge_secret(&self, secret_id: i64) -> Result<(), StoreError> {
        self.purge_secret_impl(secret_id).await
    }

    async fn put_tags(&self, secret_id: i64, tags: &[TagRecord]) -> Result<(), StoreError> {
        self.put_tags_impl(secret_id, tags).await
    }

    async fn remove_tags(&self, secret_id: i64, keys: &[String]) -> Result<(), StoreError> {
        self.remove_tags_impl(secret_id, keys).await
    }

    async fn get_rotation(
        &self,
        secret_id: i64,
        token: &str,
    ) -> Result<Option<RotationRecord>, StoreError> {
        self.get_rotation_impl(secret_id, token).await
    }

    async fn latest_rotation(&self, secret_id: i64) -> Result<Option<RotationRecord>, StoreError> {
        self.latest_rotation_impl(secret_id).await
    }

    async fn update_rotation_fields(
        &self,
        secret_id: i64,
        update: RotationFieldsUpdate,
    ) -> Result<(), StoreError> {
        self.update_rotation_fields_impl(secret_id, update).await
    }

    async fn update_rotation(&self, update: RotationUpdate) -> Result<(), StoreError> {
        self.update_rotation_impl(update).await
    }

    async fn claim_due_rotations(
        &self,
        now: OffsetDateTime,
        limit: u32,
        owner: &str,
        lease_until: OffsetDateTime,
    ) -> Result<Vec<DueRotation>, StoreError> {
        self.claim_due_rotations_impl(now, limit, owner, lease_until).await
    }

    async fn release_rotation_claim(
        &self,
        secret_id: i64,
        owner: &str,
        release: ClaimRelease,
    ) -> Result<bool, StoreError> {
        self.release_rotation_claim_impl(secret_id, owner, release).await
    }

    async fn get_resource_policy(&self, secret_id: i64) -> Result<Option<String>, StoreError> {
        self.get_resource_policy_impl(secret_id).await
    }

    async fn set_resource_policy(
        &self,
        secret_id: i64,
        policy: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.set_resource_policy_impl(secret_id, policy, at).await
    }

    async fn pin_rotation_rotator(
        &self,
        secret_id: i64,
        token: &str,
        sha256: &str,
    ) -> Result<String, StoreError> {
        self.pin_rotation_rotator_impl(secret_id, token, sha256).await
    }

    async fn insert_rotator(
        &self,
        rotator: NewInstalledRotator,
        replace: bool,
    ) -> Result<(), StoreError> {
        self.insert_rotator_impl(rotator, replace).await
    }

    async fn list_rotators(&self) -> Result<Vec<InstalledRotator>, StoreError> {
        self.list_rotators_impl().await
    }

    async fn find_rotator(&self, name: &str) -> Result<Option<InstalledRotator>, StoreError> {
        self.find_rotator_impl(name).await
    }

    async fn rotator_component(
        &self,
        name: &str,
        sha256: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.rotator_component_impl(name, sha256).await
    }

    async fn delete_rotator(&self, name: &str) -> Result<bool, StoreError> {
        self.delete_rotator_impl(name).await
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
