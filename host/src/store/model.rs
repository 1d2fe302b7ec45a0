//! Rows exchanged with a [`Store`](super::Store). Values appear only sealed.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::crypto::SealedValue;

/// Member a stored value came from: `SecretString` or `SecretBinary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `SecretString`.
    Text,
    /// `SecretBinary`.
    Binary,
}

impl ValueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::Binary => "binary",
        }
    }

    pub fn parse(text: &str) -> Option<ValueKind> {
        match text {
            "text" => Some(ValueKind::Text),
            "binary" => Some(ValueKind::Binary),
            _ => None,
        }
    }
}

/// A sealed value and the member it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    pub kind: ValueKind,
    pub sealed: SealedValue,
}

/// A secret row.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretRecord {
    /// Internal id, never shown to clients.
    pub id: i64,
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// Key reference as the caller gave it; `None` is the default key.
    pub kms_key_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_changed_at: OffsetDateTime,
    pub last_accessed_at: Option<OffsetDateTime>,
    /// DeletedDate; `Some` while the secret is scheduled for deletion.
    pub deleted_at: Option<OffsetDateTime>,
    pub deletion_date: Option<OffsetDateTime>,
    /// `None` until rotation is configured for the first time.
    pub rotation_enabled: Option<bool>,
    /// Rotator name, reported as RotationLambdaARN.
    pub rotation_lambda_arn: Option<String>,
    pub rotation_settings: BTreeMap<String, String>,
    /// RotationRules JSON as stored by the rotation engine.
    pub rotation_rules: Option<String>,
    pub last_rotated_at: Option<OffsetDateTime>,
    pub next_rotation_at: Option<OffsetDateTime>,
    /// Whether tags were ever set on the secret.
    pub tags_set: bool,
}

/// A new secret, inserted with its tags and optional first version.
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub created_at: OffsetDateTime,
    pub tags: Vec<TagRecord>,
    pub first_version: Option<NewVersion>,
    /// Labels put on the first version (normally `[AWSCURRENT]`).
    pub first_version_labels: Vec<String>,
}

/// A version to insert; `value: None` is a rotation placeholder.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub version_id: String,
    pub created_at: OffsetDateTime,
    pub value: Option<StoredValue>,
}

/// A version row with its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    pub version_id: String,
    pub created_at: OffsetDateTime,
    pub last_accessed_at: Option<OffsetDateTime>,
    /// `None` for a rotation placeholder that has no value yet.
    pub value: Option<StoredValue>,
    /// Labels on this version, sorted.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRecord {
    pub key: String,
    pub value: String,
}

/// Moves `label` from version `from` to version `to`. `from` is the holder the
/// caller saw; the store rejects the move with a conflict if the label sits
/// elsewhere now. `to: None` removes the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMove {
    pub label: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl LabelMove {
    pub fn new(label: &str, from: Option<String>, to: Option<String>) -> LabelMove {
        LabelMove {
            label: label.to_owned(),
            from,
            to,
        }
    }
}

/// Fills an existing placeholder version that has no value yet.
#[derive(Debug, Clone)]
pub struct FillVersion {
    pub version_id: String,
    pub value: StoredValue,
}

/// Rotation configuration stored on the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationConfigRecord {
    pub enabled: bool,
    pub rotator: String,
    pub settings: BTreeMap<String, String>,
}

/// A rotation row to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRotation {
    pub token: String,
    pub rotator: String,
    pub next_step: String,
}

/// Everything one write of versions and labels changes, applied atomically.
#[derive(Debug, Clone)]
pub struct VersionChange {
    pub secret_id: i64,
    pub at: OffsetDateTime,
    pub new_version: Option<NewVersion>,
    pub fill_version: Option<FillVersion>,
    pub label_moves: Vec<LabelMove>,
    /// Advances LastChangedDate.
    pub touch_changed: bool,
    pub rotation_config: Option<RotationConfigRecord>,
    pub begin_rotation: Option<NewRotation>,
    /// Marks the rotation of this token as abandoned if it is in progress or
    /// failed (a new version took AWSPENDING away from its version).
    pub abandon_rotation: Option<AbandonRotation>,
}

