//! Failed rotation steps leave AWSCURRENT working and name the failed step.

use tumbler_tests::PgServer;

use crate::support::Tumbler;

fn current_string(tumbler: &Tumbler, secret: &str) -> String {
    tumbler.secret_string(secret, "AWSCURRENT")
}

#[tokio::test]
async fn missing_role_fails_at_set_secret() {
    let server = PgServer::from_env();
    let tumbler = Tumbler::new();
    let secret = server.secret_json("tumbler_no_such_role", "missing-Password-1");
    tumbler.ok(&["secret", "create", "app/missing", "--secret-string", &secret]);

    let run = tumbler.run(&["secret", "rotate", "app/missing", "--rotator", "postgres", "--allow-host", &server.allow_host()]);
    assert!(!run.success(), "rotation of a missing role fails");
    assert!(run.stderr.contains("failed at setSecret"), "the error names the step:\n{}", run.stderr);
    assert_eq!(current_string(&tumbler, "app/missing"), secret, "AWSCURRENT is unchanged");
}

#[tokio::test]
async fn unreachable_database_fails_at_set_secret() {
    let server = PgServer::from_env();
    let password = "down-Password-1";
    let role = server.create_role("down_user", password).await;
    let tumbler = Tumbler::new();
    // Port 1 on loopback has no listener, which is what a stopped server looks like.
    let secret = serde_json::json!({
        "engine": "postgres",
        "host": server.host,
        "port": 1,
        "username": role.name,
        "password": password,
        "dbname": server.database,
    })
    .to_string();
    tumbler.ok(&["secret", "create", "app/down", "--secret-string", &secret]);

    let allow_host = format!("postgres://{}:1", server.host);
    let run = tumbler.run(&["secret", "rotate", "app/down", "--rotator", "postgres", "--allow-host", &allow_host]);
    assert!(!run.success(), "rotation against a stopped server fails");
    assert!(run.stderr.contains("failed at setSecret"), "the error names the step:\n{}", run.stderr);
    assert!(run.stdout.contains("attempt 2"), "a transient failure is retried:\n{}", run.stdout);
    assert_eq!(current_string(&tumbler, "app/down"), secret, "AWSCURRENT is unchanged");
    assert!(server.can_login(&role.name, password).await, "the old password still works");
    server.drop_role(&role).await;
}

#[tokio::test]
async fn host_off_the_allow_list_is_denied() {
    let server = PgServer::from_env();
    let password = "deny-Password-1";
    let role = server.create_role("deny_user", password).await;
    let tumbler = Tumbler::new();
    let secret = server.secret_json(&role.name, password);
    tumbler.ok(&["secret", "create", "app/deny", "--secret-string", &secret]);

    let run = tumbler.run(&["secret", "rotate", "app/deny", "--rotator", "postgres"]);
    assert!(!run.success(), "rotation without an allow-list entry fails");
    assert!(run.stderr.contains("failed at setSecret"), "the error names the step:\n{}", run.stderr);
    assert!(run.stderr.contains("allow-list"), "the error names the allow-list:\n{}", run.stderr);
    assert!(run.stderr.contains("--allow-host"), "the error shows the fix:\n{}", run.stderr);
    assert_eq!(current_string(&tumbler, "app/deny"), secret, "AWSCURRENT is unchanged");
    assert!(server.can_login(&role.name, password).await, "the old password still works");
    server.drop_role(&role).await;
}

#[tokio::test]
async fn wildcard_entry_does_not_open_loopback() {
    let server = PgServer::from_env();
    let tumbler = Tumbler::new();
    let secret = server.secret_json("tumbler_wildcard_role", "wildcard-Password-1");
    tumbler.ok(&["secret", "create", "app/wild", "--secret-string", &secret]);

    let run = tumbler.run(&["secret", "rotate", "app/wild", "--rotator", "postgres", "--allow-host", "postgres://*:*"]);
    assert!(!run.success(), "a wildcard does not reach loopback");
    assert!(run.stderr.contains("loopback"), "the error names the loopback rule:\n{}", run.stderr);
}

#[tokio::test]
async fn unknown_rotator_stores_nothing() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/norotator", "--secret-string", "{}"]);
    let before = tumbler.versions("app/norotator");

    let stderr = tumbler.fails(&["secret", "rotate", "app/norotator", "--rotator", "no-such-rotator"]);
    assert!(stderr.contains("no-such-rotator"), "the error names the rotator:\n{stderr}");
    assert_eq!(tumbler.versions("app/norotator"), before, "no AWSPENDING version was created");
    let description = tumbler.describe("app/norotator");
    assert_ne!(description["RotationEnabled"], serde_json::json!(true), "rotation stays off");
}
