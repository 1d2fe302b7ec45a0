use zeroize::Zeroizing;

use super::SecretsError;

/// Maximum size of a secret value: 65,536 characters of `SecretString` or
/// bytes of `SecretBinary` (AWS quota "Length of a secret").
pub const MAX_VALUE_LEN: usize = 65_536;

/// A secret value. The buffers are wiped on drop and `Debug` never prints them.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// `SecretString`.
    Text(Zeroizing<String>),
    /// `SecretBinary` (raw bytes; base64 only on the wire).
    Binary(Zeroizing<Vec<u8>>),
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretValue::Text(_) => f.write_str("SecretValue::Text(<redacted>)"),
            SecretValue::Binary(_) => f.write_str("SecretValue::Binary(<redacted>)"),
        }
    }
}

pub use crate::store::ValueKind;

impl SecretValue {
    /// Builds a text value.
    pub fn text(value: impl Into<String>) -> SecretValue {
        SecretValue::Text(Zeroizing::new(value.into()))
    }

    /// Builds a binary value.
    pub fn binary(value: impl Into<Vec<u8>>) -> SecretValue {
        SecretValue::Binary(Zeroizing::new(value.into()))
    }

    pub fn kind(&self) -> ValueKind {
        match self {
            SecretValue::Text(_) => ValueKind::Text,
            SecretValue::Binary(_) => ValueKind::Binary,
        }
    }

    /// The bytes that get sealed (UTF-8 for text).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            SecretValue::Text(text) => text.as_bytes(),
            SecretValue::Binary(bytes) => bytes.as_slice(),
        }
    }

    /// Rebuilds a value from opened bytes.
    pub(crate) fn from_plaintext(
        kind: ValueKind,
        plaintext: Zeroizing<Vec<u8>>,
    ) -> Result<SecretValue, SecretsError> {
        match kind {
            ValueKind::Binary => Ok(SecretValue::Binary(plaintext)),
            ValueKind::Text => match std::str::from_utf8(&plaintext) {
                Ok(text) => Ok(SecretValue::Text(Zeroizing::new(text.to_owned()))),
                Err(_) => Err(SecretsError::Internal(
                    "a stored SecretString is not valid UTF-8".into(),
                )),
            },
        }
    }

    /// Checks the AWS length limits: 1 to 65,536 characters or bytes.
    pub fn validate(&self) -> Result<(), SecretsError> {
        let (member, len) = match self {
            SecretValue::Text(text) => ("secretString", text.chars().count()),
            SecretValue::Binary(bytes) => ("secretBinary", bytes.len()),
        };
        if len > MAX_VALUE_LEN {
            return Err(SecretsError::Validation(format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
                 Member must have length less than or equal to {MAX_VALUE_LEN}"
            )));
        }
        if len == 0 {
            return Err(SecretsError::Validation(format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
                 Member must have length greater than or equal to 1"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_at_limit_is_accepted() {
        assert!(
            SecretValue::text("a".repeat(MAX_VALUE_LEN))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn text_over_limit_is_rejected_with_aws_message() {
        let err = SecretValue::text("a".repeat(MAX_VALUE_LEN + 1))
            .validate()
            .unwrap_err();
        assert_eq!(err.aws_type(), "ValidationException");
        assert_eq!(
            err.to_string(),
            "1 validation error detected: Value at 'secretString' failed to satisfy constraint: \
             Member must have length less than or equal to 65536"
        );
    }

    #[test]
    fn binary_over_limit_is_rejected() {
        let err = SecretValue::binary(vec![0u8; MAX_VALUE_LEN + 1])
            .validate()
            .unwrap_err();
        assert_eq!(err.aws_type(), "ValidationException");
        assert!(err.to_string().contains("'secretBinary'"));
        assert!(
            SecretValue::binary(vec![0u8; MAX_VALUE_LEN])
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn empty_value_is_rejected() {
        assert!(SecretValue::text("").validate().is_err());
        assert!(SecretValue::binary(Vec::new()).validate().is_err());
    }

    #[test]
    fn debug_redacts_value() {
        let printed = format!("{:?}", SecretValue::text("hunter2"));
        assert!(!printed.contains("hunter2"));
    }
}
