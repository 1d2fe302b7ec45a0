//! The conformance harness, as a library and as `tumbler rotator test`.
//!
//! Each rotator that must pass is one `passes_harness!` line; the macro
//! creates its target (a PostgreSQL role, say), runs every check and asserts
//! each result.

use std::path::PathBuf;

use tumbler::harness::{Check, Harness, HarnessOptions, HarnessReport};
use tumbler_tests::rotators::{build_test_rotator, builtin_component};
use tumbler_tests::{KeyServer, MySqlServer, PgServer, TestAccounts};

use crate::support::Tumbler;

/// Where a rotator's component comes from.
enum Component {
    /// A rotator embedded in the host.
    Builtin(&'static str),
    /// A crate under `tests/rotators/`.
    TestRotator(&'static str),
}

impl Component {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Component::Builtin(name) => builtin_component(name),
            Component::TestRotator(member) => {
                std::fs::read(build_test_rotator(member)).expect("read the test rotator")
            }
        }
    }

    /// Writes the component to a file, as `tumbler rotator test` takes it.
    fn file(&self, directory: &tempfile::TempDir) -> PathBuf {
        match self {
            Component::TestRotator(member) => build_test_rotator(member),
            Component::Builtin(name) => {
                let path = directory.path().join(format!("{name}.wasm"));
                std::fs::write(&path, self.bytes()).expect("write the component");
                path
            }
        }
    }
}

/// Name of the admin secret that alternating-users targets store.
const ADMIN_SECRET: &str = "harness/admin";

/// What a rotator rotates.
enum Target {
    /// A fresh PostgreSQL login role on the test server.
    Postgres,
    /// A PostgreSQL login role, its `_clone`, and an admin role in the
    /// secret that `masterarn` names.
    PostgresAlternating,
    /// A fresh MariaDB / MySQL account on the test server.
    MySql,
    /// A MariaDB / MySQL account, its `_clone`, and an admin account in the
    /// secret that `masterarn` names.
    MySqlAlternating,
    /// A key-issuing HTTP server on loopback, for the `http-api` rotator.
    KeyProvider,
    /// Nothing: the rotator touches no system.
    Nothing,
}

/// A prepared target: the options for the harness, and the role to drop.
struct PreparedTarget {
    options: HarnessOptions,
    role: Option<(PgServer, tumbler_tests::TestRole)>,
    /// PostgreSQL roles to drop with the objects they own.
    pg_roles: Vec<String>,
    /// MariaDB accounts, dropped when this value is dropped.
    accounts: Option<TestAccounts>,
    /// The key server, kept running until the harness is done.
    key_server: Option<KeyServer>,
}

