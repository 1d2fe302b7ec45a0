//! Installing and removing custom rotators.
//!
//! Install checks the name, the optional pinned digest, that the file is a
//! component whose imports the host grants, and that it links. Then it calls
//! the rotator's `info` export, stores the bytes with that description, and
//! leaves the compiled artifact in the cache.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::registry::RotatorRegistry;
use crate::secrets::SecretsService;
use crate::store::{InstalledRotator, NewInstalledRotator, Store, StoreError};
use crate::wasm::builtin::builtin_rotator;
use crate::wasm::{AllowList, SecretsScope, StepContext, StepLimits, StepState, WasmError};

/// Maximum length of a rotator name, so it fits a Lambda function name.
pub const MAX_NAME_LEN: usize = 63;

/// Maximum length of each field that `info` returns.
const MAX_INFO_FIELD_LEN: usize = 256;

/// Wall-clock budget for the `info` call at install time.
const INFO_TIMEOUT: Duration = Duration::from_secs(10);

/// Failures of `rotator install` and `rotator remove`.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "invalid rotator name {0:?}: use 1 to {MAX_NAME_LEN} lower-case letters, digits and \
         hyphens, starting with a letter or digit"
    )]
    InvalidName(String),
    #[error("{0:?} is the name of a built-in rotator; choose another name")]
    BuiltinName(String),
    #[error("invalid --sha256 {0:?}: expected 64 hexadecimal digits")]
    InvalidDigest(String),
    #[error("the file's SHA-256 is {actual}, but --sha256 expects {expected}; nothing was installed")]
    DigestMismatch { expected: String, actual: String },
    #[error("a rotator named {0} is already installed; add --replace to replace it")]
    AlreadyInstalled(String),
    #[error("no installed rotator is named {0:?}; `tumbler rotator list` shows the installed ones")]
    NotInstalled(String),
    #[error("the info export of rotator {rotator} returned an invalid {field}: {reason}")]
    InvalidInfo {
        rotator: String,
        field: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Wasm(#[from] WasmError),
    #[error("could not store the rotator: {0}")]
    Store(#[from] StoreError),
}

/// A request to install one component.
pub struct InstallRequest {
    pub name: String,
    pub component: Vec<u8>,
    /// Expected hex SHA-256 of `component`, from `--sha256`.
    pub expected_sha256: Option<String>,
    /// Replace an installed rotator of the same name.
    pub replace: bool,
}

/// Checks a rotator name: `[a-z0-9][a-z0-9-]{0,62}`, not a built-in name.
pub fn validate_rotator_name(name: &str) -> Result<(), InstallError> {
    let mut characters = name.chars();
    let valid = matches!(characters.next(), Some(first) if first.is_ascii_lowercase() || first.is_ascii_digit())
        && name.len() <= MAX_NAME_LEN
        && characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(InstallError::InvalidName(name.to_string()));
    }
    if builtin_rotator(name).is_some() {
        return Err(InstallError::BuiltinName(name.to_string()));
    }
    Ok(())
}

/// Installs a rotator and returns its stored description.
pub async fn install_rotator(
    registry: &RotatorRegistry,
    secrets: &SecretsService,
    request: InstallRequest,
) -> Result<InstalledRotator, InstallError> {
    let name = request.name;
    validate_rotator_name(&name)?;
    let actual = hex::encode(Sha256::digest(&request.component));
    if let Some(expected) = &request.expected_sha256 {
        let expected = expected.trim().to_ascii_lowercase();
        if expected.len() != 64 || !expected.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(InstallError::InvalidDigest(expected));
        }
        if expected != actual {
            return Err(InstallError::DigestMismatch { expected, actual });
        }
    }
    let store: &Arc<dyn Store> = secrets.store();
    if !request.replace && store.find_rotator(&name).await?.is_some() {
        return Err(InstallError::AlreadyInstalled(name));
    }

    let size_bytes = request.component.len() as u64;
    let loaded = registry
        .compile_component(&name, &actual, request.component.clone())
        .await?;
    let info = loaded.info(info_state(secrets, &name)).await?;
    for (field, value) in [
        ("name", &info.name),
        ("version", &info.version),
        ("sdk-version", &info.sdk_version),
    ] {
        if value.is_empty() || value.len() > MAX_INFO_FIELD_LEN || value.chars().any(char::is_control) {
            return Err(InstallError::InvalidInfo {
                rotator: name,
                field,
                reason: format!("expected 1 to {MAX_INFO_FIELD_LEN} printable characters"),
            });
        }
    }

    let rotator = InstalledRotator {
        name: name.clone(),
        sha256: actual,
        size_bytes,
        info_name: info.name,
        info_version: info.version,
        sdk_version: info.sdk_version,
        installed_at: OffsetDateTime::now_utc(),
    };
    let new = NewInstalledRotator {
        rotator: rotator.clone(),
        component: request.component,
    };
    match store.insert_rotator(new, request.replace).await {
        Ok(()) => {}
        Err(StoreError::RotatorExists(name)) => return Err(InstallError::AlreadyInstalled(name)),
        Err(error) => return Err(error.into()),
    }
    tracing::info!(rotator = %rotator.name, sha256 = %rotator.sha256, version = %rotator.info_version, "rotator installed");
    Ok(rotator)
}

/// Removes an installed rotator. Its cached artifact stays, because another
/// name may share the digest, and the artifact is authenticated.
pub async fn remove_rotator(secrets: &SecretsService, name: &str) -> Result<(), InstallError> {
    if builtin_rotator(name).is_some() {
        return Err(InstallError::BuiltinName(name.to_string()));
    }
    if !secrets.store().delete_rotator(name).await? {
        return Err(InstallError::NotInstalled(name.to_string()));
    }
    tracing::info!(rotator = name, "rotator removed");
    Ok(())
}

/// Store data for the `info` call: no secret access, no network.
fn info_state(secrets: &SecretsService, name: &str) -> StepState {
    let limits = StepLimits {
        step_timeout: INFO_TIMEOUT,
        ..StepLimits::default()
    };
    StepState::new(
        secrets.clone(),
        SecretsScope {
            rotated_arn: String::new(),
            token: String::new(),
            readable_arns: Vec::new(),
        },
        AllowList::default(),
        limits,
        StepContext {
            rotator: name.to_string(),
            secret_arn: String::new(),
            step: "info",
            attempt: 1,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_pass() {
        for name in ["sandbox", "a", "my-rotator-2", "0day", &"a".repeat(MAX_NAME_LEN)] {
            assert!(validate_rotator_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn invalid_names_are_rejected() {
        let too_long = "a".repeat(MAX_NAME_LEN + 1);
        for name in ["", "-lead", "Upper", "has space", "under_score", "a/b", "a:b", &too_long] {
            let error = validate_rotator_name(name).unwrap_err();
            assert!(matches!(error, InstallError::InvalidName(_)), "{name}: {error}");
        }
    }

    #[test]
    fn builtin_name_is_rejected() {
        let error = validate_rotator_name("postgres").unwrap_err();
        assert!(matches!(error, InstallError::BuiltinName(_)), "{error}");
    }
}
