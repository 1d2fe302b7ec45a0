//! The `secrets` interface: Secrets Manager calls scoped to one rotation.
//!
//! A step may read its own secret and the secrets its rotation grants, write
//! only the AWSPENDING value of its own token, and move labels only on its own
//! secret. Every value that passes through is recorded for redaction.

use zeroize::Zeroizing;

use crate::rotation::engine::READ_SECRETS_SETTING;
use crate::secrets::{PasswordSpec, PutSecretValueInput, SecretValue, SecretsError, SecretsService};
use crate::wasm::bindings::tumbler::rotator::secrets::{
    Host, PasswordSpec as WitPasswordSpec, SecretDescription, SecretsError as WitError, Selector,
    VersionInfo,
};
use crate::wasm::bindings::tumbler::rotator::types::SecretValue as WitSecretValue;
use crate::wasm::state::{SecretsScope, StepState};

const AWSPENDING: &str = "AWSPENDING";

/// Resolves `secret_id` and checks that the step may read it.
async fn readable_arn(secrets: &SecretsService, scope: &SecretsScope, secret_id: &str) -> Result<String, WitError> {
    let secret = secrets.resolve(secret_id).await.map_err(to_wit_error)?;
    if secret.arn == scope.rotated_arn || scope.readable_arns.contains(&secret.arn) {
        return Ok(secret.arn);
    }
    Err(WitError::AccessDenied(format!(
        "the rotation of {} has no read access to secret {}; list it in the rotation setting {READ_SECRETS_SETTING}",
        scope.rotated_arn, secret.arn
    )))
}

/// Resolves `secret_id` and checks that it is the secret being rotated.
async fn writable_arn(
    secrets: &SecretsService,
    scope: &SecretsScope,
    secret_id: &str,
    operation: &str,
) -> Result<String, WitError> {
    let secret = secrets.resolve(secret_id).await.map_err(to_wit_error)?;
    if secret.arn != scope.rotated_arn {
        return Err(WitError::AccessDenied(format!(
            "{operation} is allowed only on the secret being rotated ({}), not on {}",
            scope.rotated_arn, secret.arn
        )));
    }
    Ok(secret.arn)
}

impl Host for StepState {
    async fn describe(&mut self, secret_id: String) -> wasmtime::Result<Result<SecretDescription, WitError>> {
        let arn = match readable_arn(&self.secrets, &self.scope, &secret_id).await {
            Ok(arn) => arn,
            Err(error) => return Ok(Err(error)),
        };
        let description = match self.secrets.describe_secret(&arn).await {
            Ok(description) => description,
            Err(error) => return Ok(Err(to_wit_error(error))),
        };
        let versions = description
            .version_ids_to_stages
            .iter()
            .flatten()
            .map(|(version_id, stages)| VersionInfo {
                version_id: version_id.clone(),
                stages: stages.clone(),
            })
            .collect();
        Ok(Ok(SecretDescription {
            arn: description.arn.clone(),
            name: description.name.clone(),
            rotation_enabled: description.rotation_enabled.unwrap_or(false),
            versions,
        }))
    }

    async fn get_value(
        &mut self,
        secret_id: String,
        selector: Selector,
    ) -> wasmtime::Result<Result<WitSecretValue, WitError>> {
        let arn = match readable_arn(&self.secrets, &self.scope, &secret_id).await {
            Ok(arn) => arn,
            Err(error) => return Ok(Err(error)),
        };
        let result = self
            .secrets
            .get_secret_value(&arn, selector.version_id.as_deref(), selector.version_stage.as_deref())
            .await;
        let output = match result {
            Ok(output) => output,
            Err(error) => return Ok(Err(to_wit_error(error))),
        };
        let value = match &output.value {
            SecretValue::Text(text) => {
                self.redactor.add_secret_text(text);
                WitSecretValue::Text(text.to_string())
            }
            SecretValue::Binary(bytes) => {
                self.redactor.add_secret_bytes(bytes);
                WitSecretValue::Binary(bytes.to_vec())
            }
        };
        Ok(Ok(value))
    }

    async fn put_pending(
        &mut self,
        secret_id: String,
        token: String,
        value: WitSecretValue,
    ) -> wasmtime::Result<Result<(), WitError>> {
        let arn = match writable_arn(&self.secrets, &self.scope, &secret_id, "put-pending").await {
            Ok(arn) => arn,
            Err(error) => return Ok(Err(error)),
        };
        if token != self.scope.token {
            return Ok(Err(WitError::AccessDenied(format!(
                "put-pending must use the rotation's token {}, not {token}",
                self.scope.token
            ))));
        }
        let value = match value {
            WitSecretValue::Text(text) => {
                self.redactor.add_secret_text(&text);
                SecretValue::Text(Zeroizing::new(text))
            }
            WitSecretValue::Binary(bytes) => {
                self.redactor.add_secret_bytes(&bytes);
                SecretValue::Binary(Zeroizing::new(bytes))
            }
        };
        let input = PutSecretValueInput {
            secret_id: arn,
            client_request_token: Some(token),
            value,
            version_stages: Some(vec![AWSPENDING.to_string()]),
        };
        Ok(self.secrets.put_secret_value(input).await.map(drop).map_err(to_wit_error))
    }

    async fn update_version_stage(
        &mut self,
        secret_id: String,
        stage: String,
        move_to: Option<String>,
        remove_from: Option<String>,
    ) -> wasmtime::Result<Result<(), WitError>> {
        let arn = match writable_arn(&self.secrets, &self.scope, &secret_id, "update-version-stage").await {
            Ok(arn) => arn,
            Err(error) => return Ok(Err(error)),
        };
        if let Some(target) = &move_to {
            if *target != self.scope.token {
                return Ok(Err(WitError::AccessDenied(format!(
                    "a rotation may move labels only onto its own version {}, not onto {target}",
                    self.scope.token
                ))));
            }
        }
        let result = self
            .secrets
            .update_secret_version_stage(&arn, &stage, move_to.as_deref(), remove_from.as_deref())
            .await;
        Ok(result.map(drop).map_err(to_wit_error))
    }

    async fn get_random_password(&mut self, spec: WitPasswordSpec) -> wasmtime::Result<Result<String, WitError>> {
        let spec = PasswordSpec {
            length: spec.length,
            exclude_characters: spec.exclude_characters,
            exclude_numbers: spec.exclude_numbers,
            exclude_punctuation: spec.exclude_punctuation,
            exclude_uppercase: spec.exclude_uppercase,
            exclude_lowercase: spec.exclude_lowercase,
            include_space: spec.include_space,
            require_each_included_type: spec.require_each_included_type,
        };
        match self.secrets.get_random_password(&spec) {
            Ok(password) => {
                self.redactor.add_secret_text(&password);
                Ok(Ok(password.to_string()))
            }
            Err(error) => Ok(Err(to_wit_error(error))),
        }
    }
}

/// Maps a domain error onto the WIT error case for the same AWS error type.
fn to_wit_error(error: SecretsError) -> WitError {
    let message = error.to_string();
    match error.aws_type() {
        "ResourceNotFoundException" => WitError::NotFound(message),
        "AccessDeniedException" => WitError::AccessDenied(message),
        "InvalidRequestException" | "ResourceExistsException" => WitError::InvalidRequest(message),
        "InvalidParameterException" | "ValidationException" => WitError::InvalidParameter(message),
        "DecryptionFailure" => WitError::DecryptionFailure(message),
        _ => WitError::Internal(message),
    }
}
