use super::SecretsError;

/// Maximum length of a secret name given as input (AWS `NameType`).
pub const MAX_NAME_LEN: usize = 512;

/// Maximum length of a `SecretId` (name or ARN).
pub const MAX_SECRET_ID_LEN: usize = 2048;

const INVALID_NAME: &str = "Invalid name. Must be a valid name containing alphanumeric characters, \
                            or any of the following: -/_+=.@!";

/// Checks a secret name: 1 to 512 ASCII letters, digits and `/_+=.@-`.
pub fn validate_name(name: &str) -> Result<(), SecretsError> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b));
    if name.is_empty() || name.len() > MAX_NAME_LEN || !valid_chars {
        return Err(SecretsError::Validation(INVALID_NAME.into()));
    }
    Ok(())
}

/// Checks a `SecretId`: an ARN (anything starting with `arn:`, up to 2048
/// characters) or a valid name.
pub fn validate_secret_id(secret_id: &str) -> Result<(), SecretsError> {
    if secret_id.starts_with("arn:") {
        if secret_id.len() > MAX_SECRET_ID_LEN {
            return Err(SecretsError::Validation(format!(
                "1 validation error detected: Value at 'secretId' failed to satisfy constraint: \
                 Member must have length less than or equal to {MAX_SECRET_ID_LEN}"
            )));
        }
        return Ok(());
    }
    validate_name(secret_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_example_names_are_valid() {
        for name in [
            "app/db",
            "Valid/_+=.@-Name",
            "Valid/_+=.@-Name-a1b2c3-",
            "a",
        ] {
            assert!(validate_name(name).is_ok(), "{name} should be valid");
        }
    }

    #[test]
    fn bad_names_get_aws_validation_message() {
        for name in [
            "with space",
            "star*",
            "what?",
            "bracket]",
            "back\\slash",
            "",
            "ünï",
        ] {
            let err = validate_name(name).unwrap_err();
            assert_eq!(err.aws_type(), "ValidationException", "{name}");
            assert_eq!(err.to_string(), INVALID_NAME, "{name}");
        }
    }

    #[test]
    fn name_length_limit() {
        assert!(validate_name(&"a".repeat(512)).is_ok());
        assert!(validate_name(&"a".repeat(513)).is_err());
    }

    #[test]
    fn secret_id_accepts_arns() {
        let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbC123";
        assert!(validate_secret_id(arn).is_ok());
        assert!(validate_secret_id("bad name").is_err());
    }
}