impl Target {
    async fn prepare(&self) -> PreparedTarget {
        match self {
            Target::Postgres => {
                let server = PgServer::from_env();
                server.assert_passwords_enforced().await;
                let password = "harness-Password-1";
                let role = server.create_role("harness_user", password).await;
                let mut options = HarnessOptions::new(server.secret_json(&role.name, password));
                options.allow_hosts = vec![server.allow_host()];
                PreparedTarget {
                    options,
                    role: Some((server, role)),
                    pg_roles: Vec::new(),
                    accounts: None,
                    key_server: None,
                }
            }
            Target::PostgresAlternating => {
                let server = PgServer::from_env();
                server.assert_passwords_enforced().await;
                let password = "harness-Password-1";
                let admin_password = "harness-Admin-Password-1";
                let role = server.create_role("harness_alt", password).await;
                let admin = server.create_admin_role("harness_admin", admin_password).await;
                let mut secret: serde_json::Value =
                    serde_json::from_str(&server.secret_json(&role.name, password)).expect("secret JSON");
                secret["masterarn"] = serde_json::json!(ADMIN_SECRET);
                let mut options = HarnessOptions::new(secret.to_string());
                options.allow_hosts = vec![server.allow_host()];
                options.read_secrets = vec![(
                    ADMIN_SECRET.to_string(),
                    server.secret_json(&admin.name, admin_password),
                )];
                let clone = format!("{}_clone", role.name);
                PreparedTarget {
                    options,
                    role: None,
                    pg_roles: vec![clone, role.name, admin.name],
                    accounts: None,
                    key_server: None,
                }
            }
            Target::MySql | Target::MySqlAlternating => {
                let server = MySqlServer::from_env();
                let mut accounts = server.accounts();
                let password = "harness-Password-1";
                let user = TestAccounts::unique_name("harness_my");
                let account = accounts.create(&user, "%", password, "").await;
                let mut secret = server.secret_json(&account.user, password);
                let mut options;
                if matches!(self, Target::MySqlAlternating) {
                    let admin_password = "harness-Admin-Password-1";
                    let admin = accounts.create_admin(admin_password).await;
                    accounts.track(&tumbler_tests::TestAccount {
                        user: format!("{user}_clone"),
                        host: "%".to_string(),
                    });
                    secret["masterarn"] = serde_json::json!(ADMIN_SECRET);
                    options = HarnessOptions::new(secret.to_string());
                    options.read_secrets = vec![(
                        ADMIN_SECRET.to_string(),
                        server.secret_json(&admin.user, admin_password).to_string(),
                    )];
                } else {
                    options = HarnessOptions::new(secret.to_string());
                }
                options.allow_hosts = vec![server.allow_host()];
                PreparedTarget {
                    options,
                    role: None,
                    pg_roles: Vec::new(),
                    accounts: Some(accounts),
                    key_server: None,
                }
            }
            Target::KeyProvider => {
                let admin_key = "admin-credential-for-harness";
                let server = KeyServer::start(admin_key);
                let api_key = "sk-initial-harness";
                let key_id = server.seed_key(api_key);
                let secret = serde_json::json!({
                    "api_key": api_key,
                    "key_id": key_id,
                    "admin_key": admin_key,
                });
                let mut options = HarnessOptions::new(secret.to_string());
                let base = server.base_url();
                for (key, value) in [
                    ("mint-url", format!("{base}/keys")),
                    ("test-url", format!("{base}/whoami")),
                    ("revoke-url", format!("{base}/keys/{{key_id}}")),
                    ("key-path", "key.secret".to_string()),
                    ("key-id-path", "key.id".to_string()),
                ] {
                    options.settings.insert(key.to_string(), value);
                }
                options.allow_hosts = vec![server.allow_host()];
                PreparedTarget {
                    options,
                    role: None,
                    pg_roles: Vec::new(),
                    accounts: None,
                    key_server: Some(server),
                }
            }
            Target::Nothing => PreparedTarget {
                options: HarnessOptions::new(r#"{"username":"fixture","password":"initial-Password-1"}"#),
                role: None,
                pg_roles: Vec::new(),
                accounts: None,
                key_server: None,
            },
        }
    }
}

impl PreparedTarget {
    async fn cleanup(self) {
        if let Some((server, role)) = self.role {
            server.drop_role(&role).await;
        }
        if !self.pg_roles.is_empty() {
            let names: Vec<&str> = self.pg_roles.iter().map(String::as_str).collect();
            PgServer::from_env().drop_roles_and_objects(&names).await;
        }
        drop(self.accounts);
        drop(self.key_server);
    }
}

async fn run_harness(component: &Component, target: &Target) -> HarnessReport {
    let prepared = target.prepare().await;
    let harness = Harness::new(&component.bytes(), prepared.options.clone())
        .await
        .expect("the component loads into the harness");
    let report = harness.run().await;
    prepared.cleanup().await;
    report
}

fn assert_check(report: &HarnessReport, check: Check, passed: bool) {
    let result = report.result(check).unwrap_or_else(|| panic!("{check} ran\n{}", report.table()));
    assert_eq!(result.passed, passed, "{check}\n{}", report.table());
}

/// Defines a test that runs every harness check on a rotator that must pass
/// them all.
macro_rules! passes_harness {
    ($test:ident, $component:expr, $target:expr) => {
        #[tokio::test]
        async fn $test() {
            let report = run_harness(&$component, &$target).await;
            for check in Check::ALL {
                assert_check(&report, check, true);
            }
        }
    };
}

passes_harness!(postgres_rotator_passes_harness, Component::Builtin("postgres"), Target::Postgres);
passes_harness!(
    postgres_alternating_rotator_passes_harness,
    Component::Builtin("postgres-alternating"),
    Target::PostgresAlternating
);
passes_harness!(mysql_rotator_passes_harness, Component::Builtin("mysql"), Target::MySql);
passes_harness!(
    mysql_alternating_rotator_passes_harness,
    Component::Builtin("mysql-alternating"),
    Target::MySqlAlternating
);
passes_harness!(http_api_rotator_passes_harness, Component::Builtin("http-api"), Target::KeyProvider);

#[tokio::test]
async fn non_idempotent_rotator_fails_idempotency() {
    let report = run_harness(&Component::TestRotator("non-idempotent"), &Target::Nothing).await;
    assert_check(&report, Check::FullRotation, true);
    assert_check(&report, Check::Idempotency, false);
    let reason = &report.result(Check::Idempotency).expect("idempotency ran").reason;
    assert!(reason.contains("repeating createSecret"), "{reason}");
    assert!(!report.passed(), "{}", report.table());
}

#[tokio::test]
async fn harness_rejects_non_component_bytes() {
    let options = HarnessOptions::new("{}");
    let error = match Harness::new(b"not wasm", options).await {
        Ok(_) => panic!("the harness accepted bytes that are not a component"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("not a valid WebAssembly component"), "{error}");
}

#[tokio::test]
async fn rotator_test_passing_exits_zero() {
    let prepared = Target::Postgres.prepare().await;
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = Component::Builtin("postgres").file(&directory);
    let allow_host = prepared.options.allow_hosts[0].clone();
    let secret_string = prepared.options.secret_string.clone();
    let run = Tumbler::new().run(&[
        "rotator",
        "test",
        file.to_str().expect("UTF-8 path"),
        "--secret-string",
        &secret_string,
        "--allow-host",
        &allow_host,
    ]);
    prepared.cleanup().await;
    assert!(run.success(), "exit status {}:\n{}{}", run.status, run.stdout, run.stderr);
    for check in Check::ALL {
        let row = format!("{:<15}  PASS", check.name());
        assert!(run.stdout.contains(&row), "row {row:?} in:\n{}", run.stdout);
    }
}

#[tokio::test]
async fn rotator_test_failing_exits_nonzero() {
    let file = Component::TestRotator("non-idempotent").file(&tempfile::tempdir().expect("temporary directory"));
    let run = Tumbler::new().run(&[
        "rotator",
        "test",
        file.to_str().expect("UTF-8 path"),
        "--secret-string",
        r#"{"username":"fixture","password":"initial-Password-1"}"#,
    ]);
    assert!(!run.success(), "the command succeeded:\n{}", run.stdout);
    assert!(run.stdout.contains("idempotency      FAIL"), "{}", run.stdout);
    assert!(run.stderr.contains("does not pass the rotator conformance checks"), "{}", run.stderr);
}

#[tokio::test]
async fn rotator_test_reports_missing_file() {
    let run = Tumbler::new().run(&["rotator", "test", "/nonexistent/rotator.wasm", "--secret-string", "{}"]);
    assert!(!run.success(), "the command succeeded");
    assert!(run.stderr.contains("/nonexistent/rotator.wasm"), "{}", run.stderr);
}
