//! Role names that need quoting and passwords with URL and SQL metacharacters.

use tumbler_tests::PgServer;

use crate::support::Tumbler;

/// Characters that break URL-built connection strings or naive SQL quoting.
const SPECIAL_PASSWORD: &str = "p%}>@:/?#{}!'\"\\;x";

async fn rotate_and_check(server: &PgServer, base_name: &str, initial_password: &str, settings: &[&str]) {
    let role = server.create_role(base_name, initial_password).await;
    let tumbler = Tumbler::new();
    tumbler.ok(&[
        "secret",
        "create",
        "app/quoted",
        "--secret-string",
        &server.secret_json(&role.name, initial_password),
    ]);

    let allow_host = server.allow_host();
    let mut args = vec!["secret", "rotate", "app/quoted", "--rotator", "postgres", "--allow-host", &allow_host];
    for setting in settings {
        args.extend(["--setting", setting]);
    }
    tumbler.ok(&args);

    let current: serde_json::Value =
        serde_json::from_str(&tumbler.secret_string("app/quoted", "AWSCURRENT")).expect("JSON secret");
    let new_password = current["password"].as_str().expect("password");
    assert!(
        server.can_login(&role.name, new_password).await,
        "role {:?}: the new password logs in",
        role.name
    );
    assert!(
        !server.can_login(&role.name, initial_password).await,
        "role {:?}: the old password is refused",
        role.name
    );
    server.drop_role(&role).await;
}

#[tokio::test]
async fn role_with_hyphen_rotates() {
    rotate_and_check(&PgServer::from_env(), "app-user", "hyphen-Password-1", &[]).await;
}

#[tokio::test]
async fn role_with_capitals_rotates() {
    rotate_and_check(&PgServer::from_env(), "AppUser", "capital-Password-1", &[]).await;
}

#[tokio::test]
async fn role_with_double_quote_rotates() {
    rotate_and_check(&PgServer::from_env(), "odd\"name", "quote-Password-1", &[]).await;
}

#[tokio::test]
async fn special_characters_in_current_password_rotate() {
    rotate_and_check(&PgServer::from_env(), "special_current", SPECIAL_PASSWORD, &[]).await;
}

#[tokio::test]
async fn new_passwords_may_contain_every_punctuation_character() {
    // An empty exclusion list lets the generator use all 32 punctuation
    // characters; a length of 200 makes each of them likely to appear.
    let settings = ["exclude-characters=", "password-length=200"];
    rotate_and_check(&PgServer::from_env(), "special_new", SPECIAL_PASSWORD, &settings).await;
}
