//! The AWS JSON 1.1 error envelope.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::rotation::RotationError;
use crate::secrets::SecretsError;

/// Content type of every response body, errors included.
pub const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// An error response: HTTP status, AWS error type (`__type`) and message.
///
/// Client errors use status 400 (the Smithy model of Secrets Manager gives no
/// other status); `InternalServiceError` uses 500. Authentication errors may
/// use 403 as AWS does for `MissingAuthenticationToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    /// The shape name sent as `__type`, such as `ResourceNotFoundException`.
    pub error_type: String,
    /// Human-readable text sent as `Message`; never contains a secret value.
    pub message: String,
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "__type")]
    error_type: &'a str,
    #[serde(rename = "Message")]
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, error_type: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type: error_type.to_owned(),
            message: message.into(),
        }
    }

    /// Builds a client error (HTTP 400) of the given AWS type.
    pub fn client(error_type: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error_type, message)
    }

    /// `AccessDeniedException` (HTTP 400, as AWS sends it for this service).
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::client("AccessDeniedException", message)
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::client("InvalidParameterException", message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::client("InvalidRequestException", message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::client("ValidationException", message)
    }

    /// `SerializationException`: the body is not the JSON the operation takes.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::client("SerializationException", message)
    }

    /// `InternalServiceError` (HTTP 500): a fault inside Tumbler.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServiceError",
            message,
        )
    }

    /// Serializes the JSON body `{"__type": ..., "Message": ...}`.
    pub fn body(&self) -> String {
        serde_json::to_string(&Envelope {
            error_type: &self.error_type,
            message: &self.message,
        })
        .unwrap_or_else(|_| String::from("{}"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<SecretsError> for ApiError {
    fn from(error: SecretsError) -> Self {
        let status = match error {
            SecretsError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, error.aws_type(), error.message())
    }
}

impl From<RotationError> for ApiError {
    fn from(error: RotationError) -> Self {
        match error {
            RotationError::Secrets(inner) => inner.into(),
            RotationError::InvalidSetting(message) => Self::invalid_parameter(message),
            other => Self::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
        if let Ok(value) = HeaderValue::from_str(&self.error_type) {
            response.headers_mut().insert("x-amzn-errortype", value);
        }
        response
    }
}
