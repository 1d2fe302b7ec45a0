//! Single-user rotations of MariaDB accounts through the CLI and the built-in
//! `mysql` rotator.

use tumbler_tests::{MySqlServer, TestAccounts};

use crate::support::Tumbler;

/// A password with every character that breaks URL-built connections and
/// naive quoting.
pub const SPECIAL_PASSWORD: &str = "p%}>@:/?#{}!'\"\\;x";

/// Returns the AWSCURRENT (or other stage) value as JSON.
pub fn secret_value(tumbler: &Tumbler, secret: &str, stage: &str) -> serde_json::Value {
    serde_json::from_str(&tumbler.secret_string(secret, stage)).expect("the secret is JSON")
}

pub fn field(value: &serde_json::Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("secret has a string {key}"))
        .to_string()
}

#[tokio::test]
async fn mysql_single_user_rotates_five_times() {
    let server = MySqlServer::from_env();
    let mut accounts = server.accounts();
    let user = TestAccounts::unique_name("tumbler_single");
    let initial_password = "initial-Password-1";
    accounts.create(&user, "%", initial_password, "").await;
    let tumbler = Tumbler::new();
    let secret = server.secret_json(&user, initial_password).to_string();
    tumbler.ok(&["secret", "create", "app/db", "--secret-string", &secret]);

    let allow_host = server.allow_host();
    let mut previous_password = initial_password.to_string();
    let mut previous_version = tumbler
        .version_with("app/db", "AWSCURRENT")
        .expect("first version");
    for round in 1..=5 {
        let mut args = vec!["secret", "rotate", "app/db", "--allow-host", &allow_host];
        if round == 1 {
            args.extend(["--rotator", "mysql"]);
        }
        let stdout = tumbler.ok(&args);
        for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
            assert!(
                stdout.contains(step),
                "round {round}: output lists {step}:\n{stdout}"
            );
        }

        let current = secret_value(&tumbler, "app/db", "AWSCURRENT");
        let current_password = field(&current, "password");
        assert_eq!(
            field(&current, "username"),
            user,
            "round {round}: same user"
        );
        assert_ne!(
            current_password, previous_password,
            "round {round}: password changed"
        );
        assert!(
            server.can_login(&user, &current_password).await,
            "round {round}: AWSCURRENT password logs in"
        );
        assert!(
            !server.can_login(&user, &previous_password).await,
            "round {round}: previous password is rejected"
        );
        let current_version = tumbler
            .version_with("app/db", "AWSCURRENT")
            .expect("AWSCURRENT");
        assert_ne!(
            current_version, previous_version,
            "round {round}: AWSCURRENT moved"
        );
        assert_eq!(
            tumbler.version_with("app/db", "AWSPREVIOUS").as_deref(),
            Some(previous_version.as_str()),
            "round {round}: AWSPREVIOUS is on the version before"
        );
        previous_password = current_password;
        previous_version = current_version;
    }
    assert_eq!(
        server.account_hosts(&user).await,
        vec!["%".to_string()],
        "no account was added"
    );
}

#[tokio::test]
async fn mysql_loopback_host_part_is_kept() {
    let server = MySqlServer::from_env();
    let mut accounts = server.accounts();
    let user = TestAccounts::unique_name("tumbler_loopback");
    let password = "loopback-Password-1";
    accounts.create(&user, "127.0.0.1", password, "").await;
    let tumbler = Tumbler::new();
    let secret = server.secret_json(&user, password).to_string();
    tumbler.ok(&["secret", "create", "app/db", "--secret-string", &secret]);

    tumbler.ok(&[
        "secret",
        "rotate",
        "app/db",
        "--rotator",
        "mysql",
        "--allow-host",
        &server.allow_host(),
    ]);

    let new_password = field(&secret_value(&tumbler, "app/db", "AWSCURRENT"), "password");
    assert!(
        server.can_login(&user, &new_password).await,
        "the new password logs in"
    );
    assert!(
        !server.can_login(&user, password).await,
        "the old password is rejected"
    );
    assert_eq!(
        server.account_hosts(&user).await,
        vec!["127.0.0.1".to_string()],
        "the rotator changed the 127.0.0.1 account and created no '%' account"
    );
}

