use crate::crypto::CryptoError;
use crate::store::StoreError;

/// Errors of the secrets domain, one variant per AWS Secrets Manager error
/// type. `Display` is the AWS message; no message ever contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// The secret, version or staging label does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// A secret with this name, or a version with this token, already exists.
    #[error("{0}")]
    ResourceExists(String),
    /// A parameter value is not valid for this call.
    #[error("{0}")]
    InvalidParameter(String),
    /// The call is not valid in the secret's current state.
    #[error("{0}")]
    InvalidRequest(String),
    /// The input failed a model constraint (length, pattern).
    #[error("{0}")]
    Validation(String),
    /// A stored value failed to decrypt.
    #[error("{0}")]
    DecryptionFailure(String),
    /// A value failed to encrypt.
    #[error("{0}")]
    EncryptionFailure(String),
    /// A quota such as the versions per secret or labels per secret is reached.
    #[error("{0}")]
    LimitExceeded(String),
    /// A fault inside Tumbler (database, I/O).
    #[error("{0}")]
    Internal(String),
}

impl SecretsError {
    /// The AWS error type name sent as `__type`.
    pub fn aws_type(&self) -> &'static str {
        match self {
            SecretsError::ResourceNotFound(_) => "ResourceNotFoundException",
            SecretsError::ResourceExists(_) => "ResourceExistsException",
            SecretsError::InvalidParameter(_) => "InvalidParameterException",
            SecretsError::InvalidRequest(_) => "InvalidRequestException",
            SecretsError::Validation(_) => "ValidationException",
            SecretsError::DecryptionFailure(_) => "DecryptionFailure",
            SecretsError::EncryptionFailure(_) => "EncryptionFailure",
            SecretsError::LimitExceeded(_) => "LimitExceededException",
            SecretsError::Internal(_) => "InternalServiceError",
        }
    }

    /// The AWS message (same as `Display`).
    pub fn message(&self) -> &str {
        match self {
            SecretsError::ResourceNotFound(m)
            | SecretsError::ResourceExists(m)
            | SecretsError::InvalidParameter(m)
            | SecretsError::InvalidRequest(m)
            | SecretsError::Validation(m)
            | SecretsError::DecryptionFailure(m)
            | SecretsError::EncryptionFailure(m)
            | SecretsError::LimitExceeded(m)
            | SecretsError::Internal(m) => m,
        }
    }

    pub(crate) fn secret_not_found() -> Self {
        SecretsError::ResourceNotFound("Secrets Manager can't find the specified secret.".into())
    }

    pub(crate) fn stage_not_found(stage: &str) -> Self {
        SecretsError::ResourceNotFound(format!(
            "Secrets Manager can't find the specified secret value for staging label: {stage}"
        ))
    }

    pub(crate) fn version_not_found(version_id: &str) -> Self {
        SecretsError::ResourceNotFound(format!(
            "Secrets Manager can't find the specified secret value for VersionId: {version_id}"
        ))
    }

    pub(crate) fn marked_for_deletion() -> Self {
        SecretsError::InvalidRequest(
            "You can't perform this operation on the secret because it was marked for deletion."
                .into(),
        )
    }

    pub(crate) fn token_in_use(token: &str, arn: &str) -> Self {
        SecretsError::ResourceExists(format!(
            "You can't use ClientRequestToken {token} because that value is already in use for a \
             version of secret {arn}."
        ))
    }
}

impl From<StoreError> for SecretsError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "store operation failed");
        SecretsError::Internal(format!("internal storage error: {err}"))
    }
}

impl From<CryptoError> for SecretsError {
    fn from(err: CryptoError) -> Self {
        match err {
            CryptoError::Decryption { .. } | CryptoError::KeyDisabled(_) => {
                SecretsError::DecryptionFailure(err.to_string())
            }
            CryptoError::KeyNotFound(_) => SecretsError::InvalidParameter(err.to_string()),
            CryptoError::Encryption { .. } | CryptoError::WrapFailed(_) => {
                SecretsError::EncryptionFailure(err.to_string())
            }
            other => SecretsError::Internal(other.to_string()),
        }
    }
}
