use std::collections::BTreeMap;

use super::*;
use crate::auth::policy::PolicyKind;

const ACCOUNT: &str = "000000000000";
const APP_ARN: &str = "arn:aws:iam::000000000000:user/app";
const APP_KEY: &str = "TKIAAPPAPPAPPAPPAPP1";
const PROD_DB: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbC123";
const DEV_DB: &str = "arn:aws:secretsmanager:us-east-1:000000000000:secret:dev/db-XyZ789";

const PROD_READ_ONLY: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "arn:aws:secretsmanager:*:*:secret:prod/*"
    }]
}"#;

struct Keys(BTreeMap<String, Vec<String>>);

impl ConditionKeys for Keys {
    fn values(&self, key: &str) -> Vec<String> {
        self.0
            .get(&key.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

fn no_keys() -> Keys {
    Keys(BTreeMap::new())
}

fn app() -> Principal<'static> {
    Principal {
        arn: APP_ARN,
        account: ACCOUNT,
        access_key_id: Some(APP_KEY),
    }
}

fn identity(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json, PolicyKind::Identity).unwrap()
}

fn resource(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json, PolicyKind::Resource).unwrap()
}

fn decide(
    action: &str,
    resource_arn: &str,
    identity: &[PolicyDocument],
    resource: Option<&PolicyDocument>,
    keys: &Keys,
) -> Decision {
    let request = EvaluationRequest {
        principal: app(),
        action,
        resource: resource_arn,
        keys,
    };
    let policies = Policies {
        identity,
        resource,
        is_admin: false,
    };
    evaluate(&request, &policies)
}

#[test]
fn prod_read_only_policy_table() {
    let policies = [identity(PROD_READ_ONLY)];
    let cases = [
        ("secretsmanager:GetSecretValue", PROD_DB, Decision::Allow),
        ("SecretsManager:getsecretvalue", PROD_DB, Decision::Allow),
        (
            "secretsmanager:GetSecretValue",
            DEV_DB,
            Decision::ImplicitDeny,
        ),
        (
            "secretsmanager:PutSecretValue",
            PROD_DB,
            Decision::ImplicitDeny,
        ),
        (
            "secretsmanager:DescribeSecret",
            PROD_DB,
            Decision::ImplicitDeny,
        ),
        ("secretsmanager:ListSecrets", "*", Decision::ImplicitDeny),
    ];
    for (action, arn, expected) in cases {
        assert_eq!(
            decide(action, arn, &policies, None, &no_keys()),
            expected,
            "{action} on {arn}"
        );
    }
}

#[test]
fn no_policy_denies_implicitly() {
    let decision = decide(
        "secretsmanager:GetSecretValue",
        PROD_DB,
        &[],
        None,
        &no_keys(),
    );
    assert_eq!(decision, Decision::ImplicitDeny);
}

#[test]
fn resource_policy_deny_beats_identity_allow() {
    let identity_policies = [identity(
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#,
    )];
    let deny = resource(&format!(
        r#"{{"Statement":[{{"Effect":"Deny","Principal":{{"AWS":"{APP_ARN}"}},
            "Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
    ));
    let decision = decide(
        "secretsmanager:GetSecretValue",
        PROD_DB,
        &identity_policies,
        Some(&deny),
        &no_keys(),
    );
    assert_eq!(decision, Decision::ExplicitDeny(PolicyKind::Resource));
    let other_action = decide(
        "secretsmanager:DescribeSecret",
        PROD_DB,
        &identity_policies,
        Some(&deny),
        &no_keys(),
    );
    assert_eq!(other_action, Decision::Allow);
}

#[test]
fn resource_policy_deny_beats_admin() {
    let deny = resource(
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}"#,
    );
    let request = EvaluationRequest {
        principal: app(),
        action: "secretsmanager:DeleteSecret",
        resource: PROD_DB,
        keys: &no_keys(),
    };
    let policies = Policies {
        identity: &[],
        resource: Some(&deny),
        is_admin: true,
    };
    assert_eq!(
        evaluate(&request, &policies),
        Decision::ExplicitDeny(PolicyKind::Resource)
    );
    let read = EvaluationRequest {
        action: "secretsmanager:GetSecretValue",
        ..request
    };
    assert_eq!(evaluate(&read, &policies), Decision::Allow);
}

#[test]
fn identity_deny_beats_identity_allow() {
    let policies = [identity(
        r#"{"Statement":[
            {"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"},
            {"Effect":"Deny","Action":"secretsmanager:Delete*","Resource":"*"}
        ]}"#,
    )];
    let decision = decide(
        "secretsmanager:DeleteSecret",
        PROD_DB,
        &policies,
        None,
        &no_keys(),
    );
    assert_eq!(decision, Decision::ExplicitDeny(PolicyKind::Identity));
}

#[test]
fn resource_policy_naming_principal_allows() {
    for principal in [
        format!("\"{APP_ARN}\""),
        format!("[\"{APP_KEY}\"]"),
        "\"*\"".to_owned(),
    ] {
        let allow = resource(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":{principal}}},
                "Action":"secretsmanager:GetSecretValue","Resource":"*"}}]}}"#
        ));
        let decision = decide(
            "secretsmanager:GetSecretValue",
            PROD_DB,
            &[],
            Some(&allow),
            &no_keys(),
        );
        assert_eq!(decision, Decision::Allow, "principal {principal}");
    }
}

#[test]
fn resource_policy_naming_account_only_delegates() {
    let allow = resource(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},
            "Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
    );
    let decision = decide(
        "secretsmanager:GetSecretValue",
        PROD_DB,
        &[],
        Some(&allow),
        &no_keys(),
    );
    assert_eq!(decision, Decision::ImplicitDeny);
}

