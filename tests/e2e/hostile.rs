//! Careless and hostile use of the command line and the PostgreSQL rotator:
//! lost keys, mistyped settings and configuration, odd hosts and a step that
//! times out while the server still runs its statement.

use std::time::Duration;

use sqlx::Connection;
use tumbler_tests::PgServer;

use crate::support::Tumbler;

const VALUE: &str = "hostile-Stored-Value-7";

/// Returns a database secret that passes every check before setSecret. With
/// an empty allow-list the rotator contacts no server.
fn unreachable_secret(host: &str) -> String {
    serde_json::json!({
        "engine": "postgres",
        "host": host,
        "port": 5432,
        "username": "tumbler_hostile_nobody",
        "password": "hostile-Unused-Password-1",
        "dbname": "postgres",
    })
    .to_string()
}

fn write_config(tumbler: &Tumbler, toml: &str) {
    std::fs::write(tumbler.data_dir().join("tumbler.toml"), toml).expect("write tumbler.toml");
}

#[test]
fn missing_key_file_is_not_replaced() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/kept", "--secret-string", VALUE]);
    let key_file = tumbler.data_dir().join("master.key");
    std::fs::remove_file(&key_file).expect("remove the key file");

    let read = tumbler.run(&["secret", "get", "app/kept"]);
    assert!(!read.success(), "reading without the key file fails");
    assert!(read.stderr.contains("master.key"), "the error names the missing key file:\n{}", read.stderr);
    assert!(!key_file.exists(), "a read does not create a new key file next to encrypted secrets");

    let write = tumbler.run(&["secret", "create", "app/new", "--secret-string", VALUE]);
    assert!(!write.success(), "a write without the key file fails instead of using a new key");
    assert!(!key_file.exists(), "a write does not create a new key file next to encrypted secrets");
}

#[test]
fn other_master_key_cannot_write() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/first", "--secret-string", VALUE]);
    // 32 bytes of 0x01 in base64: a valid key that did not encrypt app/first.
    let other_key = [("TUMBLER_MASTER_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")];

    let create = tumbler.run_with_env(&["secret", "create", "app/second", "--secret-string", VALUE], &other_key);
    assert!(!create.success(), "create with a key that cannot open the stored secrets fails");
    let put = tumbler.run_with_env(&["secret", "put", "app/first", "--secret-string", "other-value"], &other_key);
    assert!(!put.success(), "put with a key that cannot open the stored secrets fails");
    assert_eq!(tumbler.secret_string("app/first", "AWSCURRENT"), VALUE, "AWSCURRENT stays readable");
}

#[test]
fn huge_step_timeout_does_not_panic() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/timeout", "--secret-string", &unreachable_secret("127.0.0.1")]);
    let before = tumbler.versions("app/timeout");
    write_config(&tumbler, "[rotation]\nstep_timeout_secs = 9223372036854775807\n");

    let run = tumbler.run(&["secret", "rotate", "app/timeout", "--rotator", "postgres"]);
    assert!(!run.success(), "the rotation fails");
    assert!(!run.stderr.contains("panicked"), "the timeout is rejected without a panic:\n{}", run.stderr);
    assert!(run.stderr.contains("step_timeout_secs"), "the error names the setting:\n{}", run.stderr);
    write_config(&tumbler, "");
    assert_eq!(tumbler.versions("app/timeout"), before, "no AWSPENDING version is left behind");
}

#[test]
fn invalid_setting_is_not_stored() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/setting", "--secret-string", &unreachable_secret("127.0.0.1")]);

    let stderr = tumbler.fails(&["secret", "rotate", "app/setting", "--rotator", "postgres", "--setting", "password-length=abc"]);
    assert!(stderr.contains("password-length"), "the error names the setting:\n{stderr}");
    let description = tumbler.describe("app/setting");
    assert_ne!(description["RotationEnabled"], serde_json::json!(true), "rotation stays off");
    assert!(description.get("RotationLambdaARN").is_none(), "no rotator is stored:\n{description}");
}

#[test]
fn misspelled_setting_is_rejected() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/typo", "--secret-string", &unreachable_secret("127.0.0.1")]);
    let before = tumbler.versions("app/typo");

    let stderr = tumbler.fails(&["secret", "rotate", "app/typo", "--rotator", "postgres", "--setting", "password-lenght=64"]);
    assert!(stderr.contains("password-lenght"), "the error names the unknown setting:\n{stderr}");
    assert_eq!(tumbler.versions("app/typo"), before, "no AWSPENDING version is created");
}

