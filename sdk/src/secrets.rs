//! Wrappers over the host `secrets` interface that return [`RotationError`],
//! plus the staging label names.

use crate::RotationError;
#[cfg(target_arch = "wasm32")]
use crate::bindings::tumbler::rotator::secrets as host;
#[cfg(not(target_arch = "wasm32"))]
use crate::mock::secrets_host as host;
use crate::bindings::tumbler::rotator::types::SecretValue;

pub use crate::bindings::tumbler::rotator::secrets::{
    PasswordSpec, SecretDescription, SecretsError, Selector, VersionInfo,
};

/// Label of the version that clients read by default.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// Label of the version that a rotation is building.
pub const AWSPENDING: &str = "AWSPENDING";
/// Label of the version that was current before the last rotation.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";

/// Default length of `GetRandomPassword`.
pub const DEFAULT_PASSWORD_LENGTH: u32 = 32;

impl Default for PasswordSpec {
    /// Returns the `GetRandomPassword` defaults: 32 characters from upper and
    /// lower case letters, digits and punctuation, at least one of each, no
    /// space and no excluded characters.
    fn default() -> Self {
        Self {
            length: DEFAULT_PASSWORD_LENGTH,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

impl Selector {
    /// Selects the version that carries `stage`.
    pub fn stage(stage: &str) -> Self {
        Self {
            version_id: None,
            version_stage: Some(stage.to_string()),
        }
    }

    /// Selects the version `version_id`.
    pub fn version(version_id: &str) -> Self {
        Self {
            version_id: Some(version_id.to_string()),
            version_stage: None,
        }
    }

    /// Selects the AWSPENDING version `token`; it matches only while `token`
    /// carries AWSPENDING.
    pub fn pending(token: &str) -> Self {
        Self {
            version_id: Some(token.to_string()),
            version_stage: Some(AWSPENDING.to_string()),
        }
    }
}

impl SecretDescription {
    /// Returns the id of the version that carries `stage`, if any.
    pub fn version_with_stage(&self, stage: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|version| version.stages.iter().any(|label| label == stage))
            .map(|version| version.version_id.as_str())
    }

    /// Returns the labels of version `version_id`, or `None` when the version
    /// carries no label.
    pub fn stages_of(&self, version_id: &str) -> Option<&[String]> {
        self.versions
            .iter()
            .find(|version| version.version_id == version_id)
            .map(|version| version.stages.as_slice())
    }
}

/// Converts a host `secrets` error into a rotation error. `context` describes what
/// was being done, for example `"reading AWSCURRENT of <arn>"`.
///
/// `access-denied` becomes `Denied`, `invalid-request` (the call does not fit
/// the secret's state) becomes `Conflict`, `internal` becomes `Unavailable`
/// so that the host retries, and the other cases become `Other`.
pub fn map_error(error: SecretsError, context: &str) -> RotationError {
    match error {
        SecretsError::AccessDenied(reason) => RotationError::Denied(format!("{context}: {reason}")),
        SecretsError::InvalidRequest(reason) => {
            RotationError::Conflict(format!("{context}: {reason}"))
        }
        SecretsError::Internal(reason) => {
            RotationError::Unavailable(format!("{context}: host error: {reason}"))
        }
        SecretsError::NotFound(reason) => {
            RotationError::Other(format!("{context}: not found: {reason}"))
        }
        SecretsError::InvalidParameter(reason) => {
            RotationError::Other(format!("{context}: invalid parameter: {reason}"))
        }
        SecretsError::DecryptionFailure(reason) => {
            RotationError::Other(format!("{context}: decryption failed: {reason}"))
        }
    }
}

/// Calls `DescribeSecret`.
pub fn describe(secret_id: &str) -> Result<SecretDescription, RotationError> {
    host::describe(secret_id).map_err(|error| map_error(error, &format!("describing {secret_id}")))
}

/// Calls `GetSecretValue` and returns `None` when the secret, version or label
/// does not exist (ResourceNotFoundException), which includes an AWSPENDING
/// version that has no value yet.
pub fn get_value(
    secret_id: &str,
    selector: &Selector,
) -> Result<Option<SecretValue>, RotationError> {
    match host::get_value(secret_id, selector) {
        Ok(value) => Ok(Some(value)),
        Err(SecretsError::NotFound(_)) => Ok(None),
        Err(error) => Err(map_error(
            error,
            &format!("reading {}", describe_selector(secret_id, selector)),
        )),
    }
}

/// Reads the version of `secret_id` that carries `stage`.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when no such version or value
/// exists, and the mapped host error otherwise.
pub fn get_required(secret_id: &str, selector: &Selector) -> Result<SecretValue, RotationError> {
    get_value(secret_id, selector)?.ok_or_else(|| {
        RotationError::InvalidSecret(format!(
            "{} has no value",
            describe_selector(secret_id, selector)
        ))
    })
}

/// Stores `value` as the AWSPENDING version `token` of `secret_id`.
pub fn put_pending(secret_id: &str, token: &str, value: &SecretValue) -> Result<(), RotationError> {
    host::put_pending(secret_id, token, value).map_err(|error| {
        map_error(
            error,
            &format!("storing AWSPENDING version {token} of {secret_id}"),
        )
    })
}

/// Calls `UpdateSecretVersionStage`.
pub fn update_version_stage(
    secret_id: &str,
    stage: &str,
    move_to: Option<&str>,
    remove_from: Option<&str>,
) -> Result<(), RotationError> {
    host::update_version_stage(secret_id, stage, move_to, remove_from)
        .map_err(|error| map_error(error, &format!("moving {stage} of {secret_id}")))
}

/// Calls `GetRandomPassword`.
pub fn random_password(spec: &PasswordSpec) -> Result<String, RotationError> {
    host::get_random_password(spec)
        .map_err(|error| map_error(error, "generating a random password"))
}

fn describe_selector(secret_id: &str, selector: &Selector) -> String {
    match (&selector.version_id, &selector.version_stage) {
        (Some(id), Some(stage)) => format!("{stage} version {id} of {secret_id}"),
        (Some(id), None) => format!("version {id} of {secret_id}"),
        (None, Some(stage)) => format!("{stage} of {secret_id}"),
        (None, None) => format!("{AWSCURRENT} of {secret_id}"),
    }
}
