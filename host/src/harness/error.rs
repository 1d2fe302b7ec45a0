//! Errors that stop the harness before any check runs.

use thiserror::Error;

use crate::rotation::RotationError;
use crate::secrets::SecretsError;
use crate::wasm::{AllowListError, WasmError};

#[derive(Debug, Error)]
pub enum HarnessError {
    /// The temporary data directory, store or key could not be set up.
    #[error("could not set up the harness data directory: {0}")]
    Setup(String),
    /// The file is not a rotator component for this host.
    #[error(transparent)]
    Component(#[from] WasmError),
    /// An `--allow-host` entry is malformed.
    #[error(transparent)]
    AllowList(#[from] AllowListError),
    /// A `--read-secret` entry or the secret string was rejected.
    #[error("invalid harness input: {0}")]
    InvalidInput(String),
    /// Storing the secret under test failed.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// The rotation settings were rejected before any step ran.
    #[error(transparent)]
    Rotation(#[from] RotationError),
    /// Reading the component file failed.
    #[error("could not read the rotator component: {0}")]
    Io(#[from] std::io::Error),
}
