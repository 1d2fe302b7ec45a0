//! GetRandomPassword.

use rand::Rng;
use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use zeroize::Zeroizing;

use super::SecretsError;

/// Maximum `PasswordLength` and `ExcludeCharacters` length (AWS model limits).
pub const MAX_PASSWORD_LEN: u32 = 4096;

const LOWERCASE: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPERCASE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
/// The 32 ASCII punctuation characters AWS draws from.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// GetRandomPassword parameters; `Default` gives the AWS defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordSpec {
    /// `PasswordLength`: 1 to 4096.
    pub length: u32,
    pub exclude_characters: String,
    pub exclude_numbers: bool,
    pub exclude_punctuation: bool,
    pub exclude_uppercase: bool,
    pub exclude_lowercase: bool,
    pub include_space: bool,
    /// At least one character of each included type (lowercase, uppercase,
    /// digit, punctuation). Space is never required.
    pub require_each_included_type: bool,
}

impl Default for PasswordSpec {
    fn default() -> Self {
        PasswordSpec {
            length: 32,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// Generates a password of exactly `length` characters with the OS
/// CSPRNG. Exclusions shrink the alphabet before drawing, so the length never
/// changes; each draw is uniform over its alphabet.
pub fn generate_password(spec: &PasswordSpec) -> Result<Zeroizing<String>, SecretsError> {
    validate(spec)?;
    let length = spec.length as usize;

    let keep = |set: &str, excluded: bool| -> Vec<char> {
        if excluded {
            return Vec::new();
        }
        set.chars()
            .filter(|c| !spec.exclude_characters.contains(*c))
            .collect()
    };
    let typed: Vec<Vec<char>> = [
        keep(LOWERCASE, spec.exclude_lowercase),
        keep(UPPERCASE, spec.exclude_uppercase),
        keep(DIGITS, spec.exclude_numbers),
        keep(PUNCTUATION, spec.exclude_punctuation),
    ]
    .into_iter()
    .filter(|set| !set.is_empty())
    .collect();

    let mut alphabet: Vec<char> = typed.iter().flatten().copied().collect();
    if spec.include_space && !spec.exclude_characters.contains(' ') {
        alphabet.push(' ');
    }
    if alphabet.is_empty() {
        return Err(SecretsError::InvalidParameter(
            "The password cannot be generated because every character is excluded.".into(),
        ));
    }
    if spec.require_each_included_type && length < typed.len() {
        return Err(SecretsError::InvalidParameter(
            "Password length is too short based on the required types.".into(),
        ));
    }

    let mut rng = OsRng;
    let mut chars: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(length));
    if spec.require_each_included_type {
        for set in &typed {
            chars.push(set[rng.gen_range(0..set.len())]);
        }
    }
    while chars.len() < length {
        chars.push(alphabet[rng.gen_range(0..alphabet.len())]);
    }
    chars.shuffle(&mut rng);
    Ok(Zeroizing::new(chars.iter().collect()))
}

fn validate(spec: &PasswordSpec) -> Result<(), SecretsError> {
    if spec.length > MAX_PASSWORD_LEN {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value '{}' at 'passwordLength' failed to satisfy \
             constraint: Member must have value less than or equal to {MAX_PASSWORD_LEN}",
            spec.length
        )));
    }
    if spec.length < 1 {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value '{}' at 'passwordLength' failed to satisfy \
             constraint: Member must have value greater than or equal to 1",
            spec.length
        )));
    }
    if spec.exclude_characters.chars().count() > MAX_PASSWORD_LEN as usize {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value at 'excludeCharacters' failed to satisfy \
             constraint: Member must have length less than or equal to {MAX_PASSWORD_LEN}"
        )));
    }
    Ok(())
}

#[cfg(test)]
#[path = "password_tests.rs"]
mod tests;
