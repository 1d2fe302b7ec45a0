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
pub use crate::store::DATABASE_FILE;
use crate::store::{Store, StoreLocation};
use crate::wasm::{ArtifactCache, WasmEngine};

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
        Self::open_with_store(data_dir, None).await
    }

    /// Opens the data directory with the store given by `store` (a
    /// `--store` URL), or else by `store` in `tumbler.toml`, or else the
    /// SQLite file in the data directory.
    pub async fn open_with_store(data_dir: &Path, store: Option<&str>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
        let mut config = Config::load(data_dir)?;
        if let Some(setting) = store {
            config.store = StoreLocation::parse(setting, data_dir)
                .map_err(|message| anyhow::anyhow!("invalid --store: {message}"))?;
        }
        let opened = config
            .store
            .open()
            .await
            .with_context(|| format!("could not open the store {}", config.store))?;
        let keyring =
            Arc::new(open_keyring(data_dir, &config.store, opened.store.as_ref()).await?);
        let access_keys = AccessKeys::new(opened.access_keys, keyring.clone());
        let secrets = SecretsService::new(
            opened.store,
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
async fn open_keyring(
    data_dir: &Path,
    location: &StoreLocation,
    store: &dyn Store,
) -> anyhow::Result<Keyring> {
    let used_key_ids = store.used_key_ids().await?;
    let key_file = data_dir.join(KEY_FILE_NAME);
    let from_environment = std::env::var_os(MASTER_KEY_ENV).is_some();
    if !from_environment && !key_file.exists() && !used_key_ids.is_empty() {
        bail!(
            "the key file {} is missing, but {} holds values sealed with key(s) {}; restore the \
             key file from your backup or set {MASTER_KEY_ENV}",
            key_file.display(),
            location,
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
