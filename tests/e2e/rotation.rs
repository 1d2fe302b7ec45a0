//! Full rotations through the CLI and the built-in PostgreSQL rotator.

use tumbler_tests::PgServer;

use crate::support::Tumbler;

#[tokio::test]
async fn three_rotations_move_labels_and_passwords() {
    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;
    let initial_password = "initial-Password-1";
    let role = server.create_role("app_user", initial_password).await;
    let tumbler = Tumbler::new();
    tumbler.ok(&[
        "secret",
        "create",
        "app/db",
        "--secret-string",
        &server.secret_json(&role.name, initial_password),
    ]);

    let mut previous_password = initial_password.to_string();
    let mut previous_version = tumbler.version_with("app/db", "AWSCURRENT").expect("first version");
    for round in 1..=3 {
        let allow_host = server.allow_host();
        let mut args = vec!["secret", "rotate", "app/db", "--allow-host", &allow_host];
        if round == 1 {
            args.extend(["--rotator", "postgres"]);
        }
        let stdout = tumbler.ok(&args);
        for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
            assert!(stdout.contains(step), "round {round}: output lists {step}:\n{stdout}");
        }

        let current: serde_json::Value =
            serde_json::from_str(&tumbler.secret_string("app/db", "AWSCURRENT")).expect("JSON secret");
        let current_password = current["password"].as_str().expect("password").to_string();
        assert_ne!(current_password, previous_password, "round {round}: password changed");
        assert!(
            server.can_login(&role.name, &current_password).await,
            "round {round}: AWSCURRENT password logs in"
        );
        assert!(
            !server.can_login(&role.name, &previous_password).await,
            "round {round}: previous password is refused"
        );

        let current_version = tumbler.version_with("app/db", "AWSCURRENT").expect("AWSCURRENT");
        assert_ne!(current_version, previous_version, "round {round}: AWSCURRENT moved");
        assert_eq!(
            tumbler.version_with("app/db", "AWSPREVIOUS").as_deref(),
            Some(previous_version.as_str()),
            "round {round}: AWSPREVIOUS is on the version before"
        );
        let previous_string = tumbler.secret_string("app/db", "AWSPREVIOUS");
        assert!(
            previous_string.contains(&role.name),
            "round {round}: AWSPREVIOUS still holds the old secret"
        );
        previous_password = current_password;
        previous_version = current_version;
    }

    let description = tumbler.describe("app/db");
    assert_eq!(description["RotationEnabled"], serde_json::json!(true));
    assert!(description.get("LastRotatedDate").is_some(), "LastRotatedDate is set");
    server.drop_role(&role).await;
}

#[tokio::test]
async fn failed_rotation_resumes_with_its_token() {
    let server = PgServer::from_env();
    let password = "resume-Password-1";
    let role = server.create_role("resume_user", password).await;
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/resume", "--secret-string", &server.secret_json(&role.name, password)]);

    // Without --allow-host the rotator may not reach the server: setSecret fails.
    let failed = tumbler.run(&["secret", "rotate", "app/resume", "--rotator", "postgres"]);
    assert!(!failed.success(), "rotation without an allow-list entry fails");
    let pending = tumbler.version_with("app/resume", "AWSPENDING").expect("AWSPENDING stays for a resume");

    let allow_host = server.allow_host();
    let resumed = tumbler.ok(&[
        "secret",
        "rotate",
        "app/resume",
        "--allow-host",
        &allow_host,
        "--client-request-token",
        &pending,
    ]);
    assert!(resumed.contains("Resuming"), "second run resumes:\n{resumed}");
    assert!(resumed.contains("createSecret  done earlier"), "createSecret is not repeated:\n{resumed}");
    assert_eq!(tumbler.version_with("app/resume", "AWSCURRENT"), Some(pending));

    let current: serde_json::Value =
        serde_json::from_str(&tumbler.secret_string("app/resume", "AWSCURRENT")).expect("JSON secret");
    let new_password = current["password"].as_str().expect("password");
    assert!(server.can_login(&role.name, new_password).await, "resumed rotation's password logs in");
    server.drop_role(&role).await;
}

#[tokio::test]
async fn other_token_during_unfinished_rotation_is_rejected() {
    let server = PgServer::from_env();
    let password = "stale-Password-1";
    let role = server.create_role("stale_user", password).await;
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/stale", "--secret-string", &server.secret_json(&role.name, password)]);
    tumbler.fails(&["secret", "rotate", "app/stale", "--rotator", "postgres"]);

    let stderr = tumbler.fails(&["secret", "rotate", "app/stale", "--allow-host", &server.allow_host()]);
    assert!(
        stderr.contains("A previous rotation isn't complete"),
        "a new rotation is refused while AWSPENDING is stale:\n{stderr}"
    );
    assert!(server.can_login(&role.name, password).await, "the original password still works");
    server.drop_role(&role).await;
}
