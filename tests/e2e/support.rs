//! Runs the `tumbler` binary against a temporary data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A `tumbler` command line bound to its own data directory.
pub struct Tumbler {
    data_dir: TempDir,
    /// Store URL passed as `TUMBLER_STORE` when the suite runs on PostgreSQL.
    store: Option<String>,
}

/// The captured result of one command.
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

impl Default for Tumbler {
    fn default() -> Self {
        Self::new()
    }
}

impl Tumbler {
    pub fn new() -> Self {
        Self {
            data_dir: tempfile::tempdir().expect("create a temporary data directory"),
            store: tumbler::store::testing::test_store_url(),
        }
    }

    /// Creates a data directory that uses its SQLite file on every store
    /// pass, for tests that read or damage that file.
    pub fn on_sqlite() -> Self {
        Self {
            data_dir: tempfile::tempdir().expect("create a temporary data directory"),
            store: None,
        }
    }

    /// Returns the store this data directory uses: `None` for its SQLite
    /// file, or the PostgreSQL URL when the suite runs on PostgreSQL.
    pub fn store_url(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// Points `command` at this data directory and its store.
    pub fn configure(&self, command: &mut Command) {
        command
            .env("TUMBLER_DATA_DIR", self.data_dir.path())
            .env_remove("TUMBLER_MASTER_KEY")
            .env_remove("RUST_LOG");
        match &self.store {
            Some(url) => command.env("TUMBLER_STORE", url),
            None => command.env_remove("TUMBLER_STORE"),
        };
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Runs `tumbler ARGS` with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(binary_path());
        command.args(args);
        self.configure(&mut command);
        for (key, value) in env {
            command.env(key, value);
        }
        let Output { status, stdout, stderr } = command.output().expect("run the tumbler binary");
        Run {
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Starts `tumbler ARGS` without waiting for it, with output discarded.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut command = Command::new(binary_path());
        command.args(args);
        self.configure(&mut command);
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the tumbler binary")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// Runs a command that must succeed and returns its stdout. The panic
    /// message shows stderr only, which never carries secret values.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(
            run.success(),
            "`tumbler {}` failed with {}:\n{}",
            args.iter().copied().take(2).collect::<Vec<_>>().join(" "),
            run.status,
            run.stderr
        );
        run.stdout
    }

    /// Runs a command that must fail and returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let run = self.run(args);
        let command: Vec<&str> = args.iter().copied().take(2).collect();
        assert!(!run.success(), "`tumbler {}` succeeded but should have failed", command.join(" "));
        run.stderr
    }

    /// Returns `secret describe` as JSON.
    pub fn describe(&self, secret: &str) -> serde_json::Value {
        let stdout = self.ok(&["secret", "describe", secret]);
        serde_json::from_str(&stdout).expect("describe prints JSON")
    }

    /// Returns the staging labels of each listed version, sorted.
    pub fn versions(&self, secret: &str) -> Vec<(String, Vec<String>)> {
        let description = self.describe(secret);
        let mut versions: Vec<(String, Vec<String>)> = description["VersionIdsToStages"]
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(version, stages)| {
                        let mut stages: Vec<String> = stages
                            .as_array()
                            .expect("stages are a list")
                            .iter()
                            .map(|stage| stage.as_str().expect("stage is a string").to_string())
                            .collect();
                        stages.sort();
                        (version.clone(), stages)
                    })
                    .collect()
            })
            .unwrap_or_default();
        versions.sort();
        versions
    }

    /// Returns the version id carrying `stage`, if any.
    pub fn version_with(&self, secret: &str, stage: &str) -> Option<String> {
        self.versions(secret)
            .into_iter()
            .find(|(_, stages)| stages.iter().any(|label| label == stage))
            .map(|(version, _)| version)
    }

    /// Returns the secret string of AWSCURRENT (or the given stage).
    pub fn secret_string(&self, secret: &str, stage: &str) -> String {
        let stdout = self.ok(&["secret", "get", secret, "--version-stage", stage]);
        stdout.strip_suffix('\n').unwrap_or(&stdout).to_string()
    }
}

/// Path of the `tumbler` binary. The `tumbler-cli` target of this package
/// compiles the host's `main.rs`, so cargo builds it before these tests.
pub fn binary_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tumbler-cli"))
}