#[tokio::test]
async fn mysql_special_characters_survive_rotation() {
    let server = MySqlServer::from_env();
    let mut accounts = server.accounts();
    let user = format!("{} q'u\"o`te\\s", TestAccounts::unique_name("tumbler"));
    accounts.create(&user, "%", SPECIAL_PASSWORD, "").await;
    let tumbler = Tumbler::new();
    let secret = server.secret_json(&user, SPECIAL_PASSWORD).to_string();
    tumbler.ok(&["secret", "create", "app/db", "--secret-string", &secret]);

    // Punctuation only, with nothing excluded: 512 characters drawn from the
    // 32 ASCII punctuation characters contain a quote and a backslash with
    // a probability of about 1 - 2e-7.
    let allow_host = server.allow_host();
    tumbler.ok(&[
        "secret",
        "rotate",
        "app/db",
        "--rotator",
        "mysql",
        "--allow-host",
        &allow_host,
        "--setting",
        "exclude-characters=",
        "--setting",
        "exclude-numbers=true",
        "--setting",
        "exclude-uppercase=true",
        "--setting",
        "exclude-lowercase=true",
        "--setting",
        "password-length=512",
    ]);

    let new_password = field(&secret_value(&tumbler, "app/db", "AWSCURRENT"), "password");
    assert!(
        new_password.contains('\''),
        "the new password has a single quote"
    );
    assert!(
        new_password.contains('\\'),
        "the new password has a backslash"
    );
    assert!(
        server.can_login(&user, &new_password).await,
        "the stored password logs in byte for byte"
    );
    assert!(
        !server.can_login(&user, SPECIAL_PASSWORD).await,
        "the old password is rejected"
    );
}

#[tokio::test]
async fn mysql_host_off_the_allow_list_is_denied() {
    let server = MySqlServer::from_env();
    let mut accounts = server.accounts();
    let user = TestAccounts::unique_name("tumbler_deny");
    let password = "deny-Password-1";
    accounts.create(&user, "%", password, "").await;
    let tumbler = Tumbler::new();
    let secret = server.secret_json(&user, password).to_string();
    tumbler.ok(&["secret", "create", "app/db", "--secret-string", &secret]);

    // An entry for another port does not cover the server.
    let other_port = format!("mysql://{}:{}", server.host, server.port.wrapping_add(1));
    let run = tumbler.run(&[
        "secret",
        "rotate",
        "app/db",
        "--rotator",
        "mysql",
        "--allow-host",
        &other_port,
    ]);
    assert!(!run.success(), "rotation without an allow-list entry fails");
    assert!(
        run.stderr.contains("failed at setSecret"),
        "the error names the step:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("allow-list"),
        "the error names the allow-list:\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("--allow-host {}", server.allow_host())),
        "the error shows the fix:\n{}",
        run.stderr
    );
    assert_eq!(
        tumbler.secret_string("app/db", "AWSCURRENT"),
        secret,
        "AWSCURRENT is unchanged"
    );
    assert!(
        server.can_login(&user, password).await,
        "the old password still works"
    );
}

#[tokio::test]
async fn mysql_stopped_server_is_retried_then_fails() {
    let server = MySqlServer::from_env();
    let mut accounts = server.accounts();
    let user = TestAccounts::unique_name("tumbler_down");
    let password = "down-Password-1";
    accounts.create(&user, "%", password, "").await;
    let tumbler = Tumbler::new();
    // Port 1 on loopback has no listener, which is what a stopped server
    // looks like.
    let mut value = server.secret_json(&user, password);
    value["port"] = serde_json::json!(1);
    let secret = value.to_string();
    tumbler.ok(&["secret", "create", "app/db", "--secret-string", &secret]);

    let allow_host = format!("mysql://{}:1", server.host);
    let run = tumbler.run(&[
        "secret",
        "rotate",
        "app/db",
        "--rotator",
        "mysql",
        "--allow-host",
        &allow_host,
    ]);
    assert!(!run.success(), "rotation against a stopped server fails");
    assert!(
        run.stderr.contains("failed at setSecret"),
        "the error names the step:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("attempt 2"),
        "a transient failure is retried:\n{}",
        run.stdout
    );
    assert_eq!(
        tumbler.secret_string("app/db", "AWSCURRENT"),
        secret,
        "AWSCURRENT is unchanged"
    );
    assert!(
        server.can_login(&user, password).await,
        "the old password still works"
    );
}
