//! The harness: its options, its setup, and the loop over the checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::credentials::{CredentialCheck, CredentialStatus, EngineCredentialCheck};
use super::report::{Check, CheckResult, HarnessReport};
use super::sandbox::{ROTATOR_NAME, Sandbox};
use super::snapshot::Snapshot;
use super::HarnessError;
use crate::rotation::engine::READ_SECRETS_SETTING;
use crate::rotation::settings::validate_settings;
use crate::rotation::{RotateRequest, RotationEngine, RotationError};
use crate::secrets::{CreateSecretInput, SecretValue};
use crate::wasm::AllowList;

/// Name of the secret that the checks rotate.
const SECRET_NAME: &str = "harness/secret-under-test";

const AWSCURRENT: &str = "AWSCURRENT";
const AWSPENDING: &str = "AWSPENDING";

/// The secret, settings and allow-list of a harness run.
#[derive(Clone)]
pub struct HarnessOptions {
    /// Initial value of the secret under test, usually JSON in the AWS
    /// template shape. Its credentials must work on the target.
    pub secret_string: String,
    /// Rotation settings, as `--setting KEY=VALUE` gives them.
    pub settings: BTreeMap<String, String>,
    /// Allow-list entries such as `postgres://127.0.0.1:5432`. The rotator
    /// and the credential check reach only these servers.
    pub allow_hosts: Vec<String>,
    /// Other secrets to store, as (name, value), which the rotation may read
    /// (for example the admin secret of the alternating-users strategy).
    pub read_secrets: Vec<(String, String)>,
    /// The login check for AWSCURRENT's credentials after each check.
    pub credential_check: Arc<dyn CredentialCheck>,
}

impl HarnessOptions {
    /// Returns options for `secret_string` with no settings, an empty
    /// allow-list and the [`EngineCredentialCheck`].
    pub fn new(secret_string: impl Into<String>) -> Self {
        Self {
            secret_string: secret_string.into(),
            settings: BTreeMap::new(),
            allow_hosts: Vec::new(),
            read_secrets: Vec::new(),
            credential_check: Arc::new(EngineCredentialCheck),
        }
    }
}

/// A rotator component loaded into its own temporary data directory, with
/// the secret under test stored.
pub struct Harness {
    pub(super) sandbox: Sandbox,
    pub(super) secret_arn: String,
    settings: BTreeMap<String, String>,
    pub(super) allow_list: AllowList,
    credential_check: Arc<dyn CredentialCheck>,
}

impl Harness {
    /// Creates the data directory, compiles `component`, stores the
    /// secrets, and validates the settings.
    ///
    /// # Errors
    ///
    /// Fails when the component does not load, an allow-list entry or a
    /// setting is invalid, or a secret cannot be stored.
    pub async fn new(component: &[u8], options: HarnessOptions) -> Result<Self, HarnessError> {
        let allow_list = AllowList::parse(&options.allow_hosts)?;
        let mut settings = options.settings;
        validate_settings(ROTATOR_NAME, &settings).map_err(RotationError::InvalidSetting)?;
        let sandbox = Sandbox::new(component).await?;

        let mut readable = Vec::new();
        if let Some(listed) = settings.get(READ_SECRETS_SETTING) {
            readable.push(listed.clone());
        }
        for (name, value) in options.read_secrets {
            if name == SECRET_NAME {
                return Err(HarnessError::InvalidInput(format!(
                    "--read-secret name {name} is the name of the secret under test; choose another"
                )));
            }
            create_secret(&sandbox, &name, value).await?;
            readable.push(name);
        }
        if !readable.is_empty() {
            settings.insert(READ_SECRETS_SETTING.to_string(), readable.join(","));
        }

        let secret_arn = create_secret(&sandbox, SECRET_NAME, options.secret_string).await?;
        Ok(Self {
            sandbox,
            secret_arn,
            settings,
            allow_list,
            credential_check: options.credential_check,
        })
    }

