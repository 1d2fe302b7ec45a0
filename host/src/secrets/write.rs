//! CreateSecret, PutSecretValue and UpdateSecret.

use super::labels::{AWSCURRENT, AWSPENDING, LabelState, apply_moves, moves_for_new_version};
use super::name::validate_name;
use super::service::{MAX_WRITE_ATTEMPTS, SecretsService, is_retryable, label_state, retry_pause, now};
use super::validate::{token_or_new, validate_description, validate_stage_list, validate_tags};
use super::{
    CreateSecretInput, CreateSecretOutput, PutSecretValueInput, PutSecretValueOutput, SecretValue,
    SecretsError, UpdateSecretInput, UpdateSecretOutput,
};
use crate::store::{
    AbandonRotation, FillVersion, LabelMove, MetadataUpdate, NewSecret, NewVersion, SecretRecord,
    StoreError, TagRecord, VersionChange,
};

impl SecretsService {
    /// CreateSecret. A repeated call with the same name, token and value
    /// returns the original result. The same token with another value is
    /// ResourceExistsException, and so is an existing name with a new token.
    pub async fn create_secret(
        &self,
        input: CreateSecretInput,
    ) -> Result<CreateSecretOutput, SecretsError> {
        validate_name(&input.name)?;
        let token = token_or_new(input.client_request_token.as_deref())?;
        if let Some(value) = &input.value {
            value.validate()?;
        }
        validate_description(input.description.as_deref())?;
        validate_tags(&input.tags)?;
        let kms_key_id = self.check_kms_key(input.kms_key_id.as_deref())?;

        for _ in 0..MAX_WRITE_ATTEMPTS {
            if let Some(existing) = self.store.find_secret_by_name(&input.name).await? {
                return self
                    .replay_create(&existing, &token, input.value.as_ref())
                    .await;
            }

            let created_at = now();
            let arn = self.config.new_arn(&input.name);
            let first_version = match &input.value {
                Some(value) => Some(NewVersion {
                    version_id: token.clone(),
                    created_at,
                    value: Some(self.seal_value(&arn, kms_key_id.as_deref(), &token, value)?),
                }),
                None => None,
            };
            let has_value = first_version.is_some();
            let new_secret = NewSecret {
                name: input.name.clone(),
                arn: arn.clone(),
                description: input.description.clone(),
                kms_key_id: kms_key_id.clone(),
                created_at,
                tags: input
                    .tags
                    .iter()
                    .map(|t| TagRecord {
                        key: t.key.clone(),
                        value: t.value.clone(),
                    })
                    .collect(),
                first_version,
                first_version_labels: vec![AWSCURRENT.to_owned()],
            };
            match self.store.insert_secret(new_secret).await {
                Ok(_) => {
                    tracing::info!(secret_arn = %arn, "created secret");
                    return Ok(CreateSecretOutput {
                        arn,
                        name: input.name,
                        version_id: has_value.then_some(token),
                    });
                }
                // Another request created the name meanwhile, so treat this call as a replay.
                Err(StoreError::NameExists(_)) | Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(too_much_contention())
    }

    async fn replay_create(
        &self,
        existing: &SecretRecord,
        token: &str,
        value: Option<&SecretValue>,
    ) -> Result<CreateSecretOutput, SecretsError> {
        if existing.deleted_at.is_some() {
            return Err(SecretsError::InvalidRequest(
                "You can't create this secret because a secret with this name is already \
                 scheduled for deletion."
                    .into(),
            ));
        }
        let version = self.store.get_version(existing.id, token).await?;
        let (Some(version), Some(value)) = (version, value) else {
            return Err(name_exists(&existing.name));
        };
        if !self.holds_value(existing, &version, value)? {
            return Err(SecretsError::token_in_use(token, &existing.arn));
        }
        Ok(CreateSecretOutput {
            arn: existing.arn.clone(),
            name: existing.name.clone(),
            version_id: Some(token.to_owned()),
        })
    }

    /// PutSecretValue. Called with the rotation token, it fills the empty
    /// AWSPENDING placeholder of that rotation. A new version that takes
    /// AWSPENDING away from its version abandons the rotation in progress.
    pub async fn put_secret_value(
        &self,
        input: PutSecretValueInput,
    ) -> Result<PutSecretValueOutput, SecretsError> {
        let token = token_or_new(input.client_request_token.as_deref())?;
        input.value.validate()?;
        if let Some(stages) = &input.version_stages {
            validate_stage_list(stages)?;
        }
        let secret = self.find_active(&input.secret_id).await?;
        let stages = input.version_stages.as_deref();
        let version_stages = self
            .write_version(&secret, &token, &input.value, stages)
            .await?;
        Ok(PutSecretValueOutput {
            arn: secret.arn,
            name: secret.name,
            version_id: token,
            version_stages,
        })
    }

    /// UpdateSecret: description, key and an optional new value. A key change
    /// re-wraps the data keys of the AWSCURRENT, AWSPREVIOUS and AWSPENDING
    /// versions; unlabelled versions stay under the old key.
    pub async fn update_secret(
        &self,
        input: UpdateSecretInput,
    ) -> Result<UpdateSecretOutput, SecretsError> {
        let token = match (&input.value, input.client_request_token.as_deref()) {
            (Some(_), token) => Some(token_or_new(token)?),
            (None, _) => None,
        };
        if let Some(value) = &input.value {
            value.validate()?;
        }
        validate_description(input.description.as_deref())?;
        let mut secret = self.find_active(&input.secret_id).await?;

        let new_key = match input.kms_key_id.as_deref() {
            Some(key) => Some(self.check_kms_key(Some(key))?),
            None => None,
        };
        let resealed = match &new_key {
            Some(key) if *key != secret.kms_key_id => {
                self.rewrap_labelled(&secret, key.as_deref()).await?
            }
            _ => Vec::new(),
        };
        self.store
            .update_metadata(MetadataUpdate {
                secret_id: secret.id,
                at: now(),
                description: input.description.clone().map(Some),
                kms_key_id: new_key.clone(),
                resealed,
            })
            .await?;
        if let Some(key) = new_key {
            secret.kms_key_id = key;
        }

        if let (Some(value), Some(token)) = (&input.value, &token) {
            self.write_version(&secret, token, value, None).await?;
        }
        Ok(UpdateSecretOutput {
            arn: secret.arn,
            name: secret.name,
            version_id: token,
        })
    }

    /// Writes `value` as version `token` with the label rules of
    /// PutSecretValue and returns the labels on that version afterwards.
    pub(super) async fn write_version(
        &self,
        secret: &SecretRecord,
        token: &str,
        value: &SecretValue,
        stages: Option<&[String]>,
    ) -> Result<Vec<String>, SecretsError> {
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let versions = self.store.list_versions(secret.id).await?;
            let state = label_state(&versions);
            let existing = versions.iter().find(|v| v.version_id == token);

            if let Some(version) = existing.filter(|v| v.value.is_some()) {
                if self.holds_value(secret, version, value)? {
                    return Ok(version.labels.clone());
                }
                return Err(SecretsError::token_in_use(token, &secret.arn));
            }

            let moves = moves_for_new_version(&state, token, stages)?;
            let at = now();
            let mut change = VersionChange::new(secret.id, at);
            let stored =
                self.seal_value(&secret.arn, secret.kms_key_id.as_deref(), token, value)?;
            if existing.is_some() {
                change.fill_version = Some(FillVersion {
                    version_id: token.to_owned(),
                    value: stored,
                });
            } else {
                change.new_version = Some(NewVersion {
                    version_id: token.to_owned(),
                    created_at: at,
                    value: Some(stored),
                });
            }
            change.abandon_rotation = abandoned_rotation(&state, &moves);
            change.label_moves = moves.clone();
            change.touch_changed = true;

            match self.store.apply_version_change(change).await {
                Ok(()) => {
                    if let Some(abandoned) = abandoned_rotation(&state, &moves) {
                        tracing::warn!(secret_arn = %secret.arn, version_id = %abandoned.token, "new version abandoned the rotation in progress");
                    }
                    let after = apply_moves(&state, &moves);
                    if after.get(AWSCURRENT).map(String::as_str) == Some(token)
                        && state.get(AWSCURRENT).map(String::as_str) != Some(token)
                    {
                        self.reschedule_after_change(secret, true).await?;
                    }
                    return Ok(after
                        .iter()
                        .filter(|(_, v)| *v == token)
                        .map(|(l, _)| l.clone())
                        .collect());
                }
                Err(err) if is_retryable(&err) => {
                    retry_pause(attempt).await;
                    continue;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(too_much_contention())
    }

    async fn rewrap_labelled(
        &self,
        secret: &SecretRecord,
        new_key: Option<&str>,
    ) -> Result<Vec<(String, crate::store::StoredValue)>, SecretsError> {
        let key = new_key.unwrap_or(self.keyring.default_key_id());
        let mut resealed = Vec::new();
        for version in self.store.list_versions(secret.id).await? {
            let Some(stored) = &version.value else {
                continue;
            };
            let labelled = version.labels.iter().any(|l| {
                matches!(
                    l.as_str(),
                    AWSCURRENT | AWSPENDING | super::labels::AWSPREVIOUS
                )
            });
            if !labelled {
                continue;
            }
            let context = crate::crypto::SealContext {
                secret_arn: &secret.arn,
                version_id: &version.version_id,
            };
            let sealed =
                crate::crypto::rewrap(self.keyring.as_ref(), key, &context, &stored.sealed)?;
            resealed.push((
                version.version_id.clone(),
                crate::store::StoredValue {
                    kind: stored.kind,
                    sealed,
                },
            ));
        }
        Ok(resealed)
    }
}

/// The rotation a label change abandons: AWSPENDING leaves a version that is
/// not AWSCURRENT (a rotation in progress).
pub(super) fn abandoned_rotation(
    state: &LabelState,
    moves: &[LabelMove],
) -> Option<AbandonRotation> {
    let pending = state.get(AWSPENDING)?;
    if state.get(AWSCURRENT) == Some(pending) {
        return None;
    }
    let after = apply_moves(state, moves);
    if after.get(AWSPENDING) == Some(pending) {
        return None;
    }
    Some(AbandonRotation {
        token: pending.clone(),
        message: format!("rotation abandoned: AWSPENDING was moved off version {pending}"),
    })
}

fn name_exists(name: &str) -> SecretsError {
    SecretsError::ResourceExists(format!(
        "The operation failed because the secret {name} already exists."
    ))
}

pub(super) fn too_much_contention() -> SecretsError {
    SecretsError::Internal("The secret changed concurrently too often; retry the request.".into())
}
