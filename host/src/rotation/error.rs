//! Errors of the rotation engine.

use thiserror::Error;

use crate::secrets::SecretsError;
use crate::wasm::WasmError;

#[derive(Debug, Error)]
pub enum RotationError {
    /// The secret or its state rejected the rotation (unknown secret, a
    /// previous rotation still pending, no rotator configured).
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// The rotator could not be found, compiled or linked.
    #[error(transparent)]
    Wasm(#[from] WasmError),
    /// A rotation setting has an unknown key or an invalid value; nothing
    /// was stored.
    #[error("{0}")]
    InvalidSetting(String),
    /// A step failed; AWSCURRENT is unchanged and AWSPENDING stays on the
    /// rotation's version so the same token can resume it.
    #[error(
        "rotation of {secret} failed at {step} after {attempts} attempt(s): {message}. AWSCURRENT is \
         unchanged; after fixing the cause, resume with --client-request-token {version_id}"
    )]
    StepFailed {
        secret: String,
        version_id: String,
        step: &'static str,
        attempts: u32,
        message: String,
    },
    /// createSecret failed before a value was stored; the empty AWSPENDING
    /// version was withdrawn, so the secret's labels are as before.
    #[error(
        "rotation of {secret} failed at createSecret after {attempts} attempt(s): {message}. Nothing was \
         changed; fix the cause and rotate again"
    )]
    Withdrawn {
        secret: String,
        attempts: u32,
        message: String,
    },
}
