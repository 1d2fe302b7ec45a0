//! Configuration: the data directory and its optional `tumbler.toml`.
//!
//! ```toml
//! region = "us-east-1"          # used in ARNs
//! store = "postgres://tumbler@db.internal:5432/tumbler"  # default: tumbler.db here
//! account = "000000000000"      # used in ARNs
//!
//! [rotation]
//! step_timeout_secs = 60
//! max_attempts = 3              # per step, for transient errors
//! initial_backoff_ms = 500
//! memory_limit_mib = 64
//! max_concurrent_rotations = 4  # scheduled rotations running at once
//! scheduler_interval_secs = 60  # time between scheduler passes
//! rotation_lease_secs = 1800    # a replica that dies mid-rotation holds it this long
//!
//! [rotators.postgres]
//! allow_hosts = ["postgres://db.internal:5432"]
//!
//! [[notifications.webhook]]     # rotation events, POSTed as signed JSON
//! url = "https://hooks.internal/tumbler"
//! secret = "a random string of at least 16 characters"
//! ca_file = "hooks-ca.pem"      # optional; relative to the data directory
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::notify::WebhookConfig;
use crate::rotation::install::validate_rotator_name;
use crate::rotation::scheduler::SchedulerSettings;
use crate::rotation::{RetryPolicy, RotationPolicy};
use crate::store::StoreLocation;
use crate::wasm::builtin::{builtin_names, builtin_rotator};
use crate::wasm::{AllowList, AllowListError, StepLimits};

/// Name of the configuration file inside the data directory.
pub const CONFIG_FILE: &str = "tumbler.toml";

/// Default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = ".tumbler";

/// Upper bounds for `[rotation]` values. Larger ones are typing mistakes that
/// would overflow or make a step wait practically forever.
const MAX_STEP_TIMEOUT_SECS: u64 = 3600;
const MAX_MEMORY_MIB: u64 = 4096;
const MAX_ATTEMPTS: u64 = 100;
const MAX_BACKOFF_MS: u64 = 600_000;
const MAX_CONCURRENT_ROTATIONS: u64 = 256;
const MAX_SCHEDULER_INTERVAL_SECS: u64 = 3600;
const MIN_ROTATION_LEASE_SECS: u64 = 5;
const MAX_ROTATION_LEASE_SECS: u64 = 86_400;

fn check_range(key: &str, value: Option<u64>, min: u64, max: u64) -> Result<(), String> {
    match value {
        Some(value) if value < min || value > max => {
            Err(format!("{key} = {value} is out of range; use a value from {min} to {max}"))
        }
        _ => Ok(()),
    }
}

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
    store: Option<StoreSetting>,
    account: Option<String>,
    #[serde(default)]
    rotation: RotationSection,
    #[serde(default)]
    rotators: BTreeMap<String, RotatorSection>,
    #[serde(default)]
    notifications: NotificationsSection,
}

/// The `store` URL as written; its Debug form hides a possible password.
#[derive(Deserialize)]
#[serde(transparent)]
struct StoreSetting(String);

impl std::fmt::Debug for StoreSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreSetting(..)")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationsSection {
    #[serde(default)]
    webhook: Vec<WebhookSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSection {
    url: String,
    secret: String,
    ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for WebhookSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSection").field("url", &self.url).finish_non_exhaustive()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotationSection {
    step_timeout_secs: Option<u64>,
    max_attempts: Option<u32>,
    initial_backoff_ms: Option<u64>,
    memory_limit_mib: Option<usize>,
    max_concurrent_rotations: Option<u64>,
    scheduler_interval_secs: Option<u64>,
    rotation_lease_secs: Option<u64>,
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
    /// The store; the SQLite file in the data directory unless `store` is set.
    pub store: StoreLocation,
    pub region: String,
    pub account: String,
    pub rotation: RotationPolicy,
    pub scheduler: SchedulerSettings,
    /// `rotation_lease_secs`; when unset, `serve` derives the lease from the
    /// step limits.
    pub rotation_lease: Option<Duration>,
    /// `[[notifications.webhook]]` entries.
    pub webhooks: Vec<WebhookConfig>,
}

