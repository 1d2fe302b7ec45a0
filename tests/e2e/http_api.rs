//! The built-in `http-api` rotator against the key server of `tumbler_tests`.

use tumbler_tests::KeyServer;

use crate::support::Tumbler;

const ADMIN_KEY: &str = "admin-credential-for-tests";

/// `--setting` arguments that point the rotator at `server`.
fn setting_args(server: &KeyServer) -> Vec<String> {
    let base = server.base_url();
    [
        format!("mint-url={base}/keys"),
        format!("test-url={base}/whoami"),
        format!("revoke-url={base}/keys/{{key_id}}"),
        "key-path=key.secret".to_string(),
        "key-id-path=key.id".to_string(),
    ]
    .into_iter()
    .flat_map(|setting| ["--setting".to_string(), setting])
    .collect()
}

/// Creates secret `name` holding a key that the server already issued.
fn create_secret(tumbler: &Tumbler, server: &KeyServer, name: &str) -> String {
    let api_key = format!("sk-initial-{}", name.replace('/', "-"));
    let key_id = server.seed_key(&api_key);
    let secret = serde_json::json!({
        "api_key": api_key,
        "key_id": key_id,
        "admin_key": ADMIN_KEY,
    })
    .to_string();
    tumbler.ok(&["secret", "create", name, "--secret-string", &secret]);
    secret
}

fn field(tumbler: &Tumbler, name: &str, stage: &str, key: &str) -> String {
    let value: serde_json::Value =
        serde_json::from_str(&tumbler.secret_string(name, stage)).expect("the secret is JSON");
    value[key].as_str().expect("the field is a string").to_string()
}

