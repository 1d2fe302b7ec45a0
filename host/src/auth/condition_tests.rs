use std::collections::BTreeMap;

use serde_json::json;

use super::*;

/// Request keys for tests, matched case-insensitively.
struct Keys(BTreeMap<String, Vec<String>>);

impl Keys {
    fn new(pairs: &[(&str, &[&str])]) -> Self {
        Keys(
            pairs
                .iter()
                .map(|(key, values)| {
                    (
                        key.to_ascii_lowercase(),
                        values.iter().map(|v| v.to_string()).collect(),
                    )
                })
                .collect(),
        )
    }
}

impl ConditionKeys for Keys {
    fn values(&self, key: &str) -> Vec<String> {
        self.0
            .get(&key.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

fn holds(block: serde_json::Value, keys: &Keys) -> bool {
    let conditions = Condition::parse_block(&block).unwrap();
    conditions.iter().all(|condition| condition.holds(keys))
}

#[test]
fn string_equals_on_version_stage() {
    let block = json!({"StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}});
    assert!(holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:VersionStage", &["AWSCURRENT"])])
    ));
    assert!(!holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:VersionStage", &["AWSPREVIOUS"])])
    ));
    assert!(
        !holds(block, &Keys::new(&[])),
        "absent key fails a positive operator"
    );
}

#[test]
fn key_names_are_case_insensitive() {
    let block = json!({"StringEquals": {"SecretsManager:versionstage": "AWSCURRENT"}});
    assert!(holds(
        block,
        &Keys::new(&[("secretsmanager:VersionStage", &["AWSCURRENT"])])
    ));
}

#[test]
fn string_not_equals_holds_for_absent_key() {
    let block = json!({"StringNotEquals": {"secretsmanager:VersionStage": "AWSPENDING"}});
    assert!(holds(block.clone(), &Keys::new(&[])));
    assert!(holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:VersionStage", &["AWSCURRENT"])])
    ));
    assert!(!holds(
        block,
        &Keys::new(&[("secretsmanager:VersionStage", &["AWSPENDING"])])
    ));
}

#[test]
fn string_like_on_secret_id() {
    let block = json!({"StringLike": {"secretsmanager:SecretId": ["prod/*", "shared/*"]}});
    assert!(holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:SecretId", &["shared/x"])])
    ));
    assert!(!holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:SecretId", &["dev/x"])])
    ));
    let not_like = json!({"StringNotLike": {"secretsmanager:SecretId": "prod/*"}});
    assert!(holds(
        not_like.clone(),
        &Keys::new(&[("secretsmanager:SecretId", &["dev/x"])])
    ));
    assert!(!holds(
        not_like,
        &Keys::new(&[("secretsmanager:SecretId", &["prod/x"])])
    ));
}

#[test]
fn if_exists_holds_for_absent_key() {
    let block = json!({"StringEqualsIfExists": {"secretsmanager:VersionId": "v1"}});
    assert!(holds(block.clone(), &Keys::new(&[])));
    assert!(holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:VersionId", &["v1"])])
    ));
    assert!(!holds(
        block,
        &Keys::new(&[("secretsmanager:VersionId", &["v2"])])
    ));
}

#[test]
fn resource_tag_condition() {
    let block = json!({"StringEquals": {"aws:ResourceTag/team": "payments"}});
    assert!(holds(
        block.clone(),
        &Keys::new(&[("aws:ResourceTag/team", &["payments"])])
    ));
    assert!(!holds(
        block.clone(),
        &Keys::new(&[("aws:ResourceTag/team", &["search"])])
    ));
    assert!(!holds(block, &Keys::new(&[])));
}

#[test]
fn null_operator() {
    let absent = json!({"Null": {"aws:RequestTag/owner": "true"}});
    let present = json!({"Null": {"aws:RequestTag/owner": "false"}});
    let with_tag = Keys::new(&[("aws:RequestTag/owner", &["ana"])]);
    assert!(holds(absent.clone(), &Keys::new(&[])));
    assert!(!holds(absent, &with_tag));
    assert!(holds(present.clone(), &with_tag));
    assert!(!holds(present, &Keys::new(&[])));
}

