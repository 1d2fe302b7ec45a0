//! One module per group of operations. Each operation takes its input
//! shape (PascalCase members as in the AWS model; unknown members are
//! rejected) and returns its output shape.

pub mod crud;
pub mod delete;
pub mod filters;
pub mod list;
pub mod policy;
pub mod random;
pub mod read;
pub mod replication;
pub mod rotation;
pub mod tags;
pub mod versions;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::error::ApiError;
use crate::secrets::{SecretValue, Tag};

/// Standard base64 that accepts input with or without `=` padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Returns a required member, or the AWS validation error for a missing one.
/// `member` is the camelCase name AWS uses in these messages.
pub(crate) fn required<T>(value: Option<T>, member: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
             Member must not be null"
        ))
    })
}

/// Checks an integer member against its model range.
pub(crate) fn check_range(value: i64, member: &str, min: i64, max: i64) -> Result<(), ApiError> {
    if value < min {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must have value greater than or equal to {min}"
        )));
    }
    if value > max {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
             constraint: Member must have value less than or equal to {max}"
        )));
    }
    Ok(())
}

/// Returns the idempotency token, or the error AWS returns to raw HTTP
/// callers that omit it. SDKs fill in a token when the caller gives none.
pub(crate) fn require_token(token: Option<String>, error_type: &str) -> Result<String, ApiError> {
    token.ok_or_else(|| {
        ApiError::client(
            error_type,
            "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
        )
    })
}

/// `SecretBinary`: base64 on the wire, raw bytes in memory, wiped on drop.
pub struct Blob(pub Zeroizing<Vec<u8>>);

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Zeroizing::new(String::deserialize(deserializer)?);
        BASE64
            .decode(text.as_bytes())
            .map(|bytes| Blob(Zeroizing::new(bytes)))
            .map_err(|_| serde::de::Error::custom("SecretBinary is not valid base64"))
    }
}

/// Builds the value of a write from `SecretString` / `SecretBinary`; both at
/// once is InvalidParameterException.
pub(crate) fn secret_value(
    string: Option<String>,
    binary: Option<Blob>,
) -> Result<Option<SecretValue>, ApiError> {
    match (string, binary) {
        (Some(_), Some(_)) => Err(ApiError::invalid_parameter(
            "You can't specify both SecretString and SecretBinary; provide exactly one of them.",
        )),
        (Some(text), None) => Ok(Some(SecretValue::text(text))),
        (None, Some(Blob(bytes))) => Ok(Some(SecretValue::Binary(bytes))),
        (None, None) => Ok(None),
    }
}

/// A `Tag` member.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TagShape {
    pub key: Option<String>,
    pub value: Option<String>,
}

/// Converts tag shapes; `Key` is required and a missing `Value` is empty.
pub(crate) fn tags_from_shapes(shapes: Vec<TagShape>) -> Result<Vec<Tag>, ApiError> {
    shapes
        .into_iter()
        .map(|shape| {
            Ok(Tag {
                key: required(shape.key, "tags.member.key")?,
                value: shape.value.unwrap_or_default(),
            })
        })
        .collect()
}

/// Serializes a timestamp as epoch seconds with a millisecond fraction.
pub(crate) fn epoch_seconds<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    crate::secrets::epoch_seconds_f64(*at).serialize(s)
}

/// Output of operations that return only the secret's ARN and name.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArnAndName {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
}

/// Input of operations that take only a `SecretId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SecretIdInput {
    pub secret_id: Option<String>,
}
