//! The in-memory Secrets Manager behind the mock host: secrets, versions and
//! the staging-label rules of PutSecretValue and UpdateSecretVersionStage.

use crate::bindings::tumbler::rotator::secrets::{
    SecretDescription, SecretsError, Selector, VersionInfo,
};
use crate::bindings::tumbler::rotator::types::SecretValue;
use crate::secrets::{AWSCURRENT, AWSPENDING, AWSPREVIOUS};

/// ARN prefix of mock secrets, in the partition, region and account that the
/// AWS documentation uses in examples.
const ARN_PREFIX: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:";

pub(crate) struct MockVersion {
    pub id: String,
    pub value: Option<SecretValue>,
    pub stages: Vec<String>,
}

pub(crate) struct MockSecret {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    pub versions: Vec<MockVersion>,
}

impl MockSecret {
    pub fn new(name: &str, suffix: &str) -> Self {
        Self {
            arn: format!("{ARN_PREFIX}{name}-{suffix}"),
            name: name.to_string(),
            rotation_enabled: false,
            versions: Vec::new(),
        }
    }

    pub fn describe(&self) -> SecretDescription {
        SecretDescription {
            arn: self.arn.clone(),
            name: self.name.clone(),
            rotation_enabled: self.rotation_enabled,
            versions: self
                .versions
                .iter()
                .filter(|version| !version.stages.is_empty())
                .map(|version| VersionInfo {
                    version_id: version.id.clone(),
                    stages: version.stages.clone(),
                })
                .collect(),
        }
    }

    pub fn version(&self, id: &str) -> Option<&MockVersion> {
        self.versions.iter().find(|version| version.id == id)
    }

    fn version_mut(&mut self, id: &str) -> Option<&mut MockVersion> {
        self.versions.iter_mut().find(|version| version.id == id)
    }

    /// Returns the id of the version that carries `stage`.
    pub fn holder_of(&self, stage: &str) -> Option<String> {
        self.versions
            .iter()
            .find(|version| version.stages.iter().any(|label| label == stage))
            .map(|version| version.id.clone())
    }

    /// GetSecretValue: selects by version id, stage or both (AWSCURRENT when
    /// neither is given). A version without a value is not found.
    pub fn get_value(&self, selector: &Selector) -> Result<SecretValue, SecretsError> {
        let version = match (&selector.version_id, &selector.version_stage) {
            (Some(id), stage) => {
                let version = self.version(id).ok_or_else(|| version_not_found(id))?;
                if let Some(stage) = stage
                    && !version.stages.contains(stage)
                {
                    return Err(SecretsError::NotFound(format!(
                        "Secrets Manager can't find the specified secret value for VersionId: {id} \
                         with staging label: {stage}"
                    )));
                }
                version
            }
            (None, stage) => {
                let stage = stage.as_deref().unwrap_or(AWSCURRENT);
                let id = self.holder_of(stage).ok_or_else(|| stage_not_found(stage))?;
                self.version(&id).ok_or_else(|| stage_not_found(stage))?
            }
        };
        version.value.clone().ok_or_else(|| match &selector.version_id {
            Some(id) => version_not_found(id),
            None => stage_not_found(selector.version_stage.as_deref().unwrap_or(AWSCURRENT)),
        })
    }

    /// PutSecretValue with `VersionStages=[AWSPENDING]` and token `token`.
    pub fn put_pending(&mut self, token: &str, value: &SecretValue) -> Result<(), SecretsError> {
        if let Some(version) = self.version(token)
            && let Some(existing) = &version.value
        {
            if same_value(existing, value) {
                return Ok(());
            }
            return Err(SecretsError::InvalidRequest(format!(
                "You can't use ClientRequestToken {token} because that value is already in use for \
                 a version of secret {}.",
                self.arn
            )));
        }
        let first_value = self.holder_of(AWSCURRENT).is_none();
        match self.version_mut(token) {
            Some(version) => version.value = Some(value.clone()),
            None => self.versions.push(MockVersion {
                id: token.to_string(),
                value: Some(value.clone()),
                stages: Vec::new(),
            }),
        }
        self.attach(AWSPENDING, token);
        // A secret without a current value makes its first version current,
        // as Secrets Manager does.
        if first_value {
            self.attach(AWSCURRENT, token);
        }
        Ok(())
    }

    /// UpdateSecretVersionStage.
    pub fn update_version_stage(
        &mut self,
        stage: &str,
        move_to: Option<&str>,
        remove_from: Option<&str>,
    ) -> Result<(), SecretsError> {
        let holder = self.holder_of(stage);
        if let Some(remove_from) = remove_from
            && holder.as_deref() != Some(remove_from)
        {
            return Err(SecretsError::InvalidParameter(format!(
                "The staging label {stage} is not attached to version {remove_from}, so you can't \
                 remove it."
            )));
        }

        let Some(move_to) = move_to else {
            let Some(remove_from) = remove_from else {
                return Err(SecretsError::InvalidParameter(
                    "Specify MoveToVersionId, RemoveFromVersionId or both.".to_string(),
                ));
            };
            self.detach(stage, remove_from);
            return Ok(());
        };

        if self.version(move_to).is_none() {
            return Err(version_not_found(move_to));
        }
        if holder.as_deref() == Some(move_to) {
            return Ok(());
        }
        if let Some(holder) = &holder
            && remove_from.is_none()
        {
            return Err(SecretsError::InvalidParameter(format!(
                "The parameter RemoveFromVersionId can't be empty. Staging label {stage} is \
                 currently attached to version {holder}, so you must explicitly reference that \
                 version in RemoveFromVersionId."
            )));
        }

        if let Some(holder) = &holder {
            self.detach(stage, holder);
        }
        self.attach(stage, move_to);
        if stage == AWSCURRENT
            && let Some(holder) = holder
        {
            self.attach(AWSPREVIOUS, &holder);
        }
        Ok(())
    }

    /// Puts `stage` on version `id`, removing it from any other version.
    pub fn attach(&mut self, stage: &str, id: &str) {
        for version in &mut self.versions {
            if version.id == id {
                if !version.stages.iter().any(|label| label == stage) {
                    version.stages.push(stage.to_string());
                }
            } else {
                version.stages.retain(|label| label != stage);
            }
        }
    }

    fn detach(&mut self, stage: &str, id: &str) {
        if let Some(version) = self.version_mut(id) {
            version.stages.retain(|label| label != stage);
        }
    }
}

fn same_value(left: &SecretValue, right: &SecretValue) -> bool {
    match (left, right) {
        (SecretValue::Text(left), SecretValue::Text(right)) => left == right,
        (SecretValue::Binary(left), SecretValue::Binary(right)) => left == right,
        _ => false,
    }
}

fn version_not_found(id: &str) -> SecretsError {
    SecretsError::NotFound(format!(
        "Secrets Manager can't find the specified secret value for VersionId: {id}"
    ))
}

fn stage_not_found(stage: &str) -> SecretsError {
    SecretsError::NotFound(format!(
        "Secrets Manager can't find the specified secret value for staging label: {stage}"
    ))
}