#[test]
fn bool_operator() {
    let block = json!({"Bool": {"aws:SecureTransport": true}});
    assert!(holds(
        block.clone(),
        &Keys::new(&[("aws:SecureTransport", &["true"])])
    ));
    assert!(!holds(
        block,
        &Keys::new(&[("aws:SecureTransport", &["false"])])
    ));
}

#[test]
fn for_any_value_on_list_key() {
    let block =
        json!({"ForAnyValue:StringEquals": {"secretsmanager:VersionStage": ["AWSCURRENT"]}});
    let stages = Keys::new(&[("secretsmanager:VersionStage", &["AWSPENDING", "AWSCURRENT"])]);
    assert!(holds(block.clone(), &stages));
    assert!(!holds(
        block.clone(),
        &Keys::new(&[("secretsmanager:VersionStage", &["AWSPENDING"])])
    ));
    assert!(
        !holds(block, &Keys::new(&[])),
        "ForAnyValue fails for an absent key"
    );
}

#[test]
fn for_all_values_on_list_key() {
    let block = json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}});
    assert!(holds(
        block.clone(),
        &Keys::new(&[("aws:TagKeys", &["team"])])
    ));
    assert!(holds(
        block.clone(),
        &Keys::new(&[("aws:TagKeys", &["team", "env"])])
    ));
    assert!(!holds(
        block.clone(),
        &Keys::new(&[("aws:TagKeys", &["team", "owner"])])
    ));
    assert!(
        holds(block, &Keys::new(&[])),
        "ForAllValues holds for an absent key"
    );
}

#[test]
fn for_any_value_negated() {
    let block = json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["team"]}});
    assert!(holds(
        block.clone(),
        &Keys::new(&[("aws:TagKeys", &["team", "env"])])
    ));
    assert!(!holds(block, &Keys::new(&[("aws:TagKeys", &["team"])])));
}

#[test]
fn numeric_date_and_ip_operators() {
    let numeric = json!({"NumericLessThanEquals": {"secretsmanager:RecoveryWindowInDays": 10}});
    assert!(holds(
        numeric.clone(),
        &Keys::new(&[("secretsmanager:RecoveryWindowInDays", &["7"])])
    ));
    assert!(!holds(
        numeric,
        &Keys::new(&[("secretsmanager:RecoveryWindowInDays", &["30"])])
    ));

    let date = json!({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}});
    assert!(holds(
        date.clone(),
        &Keys::new(&[("aws:CurrentTime", &["2024-05-01T12:00:00Z"])])
    ));
    assert!(!holds(
        date,
        &Keys::new(&[("aws:CurrentTime", &["2031-01-01T00:00:00Z"])])
    ));

    let ip = json!({"IpAddress": {"aws:SourceIp": ["10.1.0.0/16", "::1"]}});
    assert!(holds(
        ip.clone(),
        &Keys::new(&[("aws:SourceIp", &["10.1.2.3"])])
    ));
    assert!(holds(ip.clone(), &Keys::new(&[("aws:SourceIp", &["::1"])])));
    assert!(!holds(
        ip.clone(),
        &Keys::new(&[("aws:SourceIp", &["10.2.0.1"])])
    ));
    let not_ip = json!({"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}});
    assert!(!holds(
        not_ip,
        &Keys::new(&[("aws:SourceIp", &["127.0.0.1"])])
    ));
}

#[test]
fn invalid_operator_values_are_rejected() {
    let cases = [
        json!({"NumericEquals": {"a:b": "ten"}}),
        json!({"DateLessThan": {"a:b": "yesterday"}}),
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/40"}}),
        json!({"NullIfExists": {"a:b": "true"}}),
        json!({"StringEquals": {"a:b": []}}),
        json!({"StringEquals": "x"}),
    ];
    for block in cases {
        assert!(Condition::parse_block(&block).is_err(), "{block}");
    }
}
