//! Wires the keyring, store, secrets service and rotation engine for a data
//! directory.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::crypto::Keyring;
use crate::rotation::{RotationEngine, RotatorRegistry};
use crate::secrets::{SecretsService, ServiceConfig};
use crate::store::SqliteStore;
use crate::wasm::WasmEngine;

/// Name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "tumbler.db";

pub struct App {
    pub config: Config,
    pub secrets: SecretsService,
}

impl App {
    /// Opens (and on first use creates) the data directory, its key file and
    /// its database.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("could not create the data directory {}", data_dir.display()))?;
        let config = Config::load(data_dir)?;
        let keyring = Keyring::load_or_create(data_dir)?;
        let store = SqliteStore::open(&data_dir.join(DATABASE_FILE)).await?;
        let secrets = SecretsService::new(
            Arc::new(store),
            Arc::new(keyring),
            ServiceConfig {
                region: config.region.clone(),
                account: config.account.clone(),
            },
        );
        Ok(Self { config, secrets })
    }

    /// Builds the rotation engine; this sets up wasmtime, so commands that do
    /// not rotate skip it.
    pub fn rotation_engine(&self) -> anyhow::Result<RotationEngine> {
        let engine = Arc::new(WasmEngine::new()?);
        let registry = Arc::new(RotatorRegistry::new(engine));
        Ok(RotationEngine::new(
            self.secrets.clone(),
            registry,
            self.config.rotation.clone(),
        ))
    }
}
