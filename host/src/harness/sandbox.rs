//! The temporary data directory that a harness run works in, and the
//! engines it builds over it.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::HarnessError;
use crate::app::App;
use crate::rotation::{RetryPolicy, RotationEngine, RotationPolicy, RotatorRegistry};
use crate::secrets::SecretsService;
use crate::wasm::WasmEngine;

/// Name under which the component under test is registered and stored as
/// the secret's rotator.
pub const ROTATOR_NAME: &str = "rotator-under-test";

/// A data directory of its own (SQLite store and key file) that is deleted
/// when the sandbox is dropped.
pub struct Sandbox {
    // Kept so the directory lives as long as the store in `app`.
    _data_dir: TempDir,
    app: App,
    component: Vec<u8>,
    policy: RotationPolicy,
}

impl Sandbox {
    /// Creates the data directory and compiles `component` once, so an
    /// invalid file is reported before any check runs.
    pub async fn new(component: &[u8]) -> Result<Self, HarnessError> {
        let data_dir = tempfile::tempdir().map_err(|error| HarnessError::Setup(error.to_string()))?;
        let app = App::open(data_dir.path())
            .await
            .map_err(|error| HarnessError::Setup(format!("{error:#}")))?;
        // Each step runs once: a step that fails on its first call fails its
        // check instead of being hidden by a retry.
        let policy = RotationPolicy {
            retry: RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            ..app.config.rotation.clone()
        };
        let sandbox = Self {
            _data_dir: data_dir,
            app,
            component: component.to_vec(),
            policy,
        };
        sandbox.engine()?;
        Ok(sandbox)
    }

    pub fn secrets(&self) -> &SecretsService {
        &self.app.secrets
    }

    /// Builds an engine as a freshly started host would: a new wasmtime
    /// engine and registry, and the component compiled again.
    pub fn engine(&self) -> Result<RotationEngine, HarnessError> {
        let wasm = Arc::new(WasmEngine::new()?);
        let registry = Arc::new(RotatorRegistry::new(wasm));
        registry.register(ROTATOR_NAME, &self.component)?;
        Ok(RotationEngine::new(
            self.app.secrets.clone(),
            registry,
            self.policy.clone(),
        ))
    }

    /// Returns the hex SHA-256 of the component.
    pub fn component_sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.component))
    }
}
