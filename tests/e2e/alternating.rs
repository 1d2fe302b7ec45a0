//! The built-in `postgres-alternating` rotator against real PostgreSQL: users
//! alternate between a base role and its `_clone`, both keep working, and
//! objects and grants are shared through the base role.

use std::sync::Arc;

use serde_json::{Value, json};
use sqlx::Connection;
use tumbler_tests::postgres::quote_ident;
use tumbler_tests::{PgServer, TestRole};

use crate::support::Tumbler;

const APP_SECRET: &str = "app/db";
const ADMIN_SECRET: &str = "admin/db";

/// Characters that break URL-built connection strings or naive SQL quoting.
const SPECIAL_PASSWORD: &str = "p%}>@:/?#{}!'\"\\;x";

/// Upper bound on reads by the concurrent reader per rotation.
const MAX_READS_PER_ROTATION: usize = 200;

/// An app role, an admin role, a schema the app role may create objects in,
/// and a data directory holding `app/db` and `admin/db`.
struct Fixture {
    server: PgServer,
    tumbler: Arc<Tumbler>,
    base: TestRole,
    admin: TestRole,
    /// Schema named after the base role, with USAGE and CREATE granted to it.
    schema: String,
}

impl Fixture {
    async fn new(base_name: &str, app_password: &str, admin_password: &str) -> Self {
        let server = PgServer::from_env();
        server.assert_passwords_enforced().await;
        let base = server.create_role(base_name, app_password).await;
        let admin = server.create_admin_role("alt_admin", admin_password).await;
        let schema = quote_ident(&base.name);
        server
            .admin_execute(&format!(
                "CREATE SCHEMA {schema}; GRANT USAGE, CREATE ON SCHEMA {schema} TO {schema}"
            ))
            .await;

        let tumbler = Arc::new(Tumbler::new());
        let admin_json = json!({
            "engine": "postgres",
            "host": server.host,
            "port": server.port,
            "username": admin.name,
            "password": admin_password,
            "dbname": server.database,
        });
        tumbler.ok(&["secret", "create", ADMIN_SECRET, "--secret-string", &admin_json.to_string()]);
        let mut app_json: Value =
            serde_json::from_str(&server.secret_json(&base.name, app_password)).expect("JSON");
        app_json["masterarn"] = json!(ADMIN_SECRET);
        tumbler.ok(&["secret", "create", APP_SECRET, "--secret-string", &app_json.to_string()]);

        Self {
            server,
            tumbler,
            base,
            admin,
            schema,
        }
    }

    fn clone_name(&self) -> String {
        format!("{}_clone", self.base.name)
    }

    /// Rotates `app/db`, configuring the rotator and the admin grant first.
    fn rotate(&self) -> String {
        let allow_host = self.server.allow_host();
        self.tumbler.ok(&[
            "secret",
            "rotate",
            APP_SECRET,
            "--rotator",
            "postgres-alternating",
            "--setting",
            "read-secrets=admin/db",
            "--allow-host",
            &allow_host,
        ])
    }

    /// Returns the username and password stored under `stage`.
    fn credentials(&self, stage: &str) -> (String, String) {
        let value: Value =
            serde_json::from_str(&self.tumbler.secret_string(APP_SECRET, stage)).expect("JSON");
        let username = value["username"].as_str().expect("username").to_string();
        let password = value["password"].as_str().expect("password").to_string();
        (username, password)
    }

    /// Returns (SELECT, INSERT, UPDATE, DELETE) privileges of `role` on
    /// `table` in the fixture's schema.
    async fn table_privileges(&self, role: &str, table: &str) -> (bool, bool, bool, bool) {
        let mut admin = self.server.admin().await;
        let qualified = format!("{}.{}", self.schema, quote_ident(table));
        sqlx::query_as(
            "SELECT has_table_privilege($1::name, $2::text, 'SELECT'), \
             has_table_privilege($1::name, $2::text, 'INSERT'), \
             has_table_privilege($1::name, $2::text, 'UPDATE'), \
             has_table_privilege($1::name, $2::text, 'DELETE')",
        )
        .bind(role)
        .bind(&qualified)
        .fetch_one(&mut admin)
        .await
        .expect("read table privileges")
    }

