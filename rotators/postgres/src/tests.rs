//! Unit tests of the rotator's logic against the SDK's native mock host.

use tumbler_sdk::mock::{MockHost, ScriptedDatabase, run_rotation, run_step};
use tumbler_sdk::secrets::{self, AWSCURRENT, AWSPENDING, AWSPREVIOUS, Selector};
use tumbler_sdk::{RotationError, SecretValue, Step};

use super::PostgresSingleUser;

const USER: &str = "app_user";
const OLD_PASSWORD: &str = "initial-Password-1";

fn secret_json(user: &str, password: &str) -> String {
    format!(
        r#"{{"engine":"postgres","host":"db.internal","port":5432,"username":"{user}","password":"{password}","dbname":"app"}}"#
    )
}

/// Installs a host with the secret `app/db` and a database on which
/// `USER` logs in with `OLD_PASSWORD`, and starts a rotation.
fn setup() -> (MockHost, ScriptedDatabase, String, String) {
    let host = MockHost::install();
    let arn = host.create_secret("app/db", &secret_json(USER, OLD_PASSWORD));
    let database = ScriptedDatabase::new().with_user(USER, OLD_PASSWORD);
    host.set_database(database.clone());
    let token = host.start_rotation(&arn);
    (host, database, arn, token)
}

fn pending_password(host: &MockHost, arn: &str, token: &str) -> String {
    let text = host
        .value(arn, &Selector::pending(token))
        .expect("AWSPENDING has a value");
    let value: tumbler_sdk::serde_json::Value =
        tumbler_sdk::serde_json::from_str(&text).expect("AWSPENDING is JSON");
    value["password"].as_str().expect("password is a string").to_string()
}

fn step(host: &MockHost, arn: &str, token: &str, step: Step) -> Result<(), RotationError> {
    run_step::<PostgresSingleUser>(&host.event(arn, token, step, &[]))
}

#[test]
fn set_secret_alters_role_with_quoted_name() {
    let (host, database, arn, token) = setup();
    step(&host, &arn, &token, Step::CreateSecret).expect("createSecret");
    step(&host, &arn, &token, Step::SetSecret).expect("setSecret");

    let statements: Vec<String> = database.statements().into_iter().map(|s| s.sql).collect();
    assert_eq!(statements.len(), 1, "one statement ran");
    assert!(
        statements[0].starts_with("ALTER ROLE \"app_user\" WITH PASSWORD '"),
        "the role name is quoted"
    );
    let password = pending_password(&host, &arn, &token);
    assert!(database.accepts(USER, &password), "the pending password logs in");
}

#[test]
fn repeated_set_secret_changes_nothing() {
    let (host, database, arn, token) = setup();
    step(&host, &arn, &token, Step::CreateSecret).expect("createSecret");
    step(&host, &arn, &token, Step::SetSecret).expect("first setSecret");
    step(&host, &arn, &token, Step::SetSecret).expect("second setSecret");

    assert_eq!(database.statements().len(), 1, "the second call ran no statement");
}

#[test]
fn full_rotation_moves_labels_and_password() {
    let (host, database, arn, token) = setup();
    let old_version = host.version_with_stage(&arn, AWSCURRENT).expect("AWSCURRENT");
    run_rotation::<PostgresSingleUser>(&host, &arn, &token, &[]).expect("rotation");

    assert_eq!(host.version_with_stage(&arn, AWSCURRENT), Some(token.clone()));
    assert_eq!(host.version_with_stage(&arn, AWSPREVIOUS), Some(old_version));
    assert_eq!(host.stages_of(&arn, &token), vec![AWSCURRENT, AWSPENDING]);
    let password = pending_password(&host, &arn, &token);
    assert!(database.accepts(USER, &password), "the new password logs in");
    assert!(!database.accepts(USER, OLD_PASSWORD), "the old password is refused");
}

#[test]
fn new_password_avoids_template_exclusions() {
    let (host, _database, arn, token) = setup();
    step(&host, &arn, &token, Step::CreateSecret).expect("createSecret");

    let password = pending_password(&host, &arn, &token);
    assert_eq!(password.chars().count(), 32);
    assert!(!password.contains([':', '/', '@', '"', '\'', '\\']), "no excluded character");
}

#[test]
fn different_pending_username_is_rejected() {
    let (host, database, arn, token) = setup();
    let other = SecretValue::Text(secret_json("other_user", "Other-Password-2"));
    secrets::put_pending(&arn, &token, &other).expect("store AWSPENDING");

    let result = step(&host, &arn, &token, Step::SetSecret);
    assert!(matches!(result, Err(RotationError::InvalidSecret(_))), "{result:?}");
    assert!(database.statements().is_empty(), "no statement ran");
}

#[test]
fn mysql_secret_is_rejected_at_create_secret() {
    let host = MockHost::install();
    let value = secret_json(USER, OLD_PASSWORD).replace("postgres", "mysql");
    let arn = host.create_secret("app/db", &value);
    let token = host.start_rotation(&arn);

    let result = step(&host, &arn, &token, Step::CreateSecret);
    assert!(matches!(result, Err(RotationError::InvalidSecret(_))), "{result:?}");
    assert_eq!(host.value(&arn, &Selector::pending(&token)), None, "no AWSPENDING value");
}

#[test]
fn rejected_logins_fail_set_secret() {
    let (host, database, arn, token) = setup();
    step(&host, &arn, &token, Step::CreateSecret).expect("createSecret");
    database.set_password(USER, "changed-elsewhere");

    let result = step(&host, &arn, &token, Step::SetSecret);
    assert!(matches!(result, Err(RotationError::Other(_))), "{result:?}");
    let logged = host.logs().iter().any(|line| line.message.contains("SQLSTATE 28P01"));
    assert!(logged, "the rejected login is logged");
}