    /// Runs every check in [`Check::ALL`] order and returns their results.
    pub async fn run(&self) -> HarnessReport {
        let mut checks = Vec::new();
        for check in Check::ALL {
            checks.push(self.run_check(check).await);
        }
        HarnessReport {
            component_sha256: self.sandbox.component_sha256(),
            checks,
        }
    }

    /// Runs one check, then removes an AWSPENDING label that a failed
    /// rotation left on another version than AWSCURRENT, so that the next
    /// check can start a rotation.
    pub async fn run_check(&self, check: Check) -> CheckResult {
        tracing::info!(check = check.name(), "harness check started");
        let outcome = match check {
            Check::FullRotation => self.full_rotation().await,
            Check::Idempotency => self.idempotency().await,
            Check::Restart => self.restart().await,
            Check::WrongToken => self.wrong_token().await,
            Check::MissingPending => self.missing_pending().await,
        };
        let result = outcome.unwrap_or_else(|reason| CheckResult::fail(check, reason));
        if let Err(error) = self.clear_stray_pending().await {
            tracing::warn!(check = check.name(), %error, "could not remove a leftover AWSPENDING label");
        }
        tracing::info!(check = check.name(), passed = result.passed, "harness check finished");
        result
    }

    /// Builds a request for a rotation of the secret under test, resuming
    /// `token` when given.
    pub(super) fn request(&self, token: Option<String>) -> RotateRequest {
        RotateRequest {
            secret_id: self.secret_arn.clone(),
            token,
            rotator: Some(ROTATOR_NAME.to_string()),
            settings: self.settings.clone(),
            extra_allow_list: self.allow_list.clone(),
        }
    }

    pub(super) fn engine(&self) -> Result<RotationEngine, String> {
        self.sandbox
            .engine()
            .map_err(|error| format!("building a rotation engine failed: {error}"))
    }

    pub(super) async fn snapshot(&self) -> Result<Snapshot, String> {
        Snapshot::take(self.sandbox.secrets(), &self.secret_arn).await
    }

    /// Tries AWSCURRENT's credentials. Returns a problem when they are
    /// rejected, and otherwise a note for the check's reason.
    pub(super) async fn check_current_credentials(&self) -> Result<String, String> {
        let current = self
            .sandbox
            .secrets()
            .get_secret_value(&self.secret_arn, None, Some(AWSCURRENT))
            .await
            .map_err(|error| format!("reading AWSCURRENT failed: {error}"))?;
        let SecretValue::Text(text) = &current.value else {
            return Ok("binary AWSCURRENT not tried".to_string());
        };
        match self.credential_check.check(text, &self.allow_list).await {
            CredentialStatus::Works(note) => Ok(note),
            CredentialStatus::Unknown(note) => Ok(format!("login not checked: {note}")),
            CredentialStatus::Rejected(reason) => Err(reason),
        }
    }

    async fn clear_stray_pending(&self) -> Result<(), String> {
        let snapshot = self.snapshot().await?;
        let current = snapshot.current().map(str::to_string);
        for pending in snapshot.versions_with(AWSPENDING) {
            if Some(pending) == current.as_deref() {
                continue;
            }
            self.sandbox
                .secrets()
                .update_secret_version_stage(&self.secret_arn, AWSPENDING, None, Some(pending))
                .await
                .map_err(|error| error.to_string())?;
        }
        Ok(())
    }
}

async fn create_secret(sandbox: &Sandbox, name: &str, value: String) -> Result<String, HarnessError> {
    let output = sandbox
        .secrets()
        .create_secret(CreateSecretInput {
            name: name.to_string(),
            value: Some(SecretValue::text(value)),
            ..CreateSecretInput::default()
        })
        .await?;
    Ok(output.arn)
}

/// Describes a rotation failure in one line, without the resume hint meant
/// for the command line.
pub(super) fn describe_rotation_error(error: &RotationError) -> String {
    match error {
        RotationError::StepFailed { step, message, .. } => format!("{step} failed: {message}"),
        RotationError::Withdrawn { message, .. } => format!("createSecret failed: {message}"),
        other => other.to_string(),
    }
}
