use axum::http::StatusCode;

use crate::api::ApiError;
use crate::crypto::CryptoError;
use crate::store::StoreError;

/// The message AWS sends with `InvalidSignatureException` when the signature
/// does not match.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match \
    the signature you provided. Check your AWS Secret Access Key and signing method. Consult the \
    service documentation for details.";

/// The message AWS sends with `UnrecognizedClientException` for an unknown,
/// deleted or inactive access key.
pub const UNRECOGNIZED_CLIENT_MESSAGE: &str =
    "The security token included in the request is invalid.";

/// The message AWS sends with `MissingAuthenticationTokenException`.
pub const MISSING_AUTHENTICATION_MESSAGE: &str = "Missing Authentication Token";

/// Errors of request authentication. Each variant maps to one AWS error type;
/// `Display` is the message sent to the client. No variant carries a secret
/// access key or a computed signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no `Authorization` header.
    #[error("{MISSING_AUTHENTICATION_MESSAGE}")]
    MissingAuthentication,

    /// The `Authorization` header or a header it relies on is malformed or
    /// incomplete.
    #[error("{0}")]
    IncompleteSignature(String),

    /// The access key id is unknown, deleted or disabled.
    #[error("{UNRECOGNIZED_CLIENT_MESSAGE}")]
    UnrecognizedClient,

    /// The signature does not match the one computed with the key's secret.
    #[error("{SIGNATURE_MISMATCH_MESSAGE}")]
    SignatureMismatch,

    /// The signature is well formed but not acceptable: expired, not yet
    /// current, or scoped to another service or date.
    #[error("{0}")]
    InvalidSignature(String),

    /// Loading or decrypting the access key failed inside Tumbler.
    #[error("failed to load access key {access_key_id}: {reason}")]
    Internal {
        access_key_id: String,
        reason: String,
    },
}

impl AuthError {
    /// Returns the AWS error type sent as `__type`.
    pub fn aws_type(&self) -> &'static str {
        match self {
            AuthError::MissingAuthentication => "MissingAuthenticationTokenException",
            AuthError::IncompleteSignature(_) => "IncompleteSignatureException",
            AuthError::UnrecognizedClient => "UnrecognizedClientException",
            AuthError::SignatureMismatch | AuthError::InvalidSignature(_) => {
                "InvalidSignatureException"
            }
            AuthError::Internal { .. } => "InternalServiceError",
        }
    }

    /// Returns the HTTP status. A missing token gets 403, as the AWS
    /// common-errors table lists it, and internal faults get 500. The rest get
    /// 400, which AWS sends for the signature errors of JSON protocol services.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::MissingAuthentication => StatusCode::FORBIDDEN,
            AuthError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub(crate) fn internal_store(access_key_id: &str, error: StoreError) -> Self {
        AuthError::Internal {
            access_key_id: access_key_id.to_owned(),
            reason: error.to_string(),
        }
    }

    pub(crate) fn internal_crypto(access_key_id: &str, error: CryptoError) -> Self {
        AuthError::Internal {
            access_key_id: access_key_id.to_owned(),
            reason: error.to_string(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::new(error.status(), error.aws_type(), error.to_string())
    }
}
