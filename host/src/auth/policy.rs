//! IAM-style policy documents: parsing and the typed form that evaluation uses.
//!
//! A document is `{"Version": ..., "Statement": [...]}`; `Statement` may also
//! be a single object. Each statement has `Effect`, one of `Action` and
//! `NotAction`, optionally one of `Resource` and `NotResource` (absent means
//! every resource), one of `Principal` and `NotPrincipal` in resource policies,
//! and an optional `Condition` block. Unknown top-level or statement fields are
//! rejected, as IAM does.

use serde_json::{Map, Value};

use super::condition::Condition;

/// The only policy language versions IAM defines.
const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// A policy document that failed to parse. The message names the statement and
/// field at fault; it becomes the message of `MalformedPolicyDocumentException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    pub message: String,
}

impl PolicyError {
    pub(super) fn new(message: impl Into<String>) -> Self {
        PolicyError {
            message: message.into(),
        }
    }
}

/// The attachment point of a policy. Identity policies must not name a
/// principal, and resource policies must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to an access key.
    Identity,
    /// Attached to a secret.
    Resource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A list of patterns, or its complement (`NotAction`, `NotResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternSet {
    pub patterns: Vec<String>,
    pub negated: bool,
}

/// One entry of a `Principal` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Anyone,
    /// An `AWS` principal: an IAM ARN, an account id, or an access key id.
    Aws(String),
    /// A `Service`, `Federated` or `CanonicalUser` principal. Tumbler callers
    /// are never one of these, so the entry matches no caller.
    Other { kind: String, value: String },
}

/// `Principal` or `NotPrincipal` of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalSet {
    pub entries: Vec<PrincipalEntry>,
    pub negated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalSet>,
    pub actions: PatternSet,
    /// `None` when the statement names no resource, which matches every one.
    pub resources: Option<PatternSet>,
    pub conditions: Vec<Condition>,
}

impl PolicyDocument {
    /// Parses a policy of the given kind from JSON text.
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|error| PolicyError::new(format!("The policy is not valid JSON: {error}.")))?;
        Self::from_value(&value, kind)
    }

    fn from_value(value: &Value, kind: PolicyKind) -> Result<Self, PolicyError> {
        let Value::Object(document) = value else {
            return Err(PolicyError::new("The policy must be a JSON object."));
        };

        let mut version = None;
        let mut statements = None;
        for (field, value) in document {
            match field.as_str() {
                "Version" => version = Some(parse_version(value)?),
                "Id" => {
                    if !value.is_string() {
                        return Err(PolicyError::new("Id must be a string."));
                    }
                }
                "Statement" => statements = Some(parse_statements(value, kind)?),
                other => {
                    return Err(PolicyError::new(format!(
                        "The policy contains the unknown field '{other}'; \
                         allowed fields are Version, Id and Statement."
                    )));
                }
            }
        }

        let Some(statements) = statements else {
            return Err(PolicyError::new("The policy requires a 'Statement' field."));
        };
        Ok(PolicyDocument {
            version,
            statements,
        })
    }
}

fn parse_version(value: &Value) -> Result<String, PolicyError> {
    match value.as_str() {
        Some(version) if VERSIONS.contains(&version) => Ok(version.to_owned()),
        _ => Err(PolicyError::new(format!(
            "Version {value} is not supported; use \"2012-10-17\"."
        ))),
    }
}

fn parse_statements(value: &Value, kind: PolicyKind) -> Result<Vec<Statement>, PolicyError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        _ => {
            return Err(PolicyError::new(
                "Statement must be an object or a list of objects.",
            ));
        }
    };
    if items.is_empty() {
        return Err(PolicyError::new("Statement must not be empty."));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| parse_statement(item, kind, index + 1))
        .collect()
}

fn parse_statement(
    value: &Value,
    kind: PolicyKind,
    number: usize,
) -> Result<Statement, PolicyError> {
    let at = |message: String| PolicyError::new(format!("Statement {number}: {message}"));
    let Value::Object(fields) = value else {
        return Err(at("a statement must be a JSON object.".to_owned()));
    };

    for field in fields.keys() {
        let known = [
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ];
        if !known.contains(&field.as_str()) {
            return Err(at(format!("unknown field '{field}'.")));
        }
    }

    let sid = match fields.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return Err(at("Sid must be a string.".to_owned())),
    };

    let effect = match fields.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => {
            return Err(at(format!(
                "Effect must be \"Allow\" or \"Deny\", got \"{other}\"."
            )));
        }
        None => return Err(at("Effect is required and must be a string.".to_owned())),
    };

    let actions = exclusive_patterns(fields, "Action", "NotAction").map_err(&at)?;
    let Some(actions) = actions else {
        return Err(at("one of Action or NotAction is required.".to_owned()));
    };
    for action in &actions.patterns {
        if action != "*" && !action.contains(':') {
            return Err(at(format!(
                "action '{action}' must be of the form service:Action, such as \
                 secretsmanager:GetSecretValue."
            )));
        }
    }

    let resources = exclusive_patterns(fields, "Resource", "NotResource").map_err(&at)?;
    let principal = parse_principal_set(fields).map_err(&at)?;
    match (kind, &principal) {
        (PolicyKind::Identity, Some(_)) => {
            return Err(at(
                "an identity policy must not contain Principal or NotPrincipal.".to_owned(),
            ));
        }
        (PolicyKind::Resource, None) => {
            return Err(at(
                "a resource policy statement requires Principal or NotPrincipal.".to_owned(),
            ));
        }
        _ => {}
    }

    let conditions = match fields.get("Condition") {
        None => Vec::new(),
        Some(block) => Condition::parse_block(block).map_err(|error| at(error.message))?,
    };

    Ok(Statement {
        sid,
        effect,
        principal,
        actions,
        resources,
        conditions,
    })
}

/// Reads `positive` or `negative` (for example Action and NotAction); a
/// statement may carry at most one of the two.
fn exclusive_patterns(
    fields: &Map<String, Value>,
    positive: &str,
    negative: &str,
) -> Result<Option<PatternSet>, String> {
    match (fields.get(positive), fields.get(negative)) {
        (Some(_), Some(_)) => Err(format!(
            "{positive} and {negative} must not both be present."
        )),
        (Some(value), None) => Ok(Some(PatternSet {
            patterns: string_list(value, positive)?,
            negated: false,
        })),
        (None, Some(value)) => Ok(Some(PatternSet {
            patterns: string_list(value, negative)?,
            negated: true,
        })),
        (None, None) => Ok(None),
    }
}

/// Reads a string or a non-empty list of strings.
fn string_list(value: &Value, field: &str) -> Result<Vec<String>, String> {
    let list = match value {
        Value::String(text) => vec![text.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("{field} must contain only strings."))?,
        _ => return Err(format!("{field} must be a string or a list of strings.")),
    };
    if list.is_empty() {
        return Err(format!("{field} must not be empty."));
    }
    Ok(list)
}

fn parse_principal_set(fields: &Map<String, Value>) -> Result<Option<PrincipalSet>, String> {
    let (value, negated, field) = match (fields.get("Principal"), fields.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err("Principal and NotPrincipal must not both be present.".to_owned());
        }
        (Some(value), None) => (value, false, "Principal"),
        (None, Some(value)) => (value, true, "NotPrincipal"),
        (None, None) => return Ok(None),
    };

    let entries = match value {
        Value::String(text) if text == "*" => vec![PrincipalEntry::Anyone],
        Value::Object(map) if !map.is_empty() => {
            let mut entries = Vec::new();
            for (kind, values) in map {
                for text in string_list(values, &format!("{field}.{kind}"))? {
                    entries.push(principal_entry(kind, text)?);
                }
            }
            entries
        }
        _ => {
            return Err(format!(
                "{field} must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::123456789012:root\"}}."
            ));
        }
    };
    Ok(Some(PrincipalSet { entries, negated }))
}

fn principal_entry(kind: &str, value: String) -> Result<PrincipalEntry, String> {
    match kind {
        "AWS" if value == "*" => Ok(PrincipalEntry::Anyone),
        "AWS" => Ok(PrincipalEntry::Aws(value)),
        "Service" | "Federated" | "CanonicalUser" => Ok(PrincipalEntry::Other {
            kind: kind.to_owned(),
            value,
        }),
        other => Err(format!(
            "principal type '{other}' is not supported; use AWS, Service, Federated or \
             CanonicalUser."
        )),
    }
}

/// Matches `text` against an IAM pattern where `*` matches any run of
/// characters (including none) and `?` matches exactly one character.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| {
        if ignore_case {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };

    // Greedy matching that backtracks only to the last `*`, so the worst case
    // is O(pattern length x text length), never exponential.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len()
            && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))
        {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == '*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matching() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("prod/*", "prod/db-AbC123", true),
            ("prod/*", "dev/db", false),
            ("db-??????", "db-AbC123", true),
            ("db-??????", "db-AbC12", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            (
                "*:secret:prod/*",
                "arn:aws:secretsmanager:r:1:secret:prod/x",
                true,
            ),
            ("Prod/*", "prod/x", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(
                wildcard_match(pattern, text, false),
                expected,
                "{pattern} vs {text}"
            );
        }
        assert!(wildcard_match(
            "SecretsManager:get*",
            "secretsmanager:GetSecretValue",
            true
        ));
    }

    #[test]
    fn single_statement_object_parses() {
        let policy = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(policy.statements.len(), 1);
        assert_eq!(policy.statements[0].effect, Effect::Allow);
    }

    #[test]
    fn principal_forms_parse() {
        let policy = PolicyDocument::parse(
            r#"{"Statement":[
                {"Effect":"Allow","Principal":"*","Action":"*"},
                {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"},
                {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::1:user/a","TKIAAAAAAAAAAAAAAAAA"],"Service":"x.amazonaws.com"},"Action":"*"}
            ]}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        assert_eq!(
            policy.statements[0].principal.as_ref().unwrap().entries,
            vec![PrincipalEntry::Anyone]
        );
        assert_eq!(
            policy.statements[1].principal.as_ref().unwrap().entries,
            vec![PrincipalEntry::Anyone]
        );
        let third = policy.statements[2].principal.as_ref().unwrap();
        assert!(third.negated);
        assert_eq!(third.entries.len(), 3);
    }

    #[test]
    fn malformed_policies_are_rejected() {
        let cases = [
            ("{not json", "not valid JSON"),
            ("[]", "must be a JSON object"),
            (r#"{"Version":"2012-10-17"}"#, "requires a 'Statement'"),
            (
                r#"{"Statement":[{"Effect":"Permit","Action":"*"}]}"#,
                "Effect must be",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow"}]}"#,
                "Action or NotAction",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"x:y"}]}"#,
                "must not both",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"GetSecretValue"}]}"#,
                "service:Action",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":"*"}]}"#,
                "identity policy must not",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Bogus":1}]}"#,
                "unknown field 'Bogus'",
            ),
            (
                r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*"}}"#,
                "not supported",
            ),
            (r#"{"Statement":[]}"#, "must not be empty"),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringSorta":{"a:b":"c"}}}]}"#,
                "StringSorta",
            ),
        ];
        for (json, expected) in cases {
            let error = PolicyDocument::parse(json, PolicyKind::Identity).unwrap_err();
            assert!(
                error.message.contains(expected),
                "{json}: {}",
                error.message
            );
        }
    }

    #[test]
    fn resource_policy_requires_principal() {
        let error = PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            PolicyKind::Resource,
        )
        .unwrap_err();
        assert!(
            error.message.contains("requires Principal"),
            "{}",
            error.message
        );
    }
}
