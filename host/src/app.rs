//! Wires the keyring, store, secrets service and rotation engine for a data
//! directory.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::auth::AccessKeys;
use crate::config::Config;
use crate::crypto::{KEY_FILE_NAME, Keyring, MASTER_KEY_ENV};
use crate::rotation::{RotationEngine, RotatorRegistry};
use crate::secrets::{SecretsService, ServiceConfig};
use crate::store::SqliteStore;
use crate::wasm::{ArtifactCache, WasmEngine};

/// Name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "tumbler.db";

pub struct App {
    pub config: Config,
    pub secrets: SecretsService,
    /// Access keys for the API, stored in the same database.
    pub access_keys: AccessKeys,
}

impl App {
    /// Opens (and on first use creates) the data directory, its key file and
    /// its database.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
        let config = Config::load(data_dir)?;
        let store = SqliteStore::open(&data_dir.join(DATABASE_FILE)).await?;
        let keyring = Arc::new(open_keyring(data_dir, &store).await?);
        let access_keys = AccessKeys::new(Arc::new(store.clone()), keyring.clone());
        let secrets = SecretsService::new(
            Arc::new(store),
            keyring,
            ServiceConfig {
                region: config.region.clone(),
                account: config.account.clone(),
            },
        );
        Ok(Self {
            config,
            secrets,
            access_keys,
        })
    }

    /// Builds the rotation engine; this sets up wasmtime, so commands that do
    /// not rotate skip it.
    pub fn rotation_engine(&self) -> anyhow::Result<RotationEngine> {
        let registry = Arc::new(self.rotator_registry()?);
        Ok(RotationEngine::new(
            self.secrets.clone(),
            registry,
            self.config.rotation.clone(),
        ))
    }
}

impl App {
    /// Builds the registry of built-in and installed rotators, with the
    /// compiled-rotator cache in the data directory.
    pub fn rotator_registry(&self) -> anyhow::Result<RotatorRegistry> {
        let engine = Arc::new(WasmEngine::new()?);
        let cache = match ArtifactCache::open(&self.config.data_dir, engine.engine()) {
            Ok(cache) => Some(cache),
            Err(error) => {
                // Rotators still work without the cache, but each start compiles them.
                tracing::warn!(%error, "compiled-rotator cache disabled");
                None
            }
        };
        Ok(RotatorRegistry::with_store(
            engine,
            Some(Arc::clone(self.secrets.store())),
            cache,
        ))
    }
}

/// Loads the keyring and checks that it contains every key the stored values
/// were sealed with. A key file is created only for a database that contains
/// no values yet, so a lost or misplaced key file is reported instead of being
/// silently replaced by a new key that would split the data between two keys.
async fn open_keyring(data_dir: &Path, store: &SqliteStore) -> anyhow::Result<Keyring> {
    let used_key_ids = store.used_key_ids().await?;
    let key_file = data_dir.join(KEY_FILE_NAME);
    let from_environment = std::env::var_os(MASTER_KEY_ENV).is_some();
    if !from_environment && !key_file.exists() && !used_key_ids.is_empty() {
        bail!(
            "the key file {} is missing, but {} holds values sealed with key(s) {}; restore the \
             key file from your backup or set {MASTER_KEY_ENV}",
            key_file.display(),
            data_dir.join(DATABASE_FILE).display(),
            used_key_ids.join(", ")
        );
    }

    let keyring = Keyring::load_or_create(data_dir)?;
    let known: Vec<String> = keyring.key_infos().into_iter().map(|info| info.id).collect();
    let missing: Vec<&str> = used_key_ids
        .iter()
        .filter(|id| !known.contains(id))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let source = if from_environment {
            MASTER_KEY_ENV.to_string()
        } else {
            key_file.display().to_string()
        };
        bail!(
            "the keyring from {source} lacks key(s) {} that stored values were sealed with; use \
             the key file or {MASTER_KEY_ENV} that this data directory was created with",
            missing.join(", ")
        );
    }
    Ok(keyring)
}