impl Config {
    /// Reads `tumbler.toml` from `data_dir` if it exists, and uses defaults otherwise.
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
        let invalid = |message: String| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        };
        check_range("rotation.step_timeout_secs", file.rotation.step_timeout_secs, 1, MAX_STEP_TIMEOUT_SECS)
            .map_err(invalid)?;
        check_range("rotation.memory_limit_mib", file.rotation.memory_limit_mib.map(|v| v as u64), 1, MAX_MEMORY_MIB)
            .map_err(invalid)?;
        check_range("rotation.max_attempts", file.rotation.max_attempts.map(u64::from), 1, MAX_ATTEMPTS)
            .map_err(invalid)?;
        check_range("rotation.initial_backoff_ms", file.rotation.initial_backoff_ms, 0, MAX_BACKOFF_MS)
            .map_err(invalid)?;
        check_range(
            "rotation.max_concurrent_rotations",
            file.rotation.max_concurrent_rotations,
            1,
            MAX_CONCURRENT_ROTATIONS,
        )
        .map_err(invalid)?;
        check_range(
            "rotation.scheduler_interval_secs",
            file.rotation.scheduler_interval_secs,
            1,
            MAX_SCHEDULER_INTERVAL_SECS,
        )
        .map_err(invalid)?;
        check_range(
            "rotation.rotation_lease_secs",
            file.rotation.rotation_lease_secs,
            MIN_ROTATION_LEASE_SECS,
            MAX_ROTATION_LEASE_SECS,
        )
        .map_err(invalid)?;
        if let Some(region) = &file.region {
            let valid = !region.is_empty()
                && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                return Err(invalid(format!(
                    "region {region:?} is invalid; use lower-case letters, digits and hyphens, for example us-east-1"
                )));
            }
        }
        if let Some(account) = &file.account {
            if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid(format!("account {account:?} is invalid; use 12 digits, for example 000000000000")));
            }
        }
        // Installed rotators live in the database, which is not open yet, so
        // a section for a custom rotator is checked only for a valid name.
        for rotator in file.rotators.keys() {
            if builtin_rotator(rotator).is_none() && validate_rotator_name(rotator).is_err() {
                return Err(invalid(format!(
                    "[rotators.{rotator}] is neither a built-in rotator ({}) nor a valid custom \
                     rotator name (1-63 lower-case letters, digits and hyphens)",
                    builtin_names()
                )));
            }
        }

        let mut limits = StepLimits::default();
        if let Some(seconds) = file.rotation.step_timeout_secs {
            limits.step_timeout = Duration::from_secs(seconds);
        }
        if let Some(mebibytes) = file.rotation.memory_limit_mib {
            limits.memory_bytes = mebibytes << 20;
        }
        let mut retry = RetryPolicy::default();
        if let Some(attempts) = file.rotation.max_attempts {
            retry.max_attempts = attempts;
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

        let mut scheduler = SchedulerSettings::default();
        if let Some(count) = file.rotation.max_concurrent_rotations {
            scheduler.max_concurrent = count as usize;
        }
        if let Some(seconds) = file.rotation.scheduler_interval_secs {
            scheduler.interval = Duration::from_secs(seconds);
        }
        let rotation_lease = file.rotation.rotation_lease_secs.map(Duration::from_secs);
        let webhooks = file
            .notifications
            .webhook
            .into_iter()
            .map(|entry| {
                let webhook = WebhookConfig::parse(&entry.url, entry.secret)?;
                match entry.ca_file {
                    Some(path) => webhook.with_ca_file(&data_dir.join(path)),
                    None => Ok(webhook),
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| invalid(format!("[[notifications.webhook]]: {message}")))?;

        let store = match &file.store {
            Some(StoreSetting(setting)) => {
                StoreLocation::parse(setting, data_dir).map_err(|message| invalid(format!("store: {message}")))?
            }
            None => StoreLocation::default_for(data_dir),
        };

        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            store,
            region: file.region.unwrap_or_else(|| "us-east-1".to_string()),
            account: file.account.unwrap_or_else(|| "000000000000".to_string()),
            rotation: RotationPolicy {
                limits,
                retry,
                allow_lists,
            },
            scheduler,
            rotation_lease,
            webhooks,
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
    fn out_of_range_step_timeout_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[rotation]\nstep_timeout_secs = 9223372036854775807\n").unwrap();
        let error = Config::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("step_timeout_secs"), "{error}");
    }

    #[test]
    fn zero_memory_limit_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[rotation]\nmemory_limit_mib = 0\n").unwrap();
        assert!(Config::load(dir.path()).is_err());
    }

    #[test]
    fn region_with_space_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "region = \"us east\"\n").unwrap();
        assert!(Config::load(dir.path()).is_err());
    }

    #[test]
    fn scheduler_settings_default_to_four_rotations() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.scheduler.max_concurrent, 4);
    }

    #[test]
    fn max_concurrent_rotations_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[rotation]\nmax_concurrent_rotations = 2\n").unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.scheduler.max_concurrent, 2);
    }

    #[test]
    fn zero_concurrent_rotations_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[rotation]\nmax_concurrent_rotations = 0\n").unwrap();
        let error = Config::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("max_concurrent_rotations"), "{error}");
    }

    #[test]
    fn webhooks_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[[notifications.webhook]]\nurl = \"http://127.0.0.1:9000/hook\"\nsecret = \"0123456789abcdef\"\n",
        )
        .unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.webhooks.len(), 1);
        assert_eq!(config.webhooks[0].url.as_str(), "http://127.0.0.1:9000/hook");
    }

    #[test]
    fn webhook_error_names_the_url() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[[notifications.webhook]]\nurl = \"ftp://hooks\"\nsecret = \"0123456789abcdef\"\n",
        )
        .unwrap();
        let error = Config::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("ftp://hooks"), "{error}");
    }

    #[test]
    fn webhook_ca_file_relative_to_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[[notifications.webhook]]\nurl = \"https://hooks.internal/x\"\n\
             secret = \"0123456789abcdef\"\nca_file = \"hooks-ca.pem\"\n",
        )
        .unwrap();
        let error = Config::load(dir.path()).unwrap_err();
        let expected = dir.path().join("hooks-ca.pem");
        assert!(error.to_string().contains(&expected.display().to_string()), "{error}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "regoin = \"x\"\n").unwrap();
        let error = Config::load(dir.path()).unwrap_err();
        assert!(error.to_string().contains("regoin"), "{error}");
    }
}
