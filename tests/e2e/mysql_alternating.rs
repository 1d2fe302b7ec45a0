//! Alternating-users rotations of MariaDB accounts through the CLI and the
//! built-in `mysql-alternating` rotator.

use std::time::{Duration, Instant};

use tumbler_tests::{MySqlServer, TestAccount, TestAccounts};

use crate::mysql::{SPECIAL_PASSWORD, field, secret_value};
use crate::support::Tumbler;

/// Bounds of the concurrent reader: logins per rotation and wall time.
const READER_MAX_LOGINS: usize = 500;
const READER_MAX_WAIT: Duration = Duration::from_secs(180);

/// A secret pair: `app/db-admin` with the administrator and `app/db` with
/// the application user, whose `masterarn` names the first.
struct Setup {
    server: MySqlServer,
    accounts: TestAccounts,
    tumbler: Tumbler,
    user: String,
}

impl Setup {
    /// Creates the administrator, the account `'<base>_<random>'@'host'` and
    /// both secrets. `extra` is added to the application secret.
    async fn new(base: &str, host: &str, password: &str, extra: serde_json::Value) -> Self {
        Self::with_user(TestAccounts::unique_name(base), host, password, extra).await
    }

    async fn with_user(user: String, host: &str, password: &str, extra: serde_json::Value) -> Self {
        let server = MySqlServer::from_env();
        let mut accounts = server.accounts();
        let admin = accounts.create_admin(SPECIAL_PASSWORD).await;
        accounts.create(&user, host, password, "").await;
        let clone = TestAccount {
            user: format!("{user}_clone"),
            host: host.to_string(),
        };
        accounts.track(&clone);

        let tumbler = Tumbler::new();
        let admin_secret = server
            .secret_json(&admin.user, SPECIAL_PASSWORD)
            .to_string();
        tumbler.ok(&[
            "secret",
            "create",
            "app/db-admin",
            "--secret-string",
            &admin_secret,
        ]);
        let mut secret = server.secret_json(&user, password);
        secret["masterarn"] = serde_json::json!("app/db-admin");
        if let serde_json::Value::Object(fields) = extra {
            for (key, value) in fields {
                secret[key] = value;
            }
        }
        tumbler.ok(&[
            "secret",
            "create",
            "app/db",
            "--secret-string",
            &secret.to_string(),
        ]);
        Self {
            server,
            accounts,
            tumbler,
            user,
        }
    }

    fn clone_user(&self) -> String {
        format!("{}_clone", self.user)
    }

    /// Returns the arguments of `secret rotate app/db`. The first rotation
    /// also configures the rotator and the read grant for the admin secret.
    fn rotate_args(&self, first: bool) -> Vec<String> {
        let mut args: Vec<String> = ["secret", "rotate", "app/db", "--allow-host"]
            .iter()
            .map(ToString::to_string)
            .collect();
        args.push(self.server.allow_host());
        if first {
            args.extend(
                [
                    "--rotator",
                    "mysql-alternating",
                    "--setting",
                    "read-secrets=app/db-admin",
                ]
                .iter()
                .map(ToString::to_string),
            );
        }
        args
    }

    fn rotate(&self, first: bool) -> String {
        let args = self.rotate_args(first);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.tumbler.ok(&args)
    }

    fn current(&self) -> (String, String) {
        let value = secret_value(&self.tumbler, "app/db", "AWSCURRENT");
        (field(&value, "username"), field(&value, "password"))
    }
}

