//! Input checks shared by the operations, with the AWS messages.

use super::{SecretsError, Tag};

/// Length limits of `ClientRequestToken` (AWS `ClientRequestTokenType`).
const TOKEN_MIN_LEN: usize = 32;
const TOKEN_MAX_LEN: usize = 64;

/// Maximum description length (AWS `DescriptionType`).
const MAX_DESCRIPTION_LEN: usize = 2048;

/// Returns the given token after checking its length, or a new UUID v4.
pub(super) fn token_or_new(token: Option<&str>) -> Result<String, SecretsError> {
    match token {
        Some(token) => {
            validate_token(token)?;
            Ok(token.to_owned())
        }
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

pub(super) fn validate_token(token: &str) -> Result<(), SecretsError> {
    let len = token.chars().count();
    if !(TOKEN_MIN_LEN..=TOKEN_MAX_LEN).contains(&len) {
        return Err(SecretsError::InvalidParameter(
            "ClientRequestToken must be 32-64 characters long.".into(),
        ));
    }
    Ok(())
}

pub(super) fn validate_description(description: Option<&str>) -> Result<(), SecretsError> {
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_LEN) {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: \
             Member must have length less than or equal to {MAX_DESCRIPTION_LEN}"
        )));
    }
    Ok(())
}

/// Checks tag limits: key 1 to 128 characters, value up to 256.
pub(super) fn validate_tags(tags: &[Tag]) -> Result<(), SecretsError> {
    for tag in tags {
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > 128 {
            return Err(SecretsError::Validation(
                "1 validation error detected: Value at 'tags.member.key' failed to satisfy \
                 constraint: Member must have length between 1 and 128"
                    .into(),
            ));
        }
        if tag.value.chars().count() > 256 {
            return Err(SecretsError::Validation(
                "1 validation error detected: Value at 'tags.member.value' failed to satisfy \
                 constraint: Member must have length less than or equal to 256"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Checks `VersionStages`: 1 to 20 labels of 1 to 256 characters each.
pub(super) fn validate_stage_list(stages: &[String]) -> Result<(), SecretsError> {
    if stages.is_empty() || stages.len() > super::MAX_LABELS_PER_SECRET {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: \
             Member must have length between 1 and {}",
            super::MAX_LABELS_PER_SECRET
        )));
    }
    for stage in stages {
        super::labels::validate_label(stage)?;
    }
    Ok(())
}
