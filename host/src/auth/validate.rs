//! Checks behind `ValidateResourcePolicy` and `BlockPublicPolicy`.

use super::policy::{Effect, PolicyDocument, PolicyKind, PrincipalEntry, Statement};

// NOTE: AWS does not document the CheckName values it returns; these names
// are Tumbler's own.
/// `CheckName` of a syntax or structure error.
pub const SYNTAX_CHECK: &str = "SYNTAX_CHECK";
/// `CheckName` of a policy that grants access to everyone.
pub const BROAD_ACCESS_CHECK: &str = "BROAD_ACCESS_CHECK";

/// One entry of `ValidationErrors` in the ValidateResourcePolicy response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub check_name: &'static str,
    pub error_message: String,
}

/// Validates a resource policy: syntax and structure first; when that passes,
/// whether it grants broad (public) access. An empty result means the policy
/// passed.
pub fn validate_policy(json: &str) -> Vec<ValidationError> {
    let policy = match PolicyDocument::parse(json, PolicyKind::Resource) {
        Ok(policy) => policy,
        Err(error) => {
            return vec![ValidationError {
                check_name: SYNTAX_CHECK,
                error_message: error.message,
            }];
        }
    };

    let mut errors = Vec::new();
    for (index, statement) in policy.statements.iter().enumerate() {
        for action in &statement.actions.patterns {
            let service = action.split(':').next().unwrap_or_default();
            if action != "*" && !service.eq_ignore_ascii_case("secretsmanager") {
                errors.push(ValidationError {
                    check_name: SYNTAX_CHECK,
                    error_message: format!(
                        "Statement {}: action '{action}' does not belong to Secrets Manager; \
                         a secret's policy can only grant secretsmanager:* actions.",
                        index + 1
                    ),
                });
            }
        }
        if grants_broad_access(statement) {
            errors.push(ValidationError {
                check_name: BROAD_ACCESS_CHECK,
                error_message: format!(
                    "Statement {}: the policy allows access to every principal ({}); \
                     name the principals or add a condition on aws:PrincipalAccount, \
                     aws:PrincipalArn or aws:SourceIp.",
                    index + 1,
                    principal_text(statement)
                ),
            });
        }
    }
    errors
}

/// Checks whether a policy document grants access to everyone. Unparseable
/// JSON is not public, because the syntax check rejects it separately.
pub fn is_public(json: &str) -> bool {
    PolicyDocument::parse(json, PolicyKind::Resource)
        .map(|policy| policy.is_public())
        .unwrap_or(false)
}

impl PolicyDocument {
    /// Checks whether any `Allow` statement applies to every principal without
    /// a condition that limits callers.
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(grants_broad_access)
    }
}

// NOTE: AWS decides public access with an automated reasoner over the whole
// policy; this check only looks at each statement's principal and conditions.
fn grants_broad_access(statement: &Statement) -> bool {
    if statement.effect != Effect::Allow {
        return false;
    }
    let Some(principal) = &statement.principal else {
        return false;
    };
    let everyone = if principal.negated {
        true
    } else {
        principal
            .entries
            .iter()
            .any(|entry| *entry == PrincipalEntry::Anyone)
    };
    everyone && !statement.conditions.iter().any(|c| c.restricts_callers())
}

fn principal_text(statement: &Statement) -> &'static str {
    match &statement.principal {
        Some(principal) if principal.negated => "NotPrincipal",
        _ => "Principal \"*\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_policy_without_condition_is_public() {
        let json = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        assert!(is_public(json));
        let errors = validate_policy(json);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].check_name, BROAD_ACCESS_CHECK);
    }

    #[test]
    fn aws_star_principal_is_public() {
        let json = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"}]}"#;
        assert!(is_public(json));
    }

    #[test]
    fn condition_on_account_is_not_public() {
        let json = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*",
            "Condition":{"StringEquals":{"aws:PrincipalAccount":"000000000000"}}}]}"#;
        assert!(!is_public(json));
        assert!(validate_policy(json).is_empty());
    }

    #[test]
    fn condition_on_transport_is_still_public() {
        let json = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*","Resource":"*",
            "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;
        assert!(is_public(json));
    }

    #[test]
    fn scoped_principal_and_deny_are_not_public() {
        let scoped = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let deny = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*"}]}"#;
        assert!(!is_public(scoped));
        assert!(!is_public(deny));
        assert!(validate_policy(scoped).is_empty());
    }

    #[test]
    fn malformed_policy_fails_syntax_check() {
        let errors = validate_policy("{not json");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].check_name, SYNTAX_CHECK);
        assert!(!is_public("{not json"));
    }

    #[test]
    fn foreign_action_fails_syntax_check() {
        let json = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"*"}]}"#;
        let errors = validate_policy(json);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].error_message.contains("s3:GetObject"));
    }
}
