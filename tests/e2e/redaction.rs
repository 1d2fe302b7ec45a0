//! No secret value reaches the output of a rotation, even at trace level.

use tumbler_tests::PgServer;

use crate::support::Tumbler;

#[tokio::test]
async fn trace_output_of_a_rotation_has_no_password() {
    let server = PgServer::from_env();
    let initial_password = "trace-Initial-Password-7";
    let role = server.create_role("trace_user", initial_password).await;
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/trace", "--secret-string", &server.secret_json(&role.name, initial_password)]);

    let allow_host = server.allow_host();
    let run = tumbler.run_with_env(
        &["secret", "rotate", "app/trace", "--rotator", "postgres", "--allow-host", &allow_host],
        &[("RUST_LOG", "trace")],
    );
    assert!(run.success(), "rotation succeeds (stderr has {} bytes)", run.stderr.len());
    assert!(run.stderr.contains("rotation"), "trace logging was on");

    let current: serde_json::Value =
        serde_json::from_str(&tumbler.secret_string("app/trace", "AWSCURRENT")).expect("JSON secret");
    let new_password = current["password"].as_str().expect("password").to_string();
    for (label, password) in [("initial", initial_password), ("new", new_password.as_str())] {
        assert!(!run.stdout.contains(password), "the {label} password is not in stdout");
        assert!(!run.stderr.contains(password), "the {label} password is not in the trace log");
    }
    server.drop_role(&role).await;
}