    /// Counts the rows of `table` in the fixture's schema as `user`.
    async fn count_rows_as(&self, user: &str, password: &str, table: &str) -> i64 {
        let mut connection = self.server.connect(user, password).await;
        let sql = format!("SELECT count(*) FROM {}.{}", self.schema, quote_ident(table));
        let count = sqlx::query_scalar(&sql)
            .fetch_one(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("{user} reads {table}: {}", error_text(&error)));
        let _ = connection.close().await;
        count
    }

    /// Runs `sql` as `user`; a failure fails the test.
    async fn execute_as(&self, user: &str, password: &str, sql: &str) {
        let mut connection = self.server.connect(user, password).await;
        if let Err(error) = sqlx::raw_sql(sql).execute(&mut connection).await {
            panic!("statement as {user} failed: {}", error_text(&error));
        }
        let _ = connection.close().await;
    }

    async fn cleanup(self) {
        self.server
            .admin_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await;
        let clone = self.clone_name();
        self.server
            .drop_roles_and_objects(&[clone.as_str(), self.base.name.as_str(), self.admin.name.as_str()])
            .await;
    }
}

/// Describes a sqlx error by SQLSTATE and server message; test statements
/// carry no secrets.
fn error_text(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(database) => format!(
            "SQLSTATE {} {}",
            database.code().unwrap_or_default(),
            database.message()
        ),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn five_rotations_keep_previous_login() {
    let fixture = Fixture::new("alt_five", "initial-Password-1", "admin-Password-1").await;
    let clone = fixture.clone_name();
    let mut older: Option<(String, String)> = None;
    let mut previous = fixture.credentials("AWSCURRENT");

    for round in 1..=5 {
        fixture.rotate();
        let current = fixture.credentials("AWSCURRENT");
        let expected_user = if round % 2 == 1 { &clone } else { &fixture.base.name };
        assert_eq!(&current.0, expected_user, "round {round}: AWSCURRENT user");
        assert!(
            fixture.server.can_login(&current.0, &current.1).await,
            "round {round}: AWSCURRENT logs in"
        );

        let stored_previous = fixture.credentials("AWSPREVIOUS");
        assert_eq!(stored_previous.0, previous.0, "round {round}: AWSPREVIOUS user");
        assert!(
            stored_previous.1 == previous.1,
            "round {round}: AWSPREVIOUS holds the password that was current"
        );
        assert!(
            fixture.server.can_login(&previous.0, &previous.1).await,
            "round {round}: AWSPREVIOUS still logs in"
        );
        if let Some((user, password)) = &older {
            assert!(
                !fixture.server.can_login(user, password).await,
                "round {round}: the password from two rotations ago is refused"
            );
        }
        older = Some(previous);
        previous = current;
    }
    fixture.cleanup().await;
}

#[tokio::test]
async fn grants_stay_equal_on_both_users() {
    let fixture = Fixture::new("alt_grants", "initial-Password-1", "admin-Password-1").await;
    let base = fixture.base.name.clone();
    let clone = fixture.clone_name();
    let schema = fixture.schema.clone();
    let role = quote_ident(&base);
    fixture
        .server
        .admin_execute(&format!(
            "CREATE TABLE {schema}.granted (id int); GRANT SELECT, INSERT ON {schema}.granted TO {role}; \
             CREATE TABLE {schema}.not_granted (id int)"
        ))
        .await;

    for round in 1..=3 {
        if round == 2 {
            // A grant to the base user between rotations reaches the clone.
            fixture
                .server
                .admin_execute(&format!(
                    "CREATE TABLE {schema}.granted_later (id int); \
                     GRANT SELECT, UPDATE ON {schema}.granted_later TO {role}"
                ))
                .await;
        }
        fixture.rotate();
        let mut tables = vec!["granted", "not_granted"];
        if round >= 2 {
            tables.push("granted_later");
        }
        for table in tables {
            let base_privileges = fixture.table_privileges(&base, table).await;
            let clone_privileges = fixture.table_privileges(&clone, table).await;
            assert_eq!(clone_privileges, base_privileges, "round {round}: privileges on {table}");
        }
    }

    assert_eq!(
        fixture.table_privileges(&clone, "granted_later").await,
        (true, false, true, false),
        "the clone has exactly the later grant"
    );
    let (user, password) = fixture.credentials("AWSCURRENT");
    assert_eq!(user, clone, "three rotations end on the clone");
    assert_eq!(
        fixture.count_rows_as(&user, &password, "granted_later").await,
        0,
        "a clone session reads the table granted between rotations"
    );
    fixture.cleanup().await;
}

#[tokio::test]
async fn tables_created_by_either_user_are_shared() {
    let fixture = Fixture::new("alt_owner", "initial-Password-1", "admin-Password-1").await;
    let schema = fixture.schema.clone();

    fixture.rotate();
    let (clone, clone_password) = fixture.credentials("AWSCURRENT");
    assert_eq!(clone, fixture.clone_name(), "first rotation switches to the clone");
    fixture
        .execute_as(
            &clone,
            &clone_password,
            &format!("CREATE TABLE {schema}.t1 (id int); INSERT INTO {schema}.t1 VALUES (1)"),
        )
        .await;

    fixture.rotate();
    let (base, base_password) = fixture.credentials("AWSCURRENT");
    assert_eq!(base, fixture.base.name, "second rotation switches back");
    assert_eq!(
        fixture.count_rows_as(&base, &base_password, "t1").await,
        1,
        "the base user reads the clone's table"
    );
    fixture
        .execute_as(
            &base,
            &base_password,
            &format!(
                "INSERT INTO {schema}.t1 VALUES (2); CREATE TABLE {schema}.t2 (id int); \
                 INSERT INTO {schema}.t2 VALUES (1)"
            ),
        )
        .await;

    fixture.rotate();
    let (clone, clone_password) = fixture.credentials("AWSCURRENT");
    assert_eq!(
        fixture.count_rows_as(&clone, &clone_password, "t1").await,
        2,
        "the clone reads the row the base user wrote"
    );
    fixture
        .execute_as(&clone, &clone_password, &format!("INSERT INTO {schema}.t2 VALUES (2)"))
        .await;
    assert_eq!(
        fixture.count_rows_as(&clone, &clone_password, "t2").await,
        2,
        "the clone writes the base user's table"
    );
    fixture.cleanup().await;
}

#[tokio::test]
async fn reader_logs_in_throughout_rotations() {
    let fixture = Fixture::new("alt_reader", "initial-Password-1", "admin-Password-1").await;

    for round in 1..=4 {
        let tumbler = Arc::clone(&fixture.tumbler);
        let allow_host = fixture.server.allow_host();
        let rotation = tokio::task::spawn_blocking(move || {
            tumbler.run(&[
                "secret",
                "rotate",
                APP_SECRET,
                "--rotator",
                "postgres-alternating",
                "--setting",
                "read-secrets=admin/db",
                "--allow-host",
                &allow_host,
            ])
        });

        let mut reads = 0;
        loop {
            let finished = rotation.is_finished();
            let (user, password) = fixture.credentials("AWSCURRENT");
            reads += 1;
            assert!(
                fixture.server.can_login(&user, &password).await,
                "round {round}, read {reads}: AWSCURRENT read during the rotation logs in as {user}"
            );
            if finished || reads >= MAX_READS_PER_ROTATION {
                break;
            }
        }
        let run = rotation.await.expect("rotation thread");
        assert!(run.success(), "round {round}: rotation failed:\n{}", run.stderr);
    }
    fixture.cleanup().await;
}

#[tokio::test]
async fn username_over_63_bytes_fails_before_changes() {
    // The fixture appends a 9-byte suffix: 49 + 9 = 58 bytes, and the clone
    // name is 64 bytes.
    let base_name = "a".repeat(49);
    let fixture = Fixture::new(&base_name, "initial-Password-1", "admin-Password-1").await;
    let before = fixture.tumbler.versions(APP_SECRET);

    let allow_host = fixture.server.allow_host();
    let stderr = fixture.tumbler.fails(&[
        "secret",
        "rotate",
        APP_SECRET,
        "--rotator",
        "postgres-alternating",
        "--setting",
        "read-secrets=admin/db",
        "--allow-host",
        &allow_host,
    ]);
    assert!(stderr.contains("createSecret"), "createSecret fails:\n{stderr}");
    assert!(stderr.contains("63-byte limit"), "the error names the limit:\n{stderr}");
    assert_eq!(fixture.tumbler.versions(APP_SECRET), before, "versions unchanged");

    let mut admin = fixture.server.admin().await;
    let clones: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_roles WHERE rolname LIKE $1")
        .bind(format!("{}_clon%", fixture.base.name))
        .fetch_one(&mut admin)
        .await
        .expect("count clone roles");
    assert_eq!(clones, 0, "no clone role was created");
    let (user, password) = fixture.credentials("AWSCURRENT");
    assert!(fixture.server.can_login(&user, &password).await, "AWSCURRENT still logs in");
    fixture.cleanup().await;
}

#[tokio::test]
async fn ungranted_masterarn_names_the_setting() {
    let fixture = Fixture::new("alt_nogrant", "initial-Password-1", "admin-Password-1").await;
    let before = fixture.tumbler.versions(APP_SECRET);

    let allow_host = fixture.server.allow_host();
    let stderr = fixture.tumbler.fails(&[
        "secret",
        "rotate",
        APP_SECRET,
        "--rotator",
        "postgres-alternating",
        "--allow-host",
        &allow_host,
    ]);
    assert!(stderr.contains("createSecret"), "createSecret fails:\n{stderr}");
    assert!(
        stderr.contains("read-secrets=admin/db"),
        "the error names the setting to add:\n{stderr}"
    );
    assert_eq!(fixture.tumbler.versions(APP_SECRET), before, "versions unchanged");
    let (user, password) = fixture.credentials("AWSCURRENT");
    assert_eq!(user, fixture.base.name, "AWSCURRENT user unchanged");
    assert!(fixture.server.can_login(&user, &password).await, "AWSCURRENT still logs in");
    fixture.cleanup().await;
}

#[tokio::test]
async fn admin_secret_for_another_server_is_rejected() {
    let fixture = Fixture::new("alt_otherhost", "initial-Password-1", "admin-Password-1").await;
    let admin_json = json!({
        "engine": "postgres",
        "host": "localhost",
        "port": fixture.server.port,
        "username": fixture.admin.name,
        "password": "admin-Password-1",
    });
    fixture
        .tumbler
        .ok(&["secret", "put", ADMIN_SECRET, "--secret-string", &admin_json.to_string()]);

    let allow_host = fixture.server.allow_host();
    let stderr = fixture.tumbler.fails(&[
        "secret",
        "rotate",
        APP_SECRET,
        "--rotator",
        "postgres-alternating",
        "--setting",
        "read-secrets=admin/db",
        "--allow-host",
        &allow_host,
    ]);
    assert!(
        stderr.contains("must name admin credentials for the same server"),
        "the error explains the host check:\n{stderr}"
    );
    let (user, password) = fixture.credentials("AWSCURRENT");
    assert!(fixture.server.can_login(&user, &password).await, "AWSCURRENT still logs in");
    fixture.cleanup().await;
}

#[tokio::test]
async fn special_characters_in_names_and_passwords_rotate() {
    let fixture = Fixture::new("alt-Odd\"name", SPECIAL_PASSWORD, SPECIAL_PASSWORD).await;
    let (original_user, original_password) = fixture.credentials("AWSCURRENT");

    for round in 1..=2 {
        fixture.rotate();
        let (user, password) = fixture.credentials("AWSCURRENT");
        assert!(
            fixture.server.can_login(&user, &password).await,
            "round {round}: AWSCURRENT logs in as {user}"
        );
    }
    let (user, _) = fixture.credentials("AWSCURRENT");
    assert_eq!(user, original_user, "two rotations return to the base user");
    assert!(
        !fixture.server.can_login(&original_user, &original_password).await,
        "the original password is refused after the base user got a new one"
    );
    fixture.cleanup().await;
}
