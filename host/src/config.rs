//! Configuration: the data directory and its optional `tumbler.toml`.
//!
//! ```toml
//! region = "us-east-1"          # used in ARNs
//! account = "000000000000"      # used in ARNs
//!
//! [rotation]
//! step_timeout_secs = 60
//! max_attempts = 3              # per step, for transient errors
//! initial_backoff_ms = 500
//! memory_limit_mib = 64
//!
//! [rotators.postgres]
//! allow_hosts = ["postgres://db.internal:5432"]
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::rotation::{RetryPolicy, RotationPolicy};
use crate::wasm::{AllowList, AllowListError, StepLimits};

/// Name of the configuration file inside the data directory.
pub const CONFIG_FILE: &str = "tumbler.toml";

/// Default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = ".tumbler";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid configuration in {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid allow-list for rotator {rotator} in {path}: {source}")]
    AllowList {
        path: PathBuf,
        rotator: String,
        source: AllowListError,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    region: Option<String>,
    account: Option<String>,
    #[serde(default)]
    rotation: RotationSection,
    #[serde(default)]
    rotators: BTreeMap<String, RotatorSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotationSection {
    step_timeout_secs: Option<u64>,
    max_attempts: Option<u32>,
    initial_backoff_ms: Option<u64>,
    memory_limit_mib: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotatorSection {
    #[serde(default)]
    allow_hosts: Vec<String>,
}

/// Settings after the file and defaults are combined.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub region: String,
    pub account: String,
    pub rotation: RotationPolicy,
}

impl Config {
    /// Reads `tumbler.toml` from `data_dir` if it exists; defaults otherwise.
    pub fn load(data_dir: &Path) -> Result<Self, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str::<ConfigFile>(&text).map_err(|error| ConfigError::Parse {
                path: path.clone(),
                message: error.to_string(),
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::from_file(data_dir, &path, file)
    }

    fn from_file(data_dir: &Path, path: &Path, file: ConfigFile) -> Result<Self, ConfigError> {
        let mut limits = StepLimits::default();
        if let Some(seconds) = file.rotation.step_timeout_secs {
            limits.step_timeout = Duration::from_secs(seconds);
        }
        if let Some(mebibytes) = file.rotation.memory_limit_mib {
            limits.memory_bytes = mebibytes << 20;
        }
        let mut retry = RetryPolicy::default();
        if let Some(attempts) = file.rotation.max_attempts {
            retry.max_attempts = attempts.max(1);
        }
        if let Some(milliseconds) = file.rotation.initial_backoff_ms {
            retry.initial_backoff = Duration::from_millis(milliseconds);
        }

        let mut allow_lists = HashMap::new();
        for (rotator, section) in file.rotators {
            let allow_list = AllowList::parse(&section.allow_hosts).map_err(|source| ConfigError::AllowList {
                path: path.to_path_buf(),
                rotator: rotator.clone(),
                source,
            })?;
            allow_lists.insert(rotator, allow_list);
        }

        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            region: file.region.unwrap_or_else(|| "us-east-1".to_string()),
            account: file.account.unwrap_or_else(|| "000000000000".to_string()),
            rotation: RotationPolicy {
                limits,
                retry,
                allow_lists,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.region, "us-east-1");
        assert!(config.rotation.allow_list_for("postgres").is_empty());
    }

    #[test]
    fn allow_hosts_are_parsed_per_rotator() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[rotators.postgres]\nallow_hosts = [\"postgres://db.internal:5432\"]\n",
        )
        .unwrap();
        let config = Config::load(dir.path()).unwrap();
        let allow_list = config.rotation.allow_list_for("postgres");
        assert_eq!(allow_list.to_string(), "postgres://db.internal:5432");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "regoin = \"x\"\n").unwrap();
        let error = Config::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("regoin"), "{error}");
    }
}