#[test]
fn resource_policy_for_other_principal_does_not_allow() {
    let allow = resource(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/other"},
            "Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
    );
    let decision = decide(
        "secretsmanager:GetSecretValue",
        PROD_DB,
        &[],
        Some(&allow),
        &no_keys(),
    );
    assert_eq!(decision, Decision::ImplicitDeny);
}

#[test]
fn not_principal_deny_spares_named_principal() {
    let deny = resource(&format!(
        r#"{{"Statement":[{{"Effect":"Deny","NotPrincipal":{{"AWS":"{APP_ARN}"}},
            "Action":"secretsmanager:*","Resource":"*"}}]}}"#
    ));
    let allow_all = [identity(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )];
    let decision = decide(
        "secretsmanager:GetSecretValue",
        PROD_DB,
        &allow_all,
        Some(&deny),
        &no_keys(),
    );
    assert_eq!(decision, Decision::Allow);
}

#[test]
fn not_action_and_not_resource() {
    let policies = [identity(
        r#"{"Statement":[{"Effect":"Allow","NotAction":"secretsmanager:Delete*",
            "NotResource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]}"#,
    )];
    let cases = [
        ("secretsmanager:GetSecretValue", DEV_DB, Decision::Allow),
        (
            "secretsmanager:DeleteSecret",
            DEV_DB,
            Decision::ImplicitDeny,
        ),
        (
            "secretsmanager:GetSecretValue",
            PROD_DB,
            Decision::ImplicitDeny,
        ),
    ];
    for (action, arn, expected) in cases {
        assert_eq!(
            decide(action, arn, &policies, None, &no_keys()),
            expected,
            "{action} on {arn}"
        );
    }
}

#[test]
fn condition_keys_limit_allow() {
    let policies = [identity(
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*",
            "Condition":{
                "StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT","aws:ResourceTag/team":"payments"}
            }}]}"#,
    )];
    let keys = |stage: &str, team: &str| {
        Keys(BTreeMap::from([
            (
                "secretsmanager:versionstage".to_owned(),
                vec![stage.to_owned()],
            ),
            ("aws:resourcetag/team".to_owned(), vec![team.to_owned()]),
        ]))
    };
    let action = "secretsmanager:GetSecretValue";
    assert_eq!(
        decide(
            action,
            PROD_DB,
            &policies,
            None,
            &keys("AWSCURRENT", "payments")
        ),
        Decision::Allow
    );
    assert_eq!(
        decide(
            action,
            PROD_DB,
            &policies,
            None,
            &keys("AWSPREVIOUS", "payments")
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(
            action,
            PROD_DB,
            &policies,
            None,
            &keys("AWSCURRENT", "search")
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn principal_tag_must_match_resource_tag() {
    let policies = [identity(
        r#"{"Statement":[
            {"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"},
            {"Effect":"Deny","Action":"secretsmanager:*","Resource":"*",
             "Condition":{"StringNotEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}
        ]}"#,
    )];
    let keys = |resource_team: &str| {
        Keys(BTreeMap::from([
            (
                "aws:principaltag/team".to_owned(),
                vec!["payments".to_owned()],
            ),
            (
                "aws:resourcetag/team".to_owned(),
                vec![resource_team.to_owned()],
            ),
        ]))
    };
    let action = "secretsmanager:GetSecretValue";
    assert_eq!(
        decide(action, PROD_DB, &policies, None, &keys("payments")),
        Decision::Allow
    );
    assert_eq!(
        decide(action, PROD_DB, &policies, None, &keys("search")),
        Decision::ExplicitDeny(PolicyKind::Identity)
    );
}

#[test]
fn resource_pattern_with_policy_variable() {
    let policies = [identity(
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
            "Resource":"arn:aws:secretsmanager:*:*:secret:${aws:PrincipalTag/env}/*"}]}"#,
    )];
    let keys = Keys(BTreeMap::from([(
        "aws:principaltag/env".to_owned(),
        vec!["prod".to_owned()],
    )]));
    let action = "secretsmanager:GetSecretValue";
    assert_eq!(
        decide(action, PROD_DB, &policies, None, &keys),
        Decision::Allow
    );
    assert_eq!(
        decide(action, DEV_DB, &policies, None, &keys),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(action, PROD_DB, &policies, None, &no_keys()),
        Decision::ImplicitDeny
    );
}

#[test]
fn denial_messages_follow_aws_form() {
    let action = "secretsmanager:GetSecretValue";
    assert_eq!(
        denial_message(APP_ARN, action, DEV_DB, Decision::ImplicitDeny),
        format!(
            "User: {APP_ARN} is not authorized to perform: {action} on resource: {DEV_DB} \
             because no identity-based policy allows the {action} action"
        )
    );
    assert_eq!(
        denial_message(
            APP_ARN,
            action,
            DEV_DB,
            Decision::ExplicitDeny(PolicyKind::Resource)
        ),
        format!(
            "User: {APP_ARN} is not authorized to perform: {action} on resource: {DEV_DB} \
             with an explicit deny in a resource-based policy"
        )
    );
    assert_eq!(
        denial_message(
            APP_ARN,
            action,
            DEV_DB,
            Decision::ExplicitDeny(PolicyKind::Identity)
        ),
        format!(
            "User: {APP_ARN} is not authorized to perform: {action} on resource: {DEV_DB} \
             with an explicit deny in an identity-based policy"
        )
    );
}