/// The rotation to mark abandoned and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbandonRotation {
    pub token: String,
    pub message: String,
}

/// A change of the rotation fields stored on a secret (CancelRotateSecret,
/// schedules). Fields left `None` stay as they are.
#[derive(Debug, Clone, Default)]
pub struct RotationFieldsUpdate {
    pub enabled: Option<bool>,
    pub rules: Option<Option<String>>,
    pub next_rotation_at: Option<Option<OffsetDateTime>>,
}

impl VersionChange {
    pub fn new(secret_id: i64, at: OffsetDateTime) -> VersionChange {
        VersionChange {
            secret_id,
            at,
            new_version: None,
            fill_version: None,
            label_moves: Vec::new(),
            touch_changed: false,
            rotation_config: None,
            begin_rotation: None,
            abandon_rotation: None,
        }
    }
}

/// A change of description or key. Fields left `None` stay as they are.
#[derive(Debug, Clone)]
pub struct MetadataUpdate {
    pub secret_id: i64,
    pub at: OffsetDateTime,
    pub description: Option<Option<String>>,
    pub kms_key_id: Option<Option<String>>,
    /// Versions whose sealed value is replaced (re-wrapped under a new key).
    pub resealed: Vec<(String, StoredValue)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationStatus {
    InProgress,
    Succeeded,
    Failed,
    /// A new version replaced the pending version before the rotation ended.
    Abandoned,
}

impl RotationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RotationStatus::InProgress => "in_progress",
            RotationStatus::Succeeded => "succeeded",
            RotationStatus::Failed => "failed",
            RotationStatus::Abandoned => "abandoned",
        }
    }

    pub fn parse(text: &str) -> Option<RotationStatus> {
        match text {
            "in_progress" => Some(RotationStatus::InProgress),
            "succeeded" => Some(RotationStatus::Succeeded),
            "failed" => Some(RotationStatus::Failed),
            "abandoned" => Some(RotationStatus::Abandoned),
            _ => None,
        }
    }
}

/// Persisted progress of one rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRecord {
    pub secret_id: i64,
    pub token: String,
    pub rotator: String,
    pub status: RotationStatus,
    /// Step to run next; `None` once all steps are done.
    pub next_step: Option<String>,
    pub completed_steps: Vec<String>,
    pub last_error: Option<String>,
    pub attempts: i64,
    pub started_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A change to one rotation row. Fields left `None` stay as they are.
#[derive(Debug, Clone)]
pub struct RotationUpdate {
    pub secret_id: i64,
    pub token: String,
    pub at: OffsetDateTime,
    pub status: Option<RotationStatus>,
    /// Appended to `completed_steps` unless already present.
    pub completed_step: Option<String>,
    pub next_step: Option<Option<String>>,
    pub last_error: Option<Option<String>>,
    /// Increments `attempts` (a resumed rotation).
    pub new_attempt: bool,
    /// Also sets the secret's last-rotated date to `at`.
    pub set_last_rotated: bool,
}

impl RotationUpdate {
    pub fn new(secret_id: i64, token: &str, at: OffsetDateTime) -> RotationUpdate {
        RotationUpdate {
            secret_id,
            token: token.to_owned(),
            at,
            status: None,
            completed_step: None,
            next_step: None,
            last_error: None,
            new_attempt: false,
            set_last_rotated: false,
        }
    }

    /// Returns `current` with this update applied. Fields left `None` keep
    /// their value, and a completed step is appended once.
    pub fn apply_to(&self, current: RotationRecord) -> RotationRecord {
        let mut completed_steps = current.completed_steps;
        if let Some(step) = &self.completed_step
            && !completed_steps.contains(step)
        {
            completed_steps.push(step.clone());
        }
        RotationRecord {
            status: self.status.unwrap_or(current.status),
            next_step: self.next_step.clone().unwrap_or(current.next_step),
            last_error: self.last_error.clone().unwrap_or(current.last_error),
            attempts: current.attempts + i64::from(self.new_attempt),
            updated_at: self.at,
            completed_steps,
            ..current
        }
    }
}
