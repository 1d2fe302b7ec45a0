//! DescribeSecret and ListSecrets entries in the AWS JSON shape.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use time::{OffsetDateTime, Time};

use super::Tag;
use crate::store::{SecretRecord, TagRecord, VersionRecord};

/// DescribeSecret response. Absent fields are skipped, as AWS omits them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretDescription {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Omitted for the default key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Omitted until rotation is configured for the first time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    #[serde(rename = "RotationLambdaARN", skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<serde_json::Value>,
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_rotated_date: Option<OffsetDateTime>,
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_changed_date: Option<OffsetDateTime>,
    /// Truncated to midnight UTC, as AWS reports it.
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_accessed_date: Option<OffsetDateTime>,
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_date: Option<OffsetDateTime>,
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_rotation_date: Option<OffsetDateTime>,
    /// Omitted for a never-tagged secret; `[]` after all tags were removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// Labelled versions only; omitted when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_ids_to_stages: Option<BTreeMap<String, Vec<String>>>,
    #[serde(
        serialize_with = "epoch_seconds_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_date: Option<OffsetDateTime>,
}

/// ListSecrets entry: the DescribeSecret fields, with the version map named
/// `SecretVersionsToStages`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretListEntry {
    #[serde(flatten)]
    pub description: SecretDescription,
    #[serde(
        rename = "SecretVersionsToStages",
        skip_serializing_if = "Option::is_none"
    )]
    pub secret_versions_to_stages: Option<BTreeMap<String, Vec<String>>>,
}

impl SecretDescription {
    /// Builds the description from stored rows.
    pub(crate) fn from_records(
        secret: &SecretRecord,
        versions: &[VersionRecord],
        tags: &[TagRecord],
    ) -> SecretDescription {
        let stages: BTreeMap<String, Vec<String>> = versions
            .iter()
            .filter(|v| !v.labels.is_empty())
            .map(|v| (v.version_id.clone(), v.labels.clone()))
            .collect();
        let rotation_rules = secret
            .rotation_rules
            .as_deref()
            .and_then(|rules| serde_json::from_str(rules).ok());
        SecretDescription {
            arn: secret.arn.clone(),
            name: secret.name.clone(),
            description: secret.description.clone().filter(|d| !d.is_empty()),
            kms_key_id: secret.kms_key_id.clone().filter(|k| !k.is_empty()),
            rotation_enabled: secret.rotation_enabled,
            rotation_lambda_arn: secret.rotation_lambda_arn.clone(),
            rotation_rules,
            last_rotated_date: secret.last_rotated_at,
            last_changed_date: Some(secret.last_changed_at),
            last_accessed_date: secret.last_accessed_at.map(start_of_day),
            deleted_date: secret.deleted_at,
            next_rotation_date: secret.next_rotation_at,
            tags: secret.tags_set.then(|| {
                tags.iter()
                    .map(|t| Tag {
                        key: t.key.clone(),
                        value: t.value.clone(),
                    })
                    .collect()
            }),
            version_ids_to_stages: (!stages.is_empty()).then_some(stages),
            created_date: Some(secret.created_at),
        }
    }

    /// Converts to the ListSecrets shape.
    pub fn into_list_entry(mut self) -> SecretListEntry {
        let stages = self.version_ids_to_stages.take();
        SecretListEntry {
            description: self,
            secret_versions_to_stages: stages,
        }
    }
}

/// Truncates a date to midnight UTC (AWS reports access dates per day).
pub(crate) fn start_of_day(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(time::UtcOffset::UTC)
        .replace_time(Time::MIDNIGHT)
}

/// Epoch seconds with a millisecond fraction, the AWS JSON 1.1 timestamp form.
pub fn epoch_seconds_f64(at: OffsetDateTime) -> f64 {
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    millis as f64 / 1000.0
}

pub(crate) fn epoch_seconds<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(epoch_seconds_f64(*at))
}

pub(crate) fn epoch_seconds_opt<S: Serializer>(
    at: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_f64(epoch_seconds_f64(*at)),
        None => s.serialize_none(),
    }
}
