//! ListSecrets and BatchGetSecretValue filters.
//!
//! Matching rules, each value optionally negated with a leading `!`:
//!
//! - `name`: the name starts with the value (case-sensitive); names are not
//!   split into words.
//! - `description`: every word of the value starts a word of the description
//!   (case-insensitive).
//! - `tag-key`, `tag-value`: some tag key (value) starts with the value
//!   (case-sensitive).
//! - `primary-region`, `owning-service`: Tumbler secrets are never replicas
//!   and never owned by another service, so these match no secret.
//! - `all`: every word of the value starts a word of the name, description,
//!   tag keys or tag values, or one of those texts whole (case-insensitive).
//!   Names split at `/ - _ + = . @` and where a lowercase letter is followed
//!   by an uppercase one, so `ThisTestSecret` has the words `This`, `Test`
//!   and `Secret`.
//!
//! Values of one filter are alternatives; separate filters must all match,
//! also when they repeat a key.

use serde::Deserialize;

use crate::api::error::ApiError;
use crate::secrets::SecretDescription;

/// Maximum number of filters and of values per filter (AWS model).
const MAX_FILTERS: usize = 10;
const MAX_VALUES: usize = 10;
/// Maximum length of one filter value (AWS model).
const MAX_VALUE_LEN: usize = 512;

/// Characters that separate words in names for the `all` filter.
const NAME_SEPARATORS: &[char] = &['/', '-', '_', '+', '=', '.', '@'];

const KEYS: &str = "[description, name, tag-key, tag-value, primary-region, owning-service, all]";

/// A `Filter` member of the request.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FilterShape {
    key: Option<String>,
    values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterKey {
    Description,
    Name,
    TagKey,
    TagValue,
    PrimaryRegion,
    OwningService,
    All,
}

impl FilterKey {
    fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "description" => Self::Description,
            "name" => Self::Name,
            "tag-key" => Self::TagKey,
            "tag-value" => Self::TagValue,
            "primary-region" => Self::PrimaryRegion,
            "owning-service" => Self::OwningService,
            "all" => Self::All,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
struct FilterValue {
    negated: bool,
    text: String,
}

/// One validated filter.
#[derive(Debug, Clone)]
pub struct Filter {
    key: FilterKey,
    values: Vec<FilterValue>,
}

/// Validates the `Filters` member.
pub fn parse_filters(shapes: Vec<FilterShape>) -> Result<Vec<Filter>, ApiError> {
    if shapes.len() > MAX_FILTERS {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'filters' failed to satisfy constraint: Member \
             must have length less than or equal to {MAX_FILTERS}"
        )));
    }
    shapes
        .into_iter()
        .enumerate()
        .map(|(index, shape)| parse_filter(index + 1, shape))
        .collect()
}

fn parse_filter(position: usize, shape: FilterShape) -> Result<Filter, ApiError> {
    let Some(key_text) = shape.key else {
        return Err(ApiError::invalid_parameter("Invalid filter key"));
    };
    let Some(key) = FilterKey::parse(&key_text) else {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{key_text}' at 'filters.{position}.member.key' \
             failed to satisfy constraint: Member must satisfy enum value set: {KEYS}"
        )));
    };
    let values = match shape.values {
        Some(values) if !values.is_empty() => values,
        _ => {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid filter values for key: {key_text}"
            )));
        }
    };
    if values.len() > MAX_VALUES {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'filters.{position}.member.values' failed to \
             satisfy constraint: Member must have length less than or equal to {MAX_VALUES}"
        )));
    }
    let values = values
        .into_iter()
        .map(|value| parse_value(position, value))
        .collect::<Result<_, _>>()?;
    Ok(Filter { key, values })
}

/// Checks a value against the model: at most 512 characters matching
/// `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`.
fn parse_value(position: usize, value: String) -> Result<FilterValue, ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c);
    if value.chars().count() > MAX_VALUE_LEN || !value.chars().all(allowed) {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'filters.{position}.member.values' failed to \
             satisfy constraint: Member must have length less than or equal to {MAX_VALUE_LEN} \
             and satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$"
        )));
    }
    Ok(match value.strip_prefix('!') {
        Some(rest) => FilterValue {
            negated: true,
            text: rest.to_owned(),
        },
        None => FilterValue {
            negated: false,
            text: value,
        },
    })
}

/// Checks whether a secret passes every filter.
pub fn matches_all(filters: &[Filter], secret: &SecretDescription) -> bool {
    filters.iter().all(|filter| filter.matches(secret))
}

impl Filter {
    fn matches(&self, secret: &SecretDescription) -> bool {
        self.values
            .iter()
            .any(|value| value.negated != self.key.matches(&value.text, secret))
    }
}

impl FilterKey {
    fn matches(self, text: &str, secret: &SecretDescription) -> bool {
        let tags = secret.tags.as_deref().unwrap_or_default();
        match self {
            Self::Name => secret.name.starts_with(text),
            Self::Description => secret.description.as_deref().is_some_and(|description| {
                let words: Vec<String> = description
                    .split_whitespace()
                    .map(str::to_lowercase)
                    .collect();
                every_word_starts_one(text, &words)
            }),
            Self::TagKey => tags.iter().any(|tag| tag.key.starts_with(text)),
            Self::TagValue => tags.iter().any(|tag| tag.value.starts_with(text)),
            Self::PrimaryRegion | Self::OwningService => false,
            Self::All => {
                let mut texts = vec![secret.name.as_str()];
                texts.extend(secret.description.as_deref());
                for tag in tags {
                    texts.push(&tag.key);
                    texts.push(&tag.value);
                }
                let mut words = Vec::new();
                for whole in texts {
                    words.push(whole.to_lowercase());
                    words.extend(split_words(whole).into_iter().map(|w| w.to_lowercase()));
                }
                every_word_starts_one(text, &words)
            }
        }
    }
}

