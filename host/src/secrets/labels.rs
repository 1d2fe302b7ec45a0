//! Staging-label rules as pure functions over a label map.
//!
//! A [`LabelState`] maps each label to the one version that carries it. The
//! functions return [`LabelMove`]s, which the store applies in one transaction
//! after checking that each label still sits where the move expects it.

use std::collections::{BTreeMap, BTreeSet};

use super::SecretsError;
use crate::store::LabelMove;

pub const AWSCURRENT: &str = "AWSCURRENT";
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
pub const AWSPENDING: &str = "AWSPENDING";

/// Maximum number of distinct staging labels on the versions of one secret
/// (AWS quota).
pub const MAX_LABELS_PER_SECRET: usize = 20;

/// Maximum length of one staging label (AWS `SecretVersionStageType`).
pub const MAX_LABEL_LEN: usize = 256;

/// Label to version id.
pub type LabelState = BTreeMap<String, String>;

/// Computes the moves for a new version `version_id` written by
/// PutSecretValue, UpdateSecret or CreateSecret.
///
/// - `stages` omitted means `[AWSCURRENT]`.
/// - The first version of a secret without AWSCURRENT always gets AWSCURRENT.
/// - Each named label leaves whatever version had it.
/// - When AWSCURRENT moves, AWSPREVIOUS moves to the version that lost it.
/// - AWSPENDING on another version is removed unless it is named, because a
///   new version abandons an in-progress rotation.
///
/// `version_id` may already exist (an empty rotation placeholder being filled);
/// labels already on it stay.
pub fn moves_for_new_version(
    state: &LabelState,
    version_id: &str,
    stages: Option<&[String]>,
) -> Result<Vec<LabelMove>, SecretsError> {
    let mut target_labels: BTreeSet<String> = match stages {
        Some(stages) => stages.iter().cloned().collect(),
        None => BTreeSet::from([AWSCURRENT.to_owned()]),
    };
    for label in &target_labels {
        validate_label(label)?;
    }
    if !state.contains_key(AWSCURRENT) {
        target_labels.insert(AWSCURRENT.to_owned());
    }

    let mut moves = Vec::new();
    for label in &target_labels {
        let holder = state.get(label);
        if holder.map(String::as_str) != Some(version_id) {
            moves.push(LabelMove::new(
                label,
                holder.cloned(),
                Some(version_id.to_owned()),
            ));
        }
    }

    let old_current = state.get(AWSCURRENT).filter(|v| v.as_str() != version_id);
    if let Some(old_current) = old_current.filter(|_| target_labels.contains(AWSCURRENT))
        && !target_labels.contains(AWSPREVIOUS)
    {
        moves.push(LabelMove::new(
            AWSPREVIOUS,
            state.get(AWSPREVIOUS).cloned(),
            Some(old_current.clone()),
        ));
    }

    if let Some(pending) = state.get(AWSPENDING)
        && !target_labels.contains(AWSPENDING)
        && pending != version_id
    {
        moves.push(LabelMove::new(AWSPENDING, Some(pending.clone()), None));
    }

    moves.retain(|m| m.from != m.to);
    check_label_count(state, &moves)?;
    Ok(moves)
}

/// Computes the moves of UpdateSecretVersionStage. `versions` lists every
/// version id of the secret.
pub fn moves_for_stage_update(
    state: &LabelState,
    versions: &BTreeSet<String>,
    stage: &str,
    move_to: Option<&str>,
    remove_from: Option<&str>,
) -> Result<Vec<LabelMove>, SecretsError> {
    validate_label(stage)?;
    let holder = state.get(stage).map(String::as_str);

    if let Some(remove_from) = remove_from {
        if !versions.contains(remove_from) {
            return Err(invalid_version(remove_from));
        }
        if holder != Some(remove_from) {
            return Err(SecretsError::InvalidParameter(format!(
                "Version stage {stage} not found in version {remove_from}"
            )));
        }
    }

    let Some(move_to) = move_to else {
        if remove_from.is_none() {
            // NOTE: AWS documents both ids as optional but its response to a
            // call with neither is not recorded, so this message is Tumbler's own.
            return Err(SecretsError::InvalidParameter(
                "You must specify MoveToVersionId, RemoveFromVersionId, or both.".into(),
            ));
        }
        if stage == AWSCURRENT {
            return Err(SecretsError::InvalidParameter(
                "You can only move staging label AWSCURRENT to a different secret version. It \
                 can't be completely removed."
                    .into(),
            ));
        }
        return Ok(vec![LabelMove::new(stage, holder.map(str::to_owned), None)]);
    };

    if !versions.contains(move_to) {
        return Err(invalid_version(move_to));
    }
    if holder == Some(move_to) {
        return Ok(Vec::new());
    }
    if let (Some(holder), None) = (holder, remove_from) {
        return Err(SecretsError::InvalidParameter(format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label {stage} is currently \
             attached to version {holder}, so you must explicitly reference that version in \
             RemoveFromVersionId."
        )));
    }

    let mut moves = vec![LabelMove::new(
        stage,
        holder.map(str::to_owned),
        Some(move_to.to_owned()),
    )];
    if stage == AWSCURRENT
        && let Some(old_current) = holder
    {
        moves.push(LabelMove::new(
            AWSPREVIOUS,
            state.get(AWSPREVIOUS).cloned(),
            Some(old_current.to_owned()),
        ));
    }
    moves.retain(|m| m.from != m.to);
    check_label_count(state, &moves)?;
    Ok(moves)
}

/// Applies moves to a label map (the same result the store produces).
pub fn apply_moves(state: &LabelState, moves: &[LabelMove]) -> LabelState {
    let mut next = state.clone();
    for m in moves {
        match &m.to {
            Some(to) => next.insert(m.label.clone(), to.clone()),
            None => next.remove(&m.label),
        };
    }
    next
}

/// Checks one label: 1 to 256 characters.
pub fn validate_label(label: &str) -> Result<(), SecretsError> {
    if label.is_empty() || label.chars().count() > MAX_LABEL_LEN {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value at 'versionStage' failed to satisfy constraint: \
             Member must have length between 1 and {MAX_LABEL_LEN}"
        )));
    }
    Ok(())
}

fn check_label_count(state: &LabelState, moves: &[LabelMove]) -> Result<(), SecretsError> {
    let after = apply_moves(state, moves);
    if after.len() > MAX_LABELS_PER_SECRET {
        // NOTE: the AWS message text for this quota is not recorded.
        return Err(SecretsError::LimitExceeded(format!(
            "A secret can have at most {MAX_LABELS_PER_SECRET} staging labels across its versions."
        )));
    }
    Ok(())
}

fn invalid_version(version_id: &str) -> SecretsError {
    SecretsError::InvalidParameter(format!("Not a valid version: {version_id}"))
}

#[cfg(test)]
#[path = "labels_tests.rs"]
mod tests;