/// Runs `secret rotate NAME --rotator http-api` with the server's settings
/// and allow-list entry plus `extra` arguments.
fn rotate_args(server: &KeyServer, name: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["secret", "rotate", name, "--rotator", "http-api", "--allow-host"]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
    args.push(server.allow_host());
    args.extend(setting_args(server));
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn count_calls(server: &KeyServer, method: &str, path: &str) -> usize {
    server
        .calls()
        .iter()
        .filter(|call| call.method == method && call.path == path)
        .count()
}

#[test]
fn five_rotations_keep_two_live_keys() {
    let server = KeyServer::start(ADMIN_KEY);
    let tumbler = Tumbler::new();
    create_secret(&tumbler, &server, "app/api-key");

    let mut key_ids = vec![field(&tumbler, "app/api-key", "AWSCURRENT", "key_id")];
    for round in 1..=5 {
        let args = if round == 1 {
            rotate_args(&server, "app/api-key", &[])
        } else {
            let allow_host = server.allow_host();
            ["secret", "rotate", "app/api-key", "--allow-host", allow_host.as_str()]
                .iter()
                .map(|arg| arg.to_string())
                .collect()
        };
        tumbler.ok(&as_strs(&args));

        let current_key = field(&tumbler, "app/api-key", "AWSCURRENT", "api_key");
        let current_id = field(&tumbler, "app/api-key", "AWSCURRENT", "key_id");
        assert!(!key_ids.contains(&current_id), "round {round}: a new key id is current");
        assert!(server.accepts(&current_key), "round {round}: the provider accepts the AWSCURRENT key");
        let previous_id = field(&tumbler, "app/api-key", "AWSPREVIOUS", "key_id");
        assert_eq!(&previous_id, key_ids.last().unwrap(), "round {round}: AWSPREVIOUS holds the prior key");
        assert!(!server.is_revoked(&previous_id), "round {round}: the AWSPREVIOUS key stays live");
        if key_ids.len() >= 2 {
            let two_back = &key_ids[key_ids.len() - 2];
            assert!(server.is_revoked(two_back), "round {round}: the key from two rotations back is revoked");
        }
        assert_eq!(
            server.live_key_ids(),
            vec![previous_id.clone(), current_id.clone()],
            "round {round}: exactly the AWSPREVIOUS and AWSCURRENT keys are live"
        );
        key_ids.push(current_id);
    }
    assert_eq!(server.max_live_seen(), 2, "the provider never held more than two live keys");
    assert_eq!(count_calls(&server, "POST", "/keys"), 5, "one key minted per rotation");
}

#[test]
fn inactive_key_is_retried_until_active() {
    let server = KeyServer::start(ADMIN_KEY);
    server.set_rejections_before_active(2);
    let tumbler = Tumbler::new();
    create_secret(&tumbler, &server, "app/slow-key");

    let stdout = tumbler.ok(&as_strs(&rotate_args(&server, "app/slow-key", &[])));
    assert!(stdout.contains("not yet valid"), "the output shows the not-yet-valid retries:\n{stdout}");
    assert!(stdout.contains("attempt 3"), "testSecret succeeded on its third attempt:\n{stdout}");
    let rejected = server.calls().iter().filter(|call| call.path == "/whoami" && call.status == 401).count();
    assert_eq!(rejected, 2, "the provider rejected the new key twice");
    let current_key = field(&tumbler, "app/slow-key", "AWSCURRENT", "api_key");
    assert!(server.accepts(&current_key), "the provider accepts the new key");
}

#[test]
fn key_never_active_fails_at_deadline() {
    let server = KeyServer::start(ADMIN_KEY);
    server.set_rejections_before_active(u32::MAX);
    let tumbler = Tumbler::new();
    std::fs::write(
        tumbler.data_dir().join("tumbler.toml"),
        "[rotation]\nstep_timeout_secs = 3\ninitial_backoff_ms = 100\n",
    )
    .expect("write tumbler.toml");
    let secret = create_secret(&tumbler, &server, "app/never-key");
    let old_key = field(&tumbler, "app/never-key", "AWSCURRENT", "api_key");

    let run = tumbler.run(&as_strs(&rotate_args(&server, "app/never-key", &[])));
    assert!(!run.success(), "the rotation fails when the key never becomes active");
    assert!(run.stderr.contains("failed at testSecret"), "the error names the step:\n{}", run.stderr);
    assert!(run.stderr.contains("not yet valid"), "the error names the cause:\n{}", run.stderr);
    let attempts = server.calls().iter().filter(|call| call.path == "/whoami").count();
    assert!(attempts > 3, "not-yet-valid is retried past max_attempts until the deadline, got {attempts}");
    assert_eq!(tumbler.secret_string("app/never-key", "AWSCURRENT"), secret, "AWSCURRENT is unchanged");
    assert!(server.accepts(&old_key), "the old key still works at the provider");
}

#[test]
fn unlisted_endpoint_is_denied() {
    let server = KeyServer::start(ADMIN_KEY);
    let tumbler = Tumbler::new();
    let secret = create_secret(&tumbler, &server, "app/unlisted");
    let mut args = vec!["secret".to_string(), "rotate".to_string(), "app/unlisted".to_string()];
    args.extend(["--rotator".to_string(), "http-api".to_string()]);
    args.extend(setting_args(&server));

    let run = tumbler.run(&as_strs(&args));
    assert!(!run.success(), "a rotation without an allow-list entry fails");
    assert!(run.stderr.contains("failed at createSecret"), "the error names the step:\n{}", run.stderr);
    let origin = server.base_url();
    assert!(run.stderr.contains(&origin), "the error names the denied host {origin}:\n{}", run.stderr);
    assert!(run.stderr.contains("allow-list"), "the error names the allow-list:\n{}", run.stderr);
    assert_eq!(server.calls(), Vec::new(), "nothing reached the provider");
    assert_eq!(tumbler.secret_string("app/unlisted", "AWSCURRENT"), secret, "AWSCURRENT is unchanged");
}

#[test]
fn metadata_address_is_denied() {
    let server = KeyServer::start(ADMIN_KEY);
    let tumbler = Tumbler::new();
    let secret = create_secret(&tumbler, &server, "app/metadata");
    // The allow-list names the metadata address, and the host still refuses
    // it before opening a connection.
    let run = tumbler.run(&as_strs(&rotate_args(
        &server,
        "app/metadata",
        &[
            "--allow-host",
            "http://169.254.169.254:80",
            "--setting",
            "mint-url=http://169.254.169.254/latest/meta-data/keys",
        ],
    )));
    assert!(!run.success(), "a request to the metadata address fails");
    assert!(run.stderr.contains("169.254.169.254"), "the error names the address:\n{}", run.stderr);
    assert!(run.stderr.contains("may not reach"), "the error says why:\n{}", run.stderr);
    assert_eq!(tumbler.secret_string("app/metadata", "AWSCURRENT"), secret, "AWSCURRENT is unchanged");
}

#[test]
fn oversized_response_fails_clearly() {
    let server = KeyServer::start(ADMIN_KEY);
    let tumbler = Tumbler::new();
    let secret = create_secret(&tumbler, &server, "app/big");
    let mint_big = format!("mint-url={}/big", server.base_url());
    let run = tumbler.run(&as_strs(&rotate_args(
        &server,
        "app/big",
        &["--setting", &mint_big, "--setting", "mint-method=GET"],
    )));
    assert!(!run.success(), "a response over the cap fails the step");
    assert!(run.stderr.contains("failed at createSecret"), "the error names the step:\n{}", run.stderr);
    assert!(run.stderr.contains("exceeds the host's cap"), "the error names the cap:\n{}", run.stderr);
    assert_eq!(tumbler.secret_string("app/big", "AWSCURRENT"), secret, "AWSCURRENT is unchanged");
}

#[test]
fn provider_down_is_retried_then_fails() {
    let server = KeyServer::start(ADMIN_KEY);
    server.set_down(true);
    let tumbler = Tumbler::new();
    let secret = create_secret(&tumbler, &server, "app/down");
    let run = tumbler.run(&as_strs(&rotate_args(&server, "app/down", &["--setting", "http-retries=1"])));
    assert!(!run.success(), "a rotation against a provider that answers 503 fails");
    assert!(run.stderr.contains("failed at createSecret"), "the error names the step:\n{}", run.stderr);
    assert!(run.stderr.contains("503"), "the error names the status:\n{}", run.stderr);
    assert!(run.stdout.contains("attempt 3"), "the host retried the step:\n{}", run.stdout);
    // Three step attempts, each with one in-step retry.
    assert_eq!(count_calls(&server, "POST", "/keys"), 6, "every mint attempt reached the provider");
    assert_eq!(tumbler.secret_string("app/down", "AWSCURRENT"), secret, "AWSCURRENT is unchanged");
    assert_eq!(server.live_key_ids().len(), 1, "no key was minted");
}

#[test]
fn invalid_settings_are_rejected_at_rotate() {
    let server = KeyServer::start(ADMIN_KEY);
    let tumbler = Tumbler::new();
    create_secret(&tumbler, &server, "app/settings");
    let before = tumbler.versions("app/settings");

    let cases: [(&[&str], &str); 4] = [
        (&["--setting", "test-url=http://127.0.0.1:9/whoami"], "mint-url"),
        (&["--setting", "revoke-url=http://127.0.0.1:9/keys"], "{key_id}"),
        (&["--setting", "mint-urll=http://127.0.0.1:9/keys"], "mint-urll"),
        (&["--setting", "auth-header=Authorization Bearer {admin_key}"], "auth-header"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["secret", "rotate", "app/settings", "--rotator", "http-api"];
        if expected != "mint-url" {
            args.extend(["--setting", "mint-url=http://127.0.0.1:9/keys"]);
            args.extend(["--setting", "test-url=http://127.0.0.1:9/whoami"]);
        }
        if expected != "{key_id}" {
            args.extend(["--setting", "revoke-url=http://127.0.0.1:9/keys/{key_id}"]);
        }
        args.extend(extra);
        let stderr = tumbler.fails(&args);
        assert!(stderr.contains(expected), "the error names {expected}:\n{stderr}");
    }
    assert_eq!(tumbler.versions("app/settings"), before, "no AWSPENDING version was created");
    assert_eq!(server.calls(), Vec::new(), "nothing reached the provider");
}
