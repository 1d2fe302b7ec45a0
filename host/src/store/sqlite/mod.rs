//! SQLite implementation of [`Store`], the embedded default.

mod access_keys;
mod bulk;
mod change_watch;
mod claims;
mod installed_rotators;
mod keys;
mod policies;
mod rotations;
pub(super) mod rows;
mod secrets;
mod versions;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use time::OffsetDateTime;

use super::{
    ChangeMarker, ClaimRelease, DueRotation, InstalledRotator, MetadataUpdate, NewInstalledRotator, NewSecret, RotationFieldsUpdate, RotationRecord, RotationUpdate, SecretRecord,
    Store, StoreError, TagRecord, VersionChange, VersionRecord,
};

/// How long a connection waits for another writer's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool. SQLite runs one writer at a time, so more
/// connections only help concurrent readers.
const MAX_CONNECTIONS: u32 = 8;

/// SQLite store in a single database file (WAL mode, foreign keys on).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Commit detection for read caches; absent for in-memory databases,
    /// which no other connection can change.
    watch: Option<Arc<change_watch::ChangeWatch>>,
}

impl SqliteStore {
    /// Opens or creates the database at `path` and applies migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.display().to_string(),
                source,
            })?;
        let mut store = Self::migrate(pool).await?;
        store.watch = Some(Arc::new(change_watch::ChangeWatch::open(path)?));
        Ok(store)
    }

    /// Opens a private in-memory database (one connection, lost on drop).
    pub async fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // Every connection to `:memory:` is a separate database, so the pool
        // keeps exactly one connection alive forever.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?;
        Self::migrate(pool).await
    }

    async fn migrate(pool: SqlitePool) -> Result<SqliteStore, StoreError> {
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool, watch: None })
    }

    /// Returns the id of this store's change watcher, which its change
    /// markers carry, or `None` for in-memory databases.
    pub(crate) fn watch_id(&self) -> Option<u64> {
        self.watch.as_ref().map(|watch| watch.id())
    }

    /// The underlying pool, for components that keep their own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction that takes the write lock at once, so a
    /// transaction that reads before it writes cannot fail on lock upgrade.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn change_marker(&self) -> Option<ChangeMarker> {
        let watch = self.watch.as_ref()?;
        match watch.version() {
            Ok(version) => Some(ChangeMarker::new(watch.id(), version)),
            Err(reason) => {
                tracing::warn!(reason, "could not read the database's data version; reading without cache");
                None
            }
        }
    }

    async fn used_key_ids(&self) -> Result<Vec<String>, StoreError> {
        self.used_key_ids_impl().await
    }

    async fn insert_secret(&self, secret: NewSecret) -> Result<i64, StoreError> {
        self.insert_secret_impl(secret).await
    }

    async fn find_secret_by_name(&self, name: &str) -> Result<Option<SecretRecord>, StoreError> {
        self.find_secret("name = ?", name).await
    }

    async fn find_secret_by_arn(&self, arn: &str) -> Result<Option<SecretRecord>, StoreError> {
        self.find_secret("arn = ?", arn).await
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
