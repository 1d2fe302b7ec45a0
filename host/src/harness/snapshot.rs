//! Snapshots of a secret's versions, labels and value digests, and the
//! staging-label rules a finished rotation must satisfy.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::secrets::SecretsService;

const AWSCURRENT: &str = "AWSCURRENT";
const AWSPENDING: &str = "AWSPENDING";
const AWSPREVIOUS: &str = "AWSPREVIOUS";

/// One version: its labels (sorted) and the SHA-256 of its value, or `None`
/// for a version without a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionState {
    pub labels: Vec<String>,
    pub value_digest: Option<[u8; 32]>,
}

/// Every version of a secret, deprecated ones included, by version id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub versions: BTreeMap<String, VersionState>,
}

impl Snapshot {
    /// Reads every version of `secret_id` and digests its value. Values
    /// themselves are dropped at once.
    pub async fn take(secrets: &SecretsService, secret_id: &str) -> Result<Self, String> {
        let entries = secrets
            .list_secret_version_ids(secret_id, true)
            .await
            .map_err(|error| format!("listing the versions failed: {error}"))?;
        let mut versions = BTreeMap::new();
        for entry in entries {
            let value_digest = match secrets
                .get_secret_value(secret_id, Some(&entry.version_id), None)
                .await
            {
                Ok(output) => Some(Sha256::digest(output.value.as_bytes()).into()),
                Err(error) if error.aws_type() == "ResourceNotFoundException" => None,
                Err(error) => return Err(format!("reading version {} failed: {error}", entry.version_id)),
            };
            let mut labels = entry.version_stages.unwrap_or_default();
            labels.sort();
            versions.insert(entry.version_id, VersionState { labels, value_digest });
        }
        Ok(Self { versions })
    }

    /// Returns the ids of the versions that carry `label`.
    pub fn versions_with(&self, label: &str) -> Vec<&str> {
        self.versions
            .iter()
            .filter(|(_, state)| state.labels.iter().any(|l| l == label))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// Returns the id of the version that carries AWSCURRENT, when exactly
    /// one does.
    pub fn current(&self) -> Option<&str> {
        match self.versions_with(AWSCURRENT).as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    fn digest_of(&self, version_id: &str) -> Option<[u8; 32]> {
        self.versions.get(version_id).and_then(|state| state.value_digest)
    }

    /// Describes how `self` differs from `before`, by version id and label
    /// only, or returns `None` when they are equal.
    pub fn describe_change(&self, before: &Snapshot) -> Option<String> {
        if self == before {
            return None;
        }
        let mut changes = Vec::new();
        for (id, state) in &self.versions {
            match before.versions.get(id) {
                None => changes.push(format!("version {id} was added")),
                Some(old) if old.labels != state.labels => changes.push(format!(
                    "labels of version {id} went from [{}] to [{}]",
                    old.labels.join(", "),
                    state.labels.join(", ")
                )),
                Some(old) if old.value_digest != state.value_digest => {
                    changes.push(format!("the value of version {id} changed"))
                }
                Some(_) => {}
            }
        }
        for id in before.versions.keys().filter(|id| !self.versions.contains_key(*id)) {
            changes.push(format!("version {id} was removed"));
        }
        Some(changes.join(", "))
    }
}

/// Returns every way in which `after` breaks the state that a successful
/// rotation with `token` must leave, starting from `before`. AWSPENDING may
/// stay on the new version next to AWSCURRENT, as after the AWS templates,
/// whose finishSecret moves only AWSCURRENT.
pub fn rotation_problems(before: &Snapshot, after: &Snapshot, token: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let current = after.versions_with(AWSCURRENT);
    if current.len() != 1 {
        problems.push(format!("{} versions carry AWSCURRENT instead of one", current.len()));
    }
    if !current.contains(&token) {
        problems.push(format!(
            "AWSCURRENT is on [{}], not on the rotation's version {token}",
            current.join(", ")
        ));
    }
    if let Some(old_current) = before.current() {
        let previous = after.versions_with(AWSPREVIOUS);
        if previous != [old_current] {
            problems.push(format!(
                "AWSPREVIOUS is on [{}], not on the version that was AWSCURRENT before ({old_current})",
                previous.join(", ")
            ));
        }
        if after.digest_of(token).is_some() && after.digest_of(token) == before.digest_of(old_current) {
            problems.push("the new AWSCURRENT value equals the old one".to_string());
        }
    }
    if after.digest_of(token).is_none() {
        problems.push(format!("the rotation's version {token} has no value"));
    }
    for pending in after.versions_with(AWSPENDING) {
        if !current.contains(&pending) {
            problems.push(format!("AWSPENDING remains on version {pending}, which is not AWSCURRENT"));
        }
    }
    problems
}

/// Returns the problems of a state that no step may leave: AWSCURRENT on
/// exactly one version that has a value.
pub fn resting_problems(snapshot: &Snapshot) -> Vec<String> {
    let current = snapshot.versions_with(AWSCURRENT);
    if current.len() != 1 {
        return vec![format!("{} versions carry AWSCURRENT instead of one", current.len())];
    }
    if snapshot.digest_of(current[0]).is_none() {
        return vec![format!("the AWSCURRENT version {} has no value", current[0])];
    }
    Vec::new()
}
