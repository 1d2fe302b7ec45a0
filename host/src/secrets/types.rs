//! Inputs and outputs of [`SecretsService`](super::SecretsService).

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::SecretValue;
use super::describe::{epoch_seconds, epoch_seconds_opt};
use crate::store::RotationStatus;

/// A secret tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default)]
pub struct CreateSecretInput {
    pub name: String,
    /// Becomes the first version id; `None` generates a UUID v4.
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub value: Option<SecretValue>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSecretOutput {
    pub arn: String,
    pub name: String,
    /// Present only when a value was given.
    pub version_id: Option<String>,
}

/// Data that authorizing an action on an existing secret reads from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceContext {
    pub arn: String,
    pub name: String,
    /// Tags by key; empty when the secret has none.
    pub tags: BTreeMap<String, String>,
    /// The attached resource policy document (JSON), if any.
    pub resource_policy: Option<String>,
}

/// Result of GetSecretValue. `Debug` redacts the value.
#[derive(Debug, Clone)]
pub struct SecretValueOutput {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub value: SecretValue,
    pub version_stages: Vec<String>,
    pub created_date: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct PutSecretValueInput {
    pub secret_id: String,
    pub client_request_token: Option<String>,
    pub value: SecretValue,
    /// Labels for the new version; `None` means `[AWSCURRENT]`.
    pub version_stages: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutSecretValueOutput {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    /// Labels on the written version after the call.
    pub version_stages: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateSecretInput {
    pub secret_id: String,
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    /// `Some("")` returns the secret to the default key.
    pub kms_key_id: Option<String>,
    pub value: Option<SecretValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSecretOutput {
    pub arn: String,
    pub name: String,
    /// Present only when a new version was created (or replayed).
    pub version_id: Option<String>,
}

/// A resolved secret: internal id, ARN and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub id: i64,
    pub arn: String,
    pub name: String,
}

/// One entry of ListSecretVersionIds, in the AWS JSON shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionListEntry {
    pub version_id: String,
    /// `None` (key omitted) for deprecated versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_accessed_date: Option<OffsetDateTime>,
    #[serde(serialize_with = "epoch_seconds")]
    pub created_date: OffsetDateTime,
    pub kms_key_ids: Vec<String>,
}

/// Rotation configuration given to RotateSecret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RotationConfig {
    /// Rotator name, reported as RotationLambdaARN.
    pub rotator: String,
    pub settings: BTreeMap<String, String>,
}

/// Result of [`SecretsService::begin_rotation`](super::SecretsService::begin_rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationStart {
    pub arn: String,
    pub name: String,
    /// The rotation token, which is also the AWSPENDING version id.
    pub version_id: String,
    pub rotator: String,
    pub settings: BTreeMap<String, String>,
    /// True when an unfinished rotation with this token was picked up again.
    pub resumed: bool,
    /// Steps already finished, in order.
    pub completed_steps: Vec<String>,
    /// Step to run next; `None` when all steps are done.
    pub next_step: Option<String>,
}

/// Persisted progress of the latest rotation of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationProgress {
    pub token: String,
    pub rotator: String,
    pub status: RotationStatus,
    pub next_step: Option<String>,
    pub completed_steps: Vec<String>,
    pub last_error: Option<String>,
    /// 1 for the first run, increased on every resume.
    pub attempts: i64,
    pub started_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}
