//! GetRandomPassword.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::check_range;
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::secrets::PasswordSpec;

/// Maximum `PasswordLength` and `ExcludeCharacters` length (AWS model).
const MAX_LENGTH: i64 = 4096;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetRandomPasswordRequest {
    password_length: Option<i64>,
    exclude_characters: Option<String>,
    exclude_numbers: Option<bool>,
    exclude_punctuation: Option<bool>,
    exclude_uppercase: Option<bool>,
    exclude_lowercase: Option<bool>,
    include_space: Option<bool>,
    require_each_included_type: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRandomPasswordResponse {
    #[serde(serialize_with = "serialize_password")]
    random_password: Zeroizing<String>,
}

fn serialize_password<S: serde::Serializer>(
    password: &Zeroizing<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(password.as_str())
}

pub async fn get_random_password(
    ctx: &RequestContext,
    input: GetRandomPasswordRequest,
) -> Result<GetRandomPasswordResponse, ApiError> {
    let defaults = PasswordSpec::default();
    let length = input.password_length.unwrap_or(i64::from(defaults.length));
    check_range(length, "passwordLength", 1, MAX_LENGTH)?;
    let exclude_characters = input.exclude_characters.unwrap_or_default();
    if exclude_characters.chars().count() > MAX_LENGTH as usize {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'excludeCharacters' failed to satisfy \
             constraint: Member must have length less than or equal to {MAX_LENGTH}"
        )));
    }
    ctx.authorize_global(Operation::GetRandomPassword.action(), &ctx.auth_context())
        .await?;

    let spec = PasswordSpec {
        length: length as u32,
        exclude_characters,
        exclude_numbers: input.exclude_numbers.unwrap_or(defaults.exclude_numbers),
        exclude_punctuation: input
            .exclude_punctuation
            .unwrap_or(defaults.exclude_punctuation),
        exclude_uppercase: input
            .exclude_uppercase
            .unwrap_or(defaults.exclude_uppercase),
        exclude_lowercase: input
            .exclude_lowercase
            .unwrap_or(defaults.exclude_lowercase),
        include_space: input.include_space.unwrap_or(defaults.include_space),
        require_each_included_type: input
            .require_each_included_type
            .unwrap_or(defaults.require_each_included_type),
    };
    let random_password = ctx.secrets().get_random_password(&spec)?;
    Ok(GetRandomPasswordResponse { random_password })
}
