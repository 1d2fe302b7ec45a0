//! Policy evaluation in the IAM order for a principal and a resource in the
//! same account:
//!
//! 1. An explicit `Deny` in an identity policy or in the resource policy
//!    denies.
//! 2. Otherwise an administrator key is allowed.
//! 3. Otherwise an `Allow` in an identity policy, or an `Allow` in the
//!    resource policy that names the principal (or `*`), allows.
//! 4. Otherwise the request is denied implicitly.
//!
//! A resource policy that names only the account (`arn:aws:iam::<account>:root`
//! or the bare account id) delegates to identity policies, as in IAM: such an
//! `Allow` grants nothing by itself, while such a `Deny` covers every
//! principal of the account.

use super::condition::{ConditionKeys, substitute_variables};
use super::policy::{
    Effect, PatternSet, PolicyDocument, PolicyKind, PrincipalEntry, PrincipalSet, Statement,
    wildcard_match,
};

/// The caller as policies see it.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// For example `arn:aws:iam::000000000000:user/alice`.
    pub arn: &'a str,
    pub account: &'a str,
    pub access_key_id: Option<&'a str>,
}

/// One action on one resource by one principal.
#[derive(Clone, Copy)]
pub struct EvaluationRequest<'a> {
    pub principal: Principal<'a>,
    /// IAM action with service prefix, such as `secretsmanager:GetSecretValue`.
    pub action: &'a str,
    /// The secret's ARN, or `*` for actions without a resource.
    pub resource: &'a str,
    pub keys: &'a dyn ConditionKeys,
}

/// The policies that apply to a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policies<'a> {
    /// Policies attached to the caller's access key.
    pub identity: &'a [PolicyDocument],
    /// The secret's resource policy.
    pub resource: Option<&'a PolicyDocument>,
    /// Administrator keys are allowed every action that no policy denies.
    pub is_admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// No statement allows the request.
    ImplicitDeny,
    /// A `Deny` statement in a policy of this kind matches the request.
    ExplicitDeny(PolicyKind),
}

/// Relation of a statement's principal block to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PrincipalMatch {
    None,
    /// The block names the caller's account, not the caller.
    Account,
    /// The block names the caller, its key id, or everyone.
    Direct,
}

/// Evaluates `request` against `policies`.
pub fn evaluate(request: &EvaluationRequest<'_>, policies: &Policies<'_>) -> Decision {
    let identity_statements = || policies.identity.iter().flat_map(|p| p.statements.iter());
    let resource_statements = || {
        policies
            .resource
            .into_iter()
            .flat_map(|p| p.statements.iter())
    };

    let denied_by_identity =
        identity_statements().any(|s| s.effect == Effect::Deny && statement_applies(s, request));
    if denied_by_identity {
        return Decision::ExplicitDeny(PolicyKind::Identity);
    }
    let denied_by_resource = resource_statements().any(|s| {
        s.effect == Effect::Deny
            && principal_match(s.principal.as_ref(), &request.principal) != PrincipalMatch::None
            && statement_applies(s, request)
    });
    if denied_by_resource {
        return Decision::ExplicitDeny(PolicyKind::Resource);
    }

    if policies.is_admin {
        return Decision::Allow;
    }
    let allowed_by_identity =
        identity_statements().any(|s| s.effect == Effect::Allow && statement_applies(s, request));
    let allowed_by_resource = resource_statements().any(|s| {
        s.effect == Effect::Allow
            && principal_match(s.principal.as_ref(), &request.principal) == PrincipalMatch::Direct
            && statement_applies(s, request)
    });
    if allowed_by_identity || allowed_by_resource {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Builds the `AccessDeniedException` message in the form AWS uses.
pub fn denial_message(
    principal_arn: &str,
    action: &str,
    resource: &str,
    decision: Decision,
) -> String {
    let reason = match decision {
        Decision::ExplicitDeny(PolicyKind::Identity) => {
            "with an explicit deny in an identity-based policy".to_owned()
        }
        Decision::ExplicitDeny(PolicyKind::Resource) => {
            "with an explicit deny in a resource-based policy".to_owned()
        }
        Decision::ImplicitDeny | Decision::Allow => {
            format!("because no identity-based policy allows the {action} action")
        }
    };
    format!(
        "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    )
}

/// Checks whether the statement's action, resource and conditions match. The
/// caller checks the principal block.
fn statement_applies(statement: &Statement, request: &EvaluationRequest<'_>) -> bool {
    patterns_match(&statement.actions, request.action, true, None)
        && statement.resources.as_ref().is_none_or(|resources| {
            patterns_match(resources, request.resource, false, Some(request.keys))
        })
        && statement.conditions.iter().all(|c| c.holds(request.keys))
}

/// Actions compare case-insensitively, resources (ARNs) case-sensitively.
/// Resource patterns may contain policy variables, resolved from `keys`.
fn patterns_match(
    set: &PatternSet,
    value: &str,
    ignore_case: bool,
    keys: Option<&dyn ConditionKeys>,
) -> bool {
    let matched = set.patterns.iter().any(|pattern| {
        let pattern = match keys {
            Some(keys) => substitute_variables(pattern, keys),
            None => Some(pattern.clone()),
        };
        pattern.is_some_and(|pattern| wildcard_match(&pattern, value, ignore_case))
    });
    matched != set.negated
}

fn principal_match(set: Option<&PrincipalSet>, principal: &Principal<'_>) -> PrincipalMatch {
    let Some(set) = set else {
        return PrincipalMatch::None;
    };
    let best = set
        .entries
        .iter()
        .map(|entry| entry_match(entry, principal))
        .max()
        .unwrap_or(PrincipalMatch::None);
    if !set.negated {
        return best;
    }
    // NotPrincipal covers everyone the block does not name.
    if best == PrincipalMatch::None {
        PrincipalMatch::Direct
    } else {
        PrincipalMatch::None
    }
}

fn entry_match(entry: &PrincipalEntry, principal: &Principal<'_>) -> PrincipalMatch {
    let value = match entry {
        PrincipalEntry::Anyone => return PrincipalMatch::Direct,
        PrincipalEntry::Other { .. } => return PrincipalMatch::None,
        PrincipalEntry::Aws(value) => value.as_str(),
    };
    if value == principal.arn || Some(value) == principal.access_key_id {
        return PrincipalMatch::Direct;
    }
    let account_root = format!("arn:aws:iam::{}:root", principal.account);
    if value == principal.account || value == account_root {
        return PrincipalMatch::Account;
    }
    PrincipalMatch::None
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
