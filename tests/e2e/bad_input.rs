//! Bad input gets a clear error and changes nothing.

use tumbler_tests::PgServer;

use crate::support::Tumbler;

/// AWS's limit on SecretString, in bytes.
const MAX_SECRET_BYTES: usize = 65_536;

fn rotate_fails_at_create_secret(tumbler: &Tumbler, secret: &str, expected: &str) {
    let before = tumbler.versions(secret);
    let current_before = tumbler.secret_string(secret, "AWSCURRENT");
    let server = PgServer::from_env();
    let run = tumbler.run(&["secret", "rotate", secret, "--rotator", "postgres", "--allow-host", &server.allow_host()]);
    assert!(!run.success(), "rotation of {secret} fails");
    assert!(run.stderr.contains("failed at createSecret"), "the error names the step:\n{}", run.stderr);
    assert!(run.stderr.contains(expected), "the error says {expected:?}:\n{}", run.stderr);
    assert_eq!(tumbler.versions(secret), before, "versions and labels are unchanged");
    assert_eq!(tumbler.secret_string(secret, "AWSCURRENT"), current_before, "AWSCURRENT is unchanged");
}

#[test]
fn invalid_json_secret_fails_rotation_cleanly() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/notjson", "--secret-string", "this is not json"]);
    rotate_fails_at_create_secret(&tumbler, "app/notjson", "JSON");
}

#[test]
fn missing_username_fails_rotation_cleanly() {
    let tumbler = Tumbler::new();
    let secret = r#"{"engine":"postgres","host":"127.0.0.1","password":"no-user-Password-1"}"#;
    tumbler.ok(&["secret", "create", "app/nouser", "--secret-string", secret]);
    rotate_fails_at_create_secret(&tumbler, "app/nouser", "username");
}

#[test]
fn oversized_value_is_rejected_on_create() {
    let tumbler = Tumbler::new();
    let file = tumbler.data_dir().join("big.txt");
    std::fs::write(&file, "x".repeat(MAX_SECRET_BYTES + 1)).unwrap();
    let argument = format!("file://{}", file.display());

    let stderr = tumbler.fails(&["secret", "create", "app/big", "--secret-string", &argument]);
    assert!(stderr.contains("ValidationException"), "error type:\n{stderr}");
    assert!(stderr.contains("65536"), "the error names the limit:\n{stderr}");
    assert_eq!(tumbler.ok(&["secret", "list"]).trim(), "", "no secret was created");
}

#[test]
fn oversized_value_is_rejected_on_put() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/big", "--secret-string", "small"]);
    let before = tumbler.versions("app/big");

    let exact = tumbler.data_dir().join("exact.txt");
    std::fs::write(&exact, "y".repeat(MAX_SECRET_BYTES)).unwrap();
    let too_big = tumbler.data_dir().join("big.txt");
    std::fs::write(&too_big, "x".repeat(MAX_SECRET_BYTES + 1)).unwrap();

    let stderr = tumbler.fails(&["secret", "put", "app/big", "--secret-string", &format!("file://{}", too_big.display())]);
    assert!(stderr.contains("ValidationException"), "error type:\n{stderr}");
    assert_eq!(tumbler.versions("app/big"), before, "no version was created");
    assert_eq!(tumbler.secret_string("app/big", "AWSCURRENT"), "small", "AWSCURRENT is unchanged");

    tumbler.ok(&["secret", "put", "app/big", "--secret-string", &format!("file://{}", exact.display())]);
    assert_eq!(tumbler.secret_string("app/big", "AWSCURRENT").len(), MAX_SECRET_BYTES, "65,536 bytes fit");
}

#[test]
fn unknown_secret_is_not_found() {
    let tumbler = Tumbler::new();
    for args in [
        vec!["secret", "get", "does/not/exist"],
        vec!["secret", "describe", "does/not/exist"],
        vec!["secret", "put", "does/not/exist", "--secret-string", "x"],
        vec!["secret", "rotate", "does/not/exist", "--rotator", "postgres"],
    ] {
        let stderr = tumbler.fails(&args);
        assert!(stderr.contains("ResourceNotFoundException"), "`{}`:\n{stderr}", args[1]);
        assert!(stderr.contains("tumbler secret list"), "`{}` shows the fix:\n{stderr}", args[1]);
    }
    assert_eq!(tumbler.ok(&["secret", "list"]).trim(), "", "put did not create the secret");
}

#[test]
fn invalid_name_is_rejected() {
    let tumbler = Tumbler::new();
    for name in ["bad name", "star*", "", &"n".repeat(513)] {
        let stderr = tumbler.fails(&["secret", "create", name, "--secret-string", "x"]);
        assert!(stderr.contains("ValidationException"), "name {name:?}:\n{stderr}");
    }
    assert_eq!(tumbler.ok(&["secret", "list"]).trim(), "", "nothing was created");
}

#[test]
fn duplicate_name_is_rejected() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/dup", "--secret-string", "one"]);
    let stderr = tumbler.fails(&["secret", "create", "app/dup", "--secret-string", "two"]);
    assert!(stderr.contains("ResourceExistsException"), "error type:\n{stderr}");
    assert_eq!(tumbler.secret_string("app/dup", "AWSCURRENT"), "one", "the first value is kept");
}