#[test]
fn ipv6_host_gets_a_usable_allow_host_hint() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/ipv6", "--secret-string", &unreachable_secret("::1")]);

    let stderr = tumbler.fails(&["secret", "rotate", "app/ipv6", "--rotator", "postgres"]);
    assert!(stderr.contains("allow-list"), "the host is denied by the allow-list:\n{stderr}");
    // `postgres://::1:5432` parses as the address ::1:5432 on the default port.
    assert!(
        stderr.contains("--allow-host postgres://[::1]:5432"),
        "the hint writes the IPv6 address in brackets:\n{stderr}"
    );
}

#[test]
fn unfinished_rotation_error_names_its_token() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/unfinished", "--secret-string", &unreachable_secret("127.0.0.1")]);
    tumbler.fails(&["secret", "rotate", "app/unfinished", "--rotator", "postgres"]);
    let pending = tumbler.version_with("app/unfinished", "AWSPENDING").expect("the failed rotation left AWSPENDING");

    let stderr = tumbler.fails(&["secret", "rotate", "app/unfinished"]);
    assert!(stderr.contains("A previous rotation isn't complete"), "error:\n{stderr}");
    assert!(stderr.contains(&pending), "the error names the token that resumes it:\n{stderr}");
}

#[tokio::test]
async fn allow_list_spellings_match_or_are_rejected() {
    let server = PgServer::from_env();
    for entry in [
        format!("postgresql://{}:{}", server.host, server.port),
        format!("postgres://[::ffff:{}]:{}", server.host, server.port),
    ] {
        let password = "spelling-Password-1";
        let role = server.create_role("spelling_user", password).await;
        let tumbler = Tumbler::new();
        tumbler.ok(&["secret", "create", "app/spelling", "--secret-string", &server.secret_json(&role.name, password)]);

        let run = tumbler.run(&["secret", "rotate", "app/spelling", "--rotator", "postgres", "--allow-host", &entry]);
        server.drop_role(&role).await;
        assert!(
            !run.stderr.contains("not on the rotator's allow-list"),
            "{entry} is either rejected when parsed or matches the host:\n{}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn missing_database_is_named_in_the_error() {
    let server = PgServer::from_env();
    let password = "nodb-Password-1";
    let role = server.create_role("nodb_user", password).await;
    let tumbler = Tumbler::new();
    let secret = serde_json::json!({
        "engine": "postgres",
        "host": server.host,
        "port": server.port,
        "username": role.name,
        "password": password,
        "dbname": "tumbler_no_such_database",
    })
    .to_string();
    tumbler.ok(&["secret", "create", "app/nodb", "--secret-string", &secret]);

    let run = tumbler.run(&["secret", "rotate", "app/nodb", "--rotator", "postgres", "--allow-host", &server.allow_host()]);
    server.drop_role(&role).await;
    assert!(!run.success(), "the rotation fails");
    assert!(
        run.stderr.contains("tumbler_no_such_database"),
        "the error names the missing database, not a rejected password:\n{}",
        run.stderr
    );
}

#[tokio::test]
async fn timed_out_step_leaves_the_password_unchanged() {
    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;
    let password = "locked-Password-1";
    let role = server.create_role("locked_user", password).await;
    let tumbler = Tumbler::new();
    write_config(&tumbler, "[rotation]\nstep_timeout_secs = 2\nmax_attempts = 1\n");
    tumbler.ok(&["secret", "create", "app/locked", "--secret-string", &server.secret_json(&role.name, password)]);

    // An open transaction that alters the role holds the row lock that the
    // rotator's ALTER ROLE waits for. The server-side statement_timeout of
    // 15 s outlasts the 2 s step, so the statement is still queued when the
    // step gives up.
    let mut admin = server.admin().await;
    let mut transaction = admin.begin().await.expect("begin the admin transaction");
    let statement = format!("ALTER ROLE {} CONNECTION LIMIT 50", tumbler_tests::postgres::quote_ident(&role.name));
    sqlx::raw_sql(&statement).execute(&mut *transaction).await.expect("lock the role");

    let run = tumbler.run(&["secret", "rotate", "app/locked", "--rotator", "postgres", "--allow-host", &server.allow_host()]);
    transaction.rollback().await.expect("release the lock");
    // A statement the server still runs finishes right after the lock is released.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let old_password_works = server.can_login(&role.name, password).await;
    server.drop_role(&role).await;
    assert!(!run.success(), "the step times out:\n{}", run.stderr);
    assert!(
        old_password_works,
        "AWSCURRENT is unchanged, so its password must still log in after the failed step"
    );
}