/// Replaces the user name in a `SHOW GRANTS` row, so the rows of the two
/// users can be compared.
fn normalize_grants(rows: &[String], user: &str) -> Vec<String> {
    let mut rows: Vec<String> = rows
        .iter()
        .map(|row| row.replace(&format!("`{user}`@"), "`USER`@"))
        .map(|row| match row.find(" IDENTIFIED BY PASSWORD") {
            Some(index) => row[..index].to_string(),
            None => row,
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn mysql_alternating_rotates_five_times_under_a_reader() {
    let password = "alternate-Password-1";
    let setup = Setup::new("tumbler_alt", "%", password, serde_json::json!({})).await;
    let mut previous_user = setup.user.clone();

    for round in 1..=5 {
        let args = setup.rotate_args(round == 1);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut rotation = setup.tumbler.spawn(&args);

        // Read AWSCURRENT and log in with it for as long as the rotation runs.
        let started = Instant::now();
        let mut logins = 0;
        let status = loop {
            let (user, current_password) = setup.current();
            assert!(
                setup.server.can_login(&user, &current_password).await,
                "round {round}: AWSCURRENT ({user}) logs in during the rotation"
            );
            logins += 1;
            if let Some(status) = rotation.try_wait().expect("poll the rotation") {
                break status;
            }
            assert!(
                logins < READER_MAX_LOGINS,
                "round {round}: rotation still running after {logins} logins"
            );
            assert!(
                started.elapsed() < READER_MAX_WAIT,
                "round {round}: rotation still running"
            );
        };
        let stderr = {
            use std::io::Read;
            let mut text = String::new();
            if let Some(mut pipe) = rotation.stderr.take() {
                pipe.read_to_string(&mut text).expect("read stderr");
            }
            text
        };
        assert!(
            status.success(),
            "round {round}: rotation succeeds:\n{stderr}"
        );
        assert!(logins >= 1, "round {round}: the reader logged in");

        let (user, current_password) = setup.current();
        let expected_user = if round % 2 == 1 {
            setup.clone_user()
        } else {
            setup.user.clone()
        };
        assert_eq!(user, expected_user, "round {round}: AWSCURRENT alternates");
        assert_ne!(user, previous_user, "round {round}: the user changed");
        assert!(
            setup.server.can_login(&user, &current_password).await,
            "round {round}: the new AWSCURRENT logs in"
        );
        let (previous_secret_user, previous_password) = {
            let value = secret_value(&setup.tumbler, "app/db", "AWSPREVIOUS");
            (field(&value, "username"), field(&value, "password"))
        };
        assert_eq!(
            previous_secret_user, previous_user,
            "round {round}: AWSPREVIOUS is the other user"
        );
        assert!(
            setup
                .server
                .can_login(&previous_secret_user, &previous_password)
                .await,
            "round {round}: AWSPREVIOUS still logs in"
        );
        previous_user = user;
    }
}

#[tokio::test]
async fn mysql_alternating_grants_follow_the_current_user() {
    let password = "grants-Password-1";
    let setup = Setup::new("tumbler_grants", "%", password, serde_json::json!({})).await;
    let original = TestAccount {
        user: setup.user.clone(),
        host: "%".to_string(),
    };
    let clone = TestAccount {
        user: setup.clone_user(),
        host: "%".to_string(),
    };
    let database = setup.server.database.clone();
    setup
        .server
        .execute(&format!(
            "GRANT SELECT, INSERT ON `{database}`.* TO {}",
            original.quoted()
        ))
        .await;

    // The first rotation creates the clone. The second copies the clone's
    // grants back to the original, which must work under the administrator.
    setup.rotate(true);
    setup.rotate(false);
    assert_eq!(
        setup.current().0,
        setup.user,
        "AWSCURRENT is back on the original user"
    );
    let original_grants = setup.server.show_grants(&original).await;
    let clone_grants = setup.server.show_grants(&clone).await;
    assert_eq!(
        normalize_grants(&clone_grants, &clone.user),
        normalize_grants(&original_grants, &original.user),
        "after two rotations the grants differ only in the user name"
    );

    // A grant added to the current user reaches the clone, and a grant that
    // only the clone has is removed.
    setup
        .server
        .execute(&format!(
            "GRANT UPDATE ON `{database}`.* TO {}",
            original.quoted()
        ))
        .await;
    setup
        .server
        .execute(&format!(
            "GRANT DELETE ON `{database}`.* TO {}",
            clone.quoted()
        ))
        .await;
    setup.rotate(false);
    assert_eq!(setup.current().0, clone.user, "AWSCURRENT is on the clone");
    let original_grants = setup.server.show_grants(&original).await;
    let clone_grants = setup.server.show_grants(&clone).await;
    assert_eq!(
        normalize_grants(&clone_grants, &clone.user),
        normalize_grants(&original_grants, &original.user),
        "after the third rotation the grants differ only in the user name"
    );
    let clone_text = clone_grants.join("\n");
    assert!(
        clone_text.contains("UPDATE"),
        "the added grant was copied:\n{clone_text}"
    );
    assert!(
        !clone_text.contains("DELETE"),
        "the clone's extra grant was removed:\n{clone_text}"
    );
}

#[tokio::test]
async fn mysql_alternating_copies_require_ssl_to_the_clone() {
    // Two accounts share the user name. Logins from 127.0.0.1 match the
    // '127.0.0.1' account, which has no TLS requirement, while the secret
    // names the '%' account, which requires TLS. The server here has no TLS,
    // so the clone created with REQUIRE SSL cannot log in and testSecret
    // fails after setSecret made the copy.
    let password = "require-Password-1";
    let mut setup = Setup::new(
        "tumbler_tls",
        "%",
        password,
        serde_json::json!({"host_part": "%"}),
    )
    .await;
    let original = TestAccount {
        user: setup.user.clone(),
        host: "%".to_string(),
    };
    setup
        .server
        .execute(&format!("ALTER USER {} REQUIRE SSL", original.quoted()))
        .await;
    let user = setup.user.clone();
    setup
        .accounts
        .create(&user, "127.0.0.1", password, "")
        .await;

    let args = setup.rotate_args(true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = setup.tumbler.run(&args);
    assert!(!run.success(), "the clone cannot log in without TLS");
    assert!(
        run.stderr.contains("failed at testSecret"),
        "setSecret finished:\n{}",
        run.stderr
    );

    let clone = TestAccount {
        user: setup.clone_user(),
        host: "%".to_string(),
    };
    let create_user = setup.server.show_create_user(&clone).await;
    assert!(
        create_user.contains("REQUIRE SSL"),
        "the clone requires TLS: {}",
        create_user.split(" IDENTIFIED").next().unwrap_or("")
    );
    let (user, _) = setup.current();
    assert_eq!(user, setup.user, "AWSCURRENT is unchanged");
}

#[tokio::test]
async fn mysql_alternating_replaces_a_clone_tls_requirement() {
    let password = "require-none-Password-1";
    let setup = Setup::new("tumbler_tls_none", "%", password, serde_json::json!({})).await;
    setup.rotate(true);
    setup.rotate(false);
    let clone = TestAccount {
        user: setup.clone_user(),
        host: "%".to_string(),
    };
    setup
        .server
        .execute(&format!("ALTER USER {} REQUIRE SSL", clone.quoted()))
        .await;

    setup.rotate(false);

    let create_user = setup.server.show_create_user(&clone).await;
    assert!(
        !create_user.contains("REQUIRE"),
        "the clone has the original's requirement, none"
    );
    let (user, current_password) = setup.current();
    assert_eq!(user, clone.user, "AWSCURRENT is on the clone");
    assert!(
        setup.server.can_login(&user, &current_password).await,
        "the clone logs in without TLS"
    );
}

#[tokio::test]
async fn mysql_alternating_keeps_a_loopback_host_part() {
    let password = "loopback-alt-Password-1";
    let setup = Setup::new(
        "tumbler_alt_lo",
        "127.0.0.1",
        password,
        serde_json::json!({}),
    )
    .await;

    setup.rotate(true);

    let (user, current_password) = setup.current();
    assert_eq!(user, setup.clone_user(), "AWSCURRENT is on the clone");
    assert_eq!(
        setup.server.account_hosts(&user).await,
        vec!["127.0.0.1".to_string()],
        "the clone has the host part of the original"
    );
    assert!(
        setup.server.can_login(&user, &current_password).await,
        "the clone logs in"
    );
}

#[tokio::test]
async fn mysql_alternating_ambiguous_host_part_needs_the_key() {
    let password = "ambiguous-Password-1";
    let mut setup = Setup::new("tumbler_ambiguous", "%", password, serde_json::json!({})).await;
    let user = setup.user.clone();
    setup
        .accounts
        .create(&user, "127.0.0.1", password, "")
        .await;

    let args = setup.rotate_args(true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = setup.tumbler.run(&args);
    assert!(
        !run.success(),
        "two accounts for one user name are ambiguous"
    );
    assert!(
        run.stderr.contains("failed at setSecret"),
        "the error names the step:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("several accounts"),
        "the error explains why:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("host_part"),
        "the error names the key:\n{}",
        run.stderr
    );
    assert!(
        setup
            .server
            .account_hosts(&setup.clone_user())
            .await
            .is_empty(),
        "no clone was created"
    );
    assert_eq!(setup.current().0, setup.user, "AWSCURRENT is unchanged");
}

#[tokio::test]
async fn mysql_alternating_host_part_key_picks_the_account() {
    let password = "named-Password-1";
    let named = serde_json::json!({"host_part": "127.0.0.1"});
    let mut setup = Setup::new("tumbler_named", "%", password, named).await;
    let user = setup.user.clone();
    setup
        .accounts
        .create(&user, "127.0.0.1", password, "")
        .await;

    setup.rotate(true);

    let (current_user, current_password) = setup.current();
    assert_eq!(
        current_user,
        setup.clone_user(),
        "AWSCURRENT is on the clone"
    );
    assert_eq!(
        setup.server.account_hosts(&current_user).await,
        vec!["127.0.0.1".to_string()],
        "the clone has the named host part only"
    );
    assert!(
        setup
            .server
            .can_login(&current_user, &current_password)
            .await,
        "the clone logs in"
    );
}

#[tokio::test]
async fn mysql_alternating_rejects_a_too_long_user_name() {
    let server = MySqlServer::from_env();
    let limit = server.user_name_limit().await;
    let password = "long-Password-1";
    // The clone name, five characters longer, is one character over the limit.
    let mut user = TestAccounts::unique_name("tumbler_long");
    let padding = limit - "_clone".len() + 1 - user.len();
    user.push_str(&"x".repeat(padding));
    let setup = Setup::with_user(user, "%", password, serde_json::json!({})).await;

    let args = setup.rotate_args(true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = setup.tumbler.run(&args);
    assert!(!run.success(), "a clone name over the limit fails");
    assert!(
        run.stderr.contains("failed at createSecret"),
        "it fails before any change:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("at most {limit}")),
        "the error names the limit:\n{}",
        run.stderr
    );
    assert!(
        setup
            .server
            .account_hosts(&setup.clone_user())
            .await
            .is_empty(),
        "no clone was created"
    );
    assert_eq!(setup.current().0, setup.user, "AWSCURRENT is unchanged");
    assert!(
        setup.server.can_login(&setup.user, password).await,
        "the old password still works"
    );
}
