//! Deterministic `GetRandomPassword` for the mock host.

use crate::bindings::tumbler::rotator::secrets::{PasswordSpec, SecretsError};

/// Maximum `PasswordLength` of GetRandomPassword.
const MAX_LENGTH: u32 = 4096;

const LOWERCASE: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPERCASE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
/// The punctuation set of GetRandomPassword.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A seeded SplitMix64 generator, so that every test run gets the same
/// passwords in the same order.
pub(crate) struct PasswordGenerator {
    state: u64,
}

impl Default for PasswordGenerator {
    fn default() -> Self {
        Self { state: 0x5EED }
    }
}

impl PasswordGenerator {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, characters: &[char]) -> char {
        characters[(self.next() % characters.len() as u64) as usize]
    }

    /// Generates a password that follows `spec` as GetRandomPassword does:
    /// only included character types, no excluded characters, and one of
    /// each included type when `require_each_included_type` is set.
    pub fn generate(&mut self, spec: &PasswordSpec) -> Result<String, SecretsError> {
        if spec.length == 0 || spec.length > MAX_LENGTH {
            return Err(SecretsError::InvalidParameter(format!(
                "PasswordLength {} is invalid; use a number from 1 to {MAX_LENGTH}",
                spec.length
            )));
        }
        let mut classes: Vec<Vec<char>> = Vec::new();
        for (excluded, set) in [
            (spec.exclude_lowercase, LOWERCASE),
            (spec.exclude_uppercase, UPPERCASE),
            (spec.exclude_numbers, DIGITS),
            (spec.exclude_punctuation, PUNCTUATION),
            (!spec.include_space, " "),
        ] {
            let allowed: Vec<char> = set
                .chars()
                .filter(|character| !spec.exclude_characters.contains(*character))
                .collect();
            if !excluded && !allowed.is_empty() {
                classes.push(allowed);
            }
        }
        let pool: Vec<char> = classes.iter().flatten().copied().collect();
        if pool.is_empty() {
            return Err(SecretsError::InvalidParameter(
                "the password options exclude every character".to_string(),
            ));
        }

        let length = spec.length as usize;
        let mut password: Vec<char> = (0..length).map(|_| self.pick(&pool)).collect();
        if spec.require_each_included_type && classes.len() <= length {
            // Put one character of each type at distinct positions.
            let mut positions: Vec<usize> = (0..length).collect();
            for class in &classes {
                let index = (self.next() % positions.len() as u64) as usize;
                let position = positions.swap_remove(index);
                password[position] = self.pick(class);
            }
        }
        Ok(password.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PasswordSpec {
        PasswordSpec::default()
    }

    #[test]
    fn same_seed_gives_same_passwords() {
        let first = PasswordGenerator::default().generate(&spec()).unwrap();
        let second = PasswordGenerator::default().generate(&spec()).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn excluded_characters_never_appear() {
        let mut generator = PasswordGenerator::default();
        let mut options = spec();
        options.exclude_characters = ":/@\"'\\".to_string();
        options.length = 200;
        let password = generator.generate(&options).unwrap();
        assert!(!password.contains([':', '/', '@', '"', '\'', '\\']));
    }

    #[test]
    fn each_included_type_appears() {
        let mut generator = PasswordGenerator::default();
        let mut options = spec();
        options.length = 4;
        let password = generator.generate(&options).unwrap();
        assert!(password.chars().any(|c| c.is_ascii_lowercase()), "lowercase");
        assert!(password.chars().any(|c| c.is_ascii_uppercase()), "uppercase");
        assert!(password.chars().any(|c| c.is_ascii_digit()), "digit");
        assert!(password.chars().any(|c| c.is_ascii_punctuation()), "punctuation");
    }

    #[test]
    fn zero_length_is_rejected() {
        let mut options = spec();
        options.length = 0;
        let result = PasswordGenerator::default().generate(&options);
        assert!(matches!(result, Err(SecretsError::InvalidParameter(_))));
    }
}