/// Checks that each whitespace-separated word of `text`, lowercased, starts
/// at least one of `words` (already lowercase). Text without words matches.
fn every_word_starts_one(text: &str, words: &[String]) -> bool {
    text.split_whitespace()
        .map(str::to_lowercase)
        .all(|needle| words.iter().any(|word| word.starts_with(&needle)))
}

/// Splits a text into words at whitespace, name separators and
/// lowercase-to-uppercase changes.
fn split_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    for part in text.split(|c: char| c.is_whitespace() || NAME_SEPARATORS.contains(&c)) {
        let mut start = 0;
        let mut previous_lower = false;
        for (index, c) in part.char_indices() {
            if c.is_uppercase() && previous_lower {
                words.push(&part[start..index]);
                start = index;
            }
            previous_lower = c.is_lowercase();
        }
        words.push(&part[start..]);
    }
    words.retain(|word| !word.is_empty());
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Tag;

    fn secret(name: &str, description: Option<&str>, tags: &[(&str, &str)]) -> SecretDescription {
        SecretDescription {
            arn: format!("arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}-AbCdEf"),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            kms_key_id: None,
            rotation_enabled: None,
            rotation_lambda_arn: None,
            rotation_rules: None,
            last_rotated_date: None,
            last_changed_date: None,
            last_accessed_date: None,
            deleted_date: None,
            next_rotation_date: None,
            tags: (!tags.is_empty()).then(|| {
                tags.iter()
                    .map(|(key, value)| Tag {
                        key: (*key).to_owned(),
                        value: (*value).to_owned(),
                    })
                    .collect()
            }),
            version_ids_to_stages: None,
            created_date: None,
        }
    }

    fn filter(key: &str, values: &[&str]) -> Vec<Filter> {
        parse_filters(vec![FilterShape {
            key: Some(key.to_owned()),
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        }])
        .unwrap()
    }

    #[test]
    fn split_words_handles_camel_case_and_separators() {
        assert_eq!(split_words("ThisTestSecret"), ["This", "Test", "Secret"]);
        assert_eq!(split_words("prod/db-main"), ["prod", "db", "main"]);
        assert_eq!(split_words("RealSecret"), ["Real", "Secret"]);
    }

    #[test]
    fn name_is_case_sensitive_prefix() {
        let filters = filter("name", &["prod"]);
        assert!(matches_all(&filters, &secret("prod/db", None, &[])));
        assert!(!matches_all(&filters, &secret("app/prod", None, &[])));
        assert!(!matches_all(&filters, &secret("Prod/db", None, &[])));
        assert!(!matches_all(
            &filter("name", &["testing1 one"]),
            &secret("testing1", None, &[])
        ));
    }

    #[test]
    fn all_matches_camel_case_words() {
        let filters = filter("all", &["test"]);
        assert!(matches_all(&filters, &secret("ThisTestSecret", None, &[])));
        assert!(!matches_all(&filters, &secret("RealSecret", None, &[])));
        assert!(matches_all(
            &filter("all", &["sec"]),
            &secret("RealSecret", None, &[])
        ));
        assert!(!matches_all(
            &filter("all", &["ret"]),
            &secret("RealSecret", None, &[])
        ));
    }

    #[test]
    fn description_words_are_prefixes() {
        let a = filter("description", &["a"]);
        assert!(matches_all(&a, &secret("s1", Some("a secret"), &[])));
        assert!(matches_all(&a, &secret("s2", Some("an secret"), &[])));
        assert!(matches_all(&a, &secret("s3", Some("asecret"), &[])));
        assert!(!matches_all(&a, &secret("s4", Some("thesecret"), &[])));
        let two = filter("description", &["a secret"]);
        assert!(matches_all(&two, &secret("s2", Some("An secret"), &[])));
        assert!(!matches_all(&two, &secret("s3", Some("asecret"), &[])));
    }

    #[test]
    fn negation_inverts_a_value() {
        let filters = filter("name", &["!/"]);
        assert!(matches_all(&filters, &secret("app/db", None, &[])));
        assert!(!matches_all(&filters, &secret("/app/db", None, &[])));
    }

    #[test]
    fn tags_match_by_prefix() {
        let s = secret("x", None, &[("Environment", "production")]);
        assert!(matches_all(&filter("tag-key", &["Env"]), &s));
        assert!(!matches_all(&filter("tag-key", &["env"]), &s));
        assert!(matches_all(&filter("tag-value", &["prod"]), &s));
        assert!(matches_all(&filter("all", &["PROD"]), &s));
    }

    #[test]
    fn unknown_key_is_validation_error() {
        let error = parse_filters(vec![FilterShape {
            key: Some("bogus".into()),
            values: Some(vec!["x".into()]),
        }])
        .unwrap_err();
        assert_eq!(error.error_type, "ValidationException");
        assert!(
            error.message.contains("filters.1.member.key"),
            "{}",
            error.message
        );
    }

    #[test]
    fn missing_values_is_invalid_parameter() {
        let error = parse_filters(vec![FilterShape {
            key: Some("name".into()),
            values: None,
        }])
        .unwrap_err();
        assert_eq!(error.error_type, "InvalidParameterException");
    }
}
