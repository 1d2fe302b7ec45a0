//! PostgreSQL roles for rotation tests.
//!
//! Test roles join `tumbler_password_auth`, which `.ci/setup-postgres` makes
//! authenticate with a password: a server that trusts every login would
//! accept the old password after a rotation and hide a broken rotator.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

/// Group role whose members must log in with a password.
pub const PASSWORD_AUTH_GROUP: &str = "tumbler_password_auth";

/// Connection settings of the test server, from `TUMBLER_TEST_PG_*`.
#[derive(Clone, Debug)]
pub struct PgServer {
    pub host: String,
    pub port: u16,
    admin_user: String,
    admin_password: String,
    pub database: String,
}

/// A login role created for one test.
#[derive(Clone, Debug)]
pub struct TestRole {
    pub name: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

impl PgServer {
    pub fn from_env() -> Self {
        Self {
            host: env_or("TUMBLER_TEST_PG_HOST", "127.0.0.1"),
            port: env_or("TUMBLER_TEST_PG_PORT", "5432")
                .parse()
                .expect("TUMBLER_TEST_PG_PORT is a port number"),
            admin_user: env_or("TUMBLER_TEST_PG_USER", "postgres"),
            admin_password: env_or("TUMBLER_TEST_PG_PASSWORD", ""),
            database: env_or("TUMBLER_TEST_PG_DATABASE", "postgres"),
        }
    }

    /// Returns the allow-list entry for this server.
    pub fn allow_host(&self) -> String {
        format!("postgres://{}:{}", self.host, self.port)
    }

    fn options(&self, user: &str, password: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .username(user)
            .password(password)
            .database(&self.database)
            .disable_statement_logging()
    }

    /// Connects as the administrator. Fails the test loudly when the server
    /// is missing: these tests never skip.
    pub async fn admin(&self) -> PgConnection {
        let options = self.options(&self.admin_user, &self.admin_password);
        match PgConnection::connect_with(&options).await {
            Ok(connection) => connection,
            Err(error) => panic!(
                "PostgreSQL is not reachable at {}:{} as {} ({error}). Start it (see README) and run \
                 .ci/setup-postgres, or set TUMBLER_TEST_PG_HOST/PORT/USER/PASSWORD",
                self.host, self.port, self.admin_user
            ),
        }
    }

    /// Creates a login role named `base` plus a random suffix with `password`.
    pub async fn create_role(&self, base: &str, password: &str) -> TestRole {
        self.create_role_with(base, password, "").await
    }

    /// Creates a login role like [`PgServer::create_role`] that may create
    /// and alter other roles (CREATEROLE), to act as the admin user of
    /// alternating-users rotations.
    pub async fn create_admin_role(&self, base: &str, password: &str) -> TestRole {
        self.create_role_with(base, password, " CREATEROLE").await
    }

    async fn create_role_with(&self, base: &str, password: &str, attributes: &str) -> TestRole {
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let name = format!("{base}_{suffix}");
        let mut admin = self.admin().await;
        let statement = format!(
            "CREATE ROLE {} LOGIN{attributes} PASSWORD {} IN ROLE {PASSWORD_AUTH_GROUP}",
            quote_ident(&name),
            quote_literal(password)
        );
        if let Err(error) = sqlx::raw_sql(&statement).execute(&mut admin).await {
            panic!(
                "could not create test role {name:?}: {}. Run .ci/setup-postgres to create the \
                 {PASSWORD_AUTH_GROUP} group",
                error_code(&error)
            );
        }
        TestRole { name }
    }

    pub async fn drop_role(&self, role: &TestRole) {
        let mut admin = self.admin().await;
        let statement = format!("DROP ROLE IF EXISTS {}", quote_ident(&role.name));
        sqlx::raw_sql(&statement)
            .execute(&mut admin)
            .await
            .expect("drop the test role");
    }

    /// Drops each listed role that exists, after dropping the objects it owns
    /// and revoking its privileges in the test database.
    pub async fn drop_roles_and_objects(&self, names: &[&str]) {
        let mut admin = self.admin().await;
        for name in names {
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_roles WHERE rolname = $1")
                .bind(name)
                .fetch_optional(&mut admin)
                .await
                .expect("look up a test role");
            if exists.is_none() {
                continue;
            }
            let statement = format!("DROP OWNED BY {0}; DROP ROLE {0}", quote_ident(name));
            if let Err(error) = sqlx::raw_sql(&statement).execute(&mut admin).await {
                panic!("could not drop test role {name:?}: {}", error_code(&error));
            }
        }
    }

    /// Runs `sql` as the administrator; a failure fails the test.
    pub async fn admin_execute(&self, sql: &str) {
        let mut admin = self.admin().await;
        if let Err(error) = sqlx::raw_sql(sql).execute(&mut admin).await {
            panic!("administrator statement failed: {}", error_code(&error));
        }
    }

    /// Connects as `user` with `password`; a failure fails the test without
    /// showing the password.
    pub async fn connect(&self, user: &str, password: &str) -> PgConnection {
        let options = self.options(user, password);
        match PgConnection::connect_with(&options).await {
            Ok(connection) => connection,
            Err(error) => panic!("login as {user:?} failed: {}", error_code(&error)),
        }
    }

    /// Returns whether `user` can log in with `password`. Any failure other
    /// than a rejected password fails the test.
    pub async fn can_login(&self, user: &str, password: &str) -> bool {
        let options = self.options(user, password);
        match PgConnection::connect_with(&options).await {
            Ok(connection) => {
                let _ = connection.close().await;
                true
            }
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("28P01") => false,
            Err(error) => panic!("login check for {user:?} failed unexpectedly: {}", error_code(&error)),
        }
    }

    /// Checks that the server rejects a wrong password for test roles, so
    /// login assertions mean something.
    pub async fn assert_passwords_enforced(&self) {
        let role = self.create_role("tumbler_probe", "probe-password-1").await;
        let wrong_accepted = self.can_login(&role.name, "not-the-password").await;
        self.drop_role(&role).await;
        assert!(
            !wrong_accepted,
            "PostgreSQL at {}:{} accepts any password for members of {PASSWORD_AUTH_GROUP}; run \
             .ci/setup-postgres so pg_hba.conf requires scram-sha-256 for them",
            self.host, self.port
        );
    }

    /// Rotates `role`'s password from `current` to `pending` natively, with
    /// the statements the `postgres` rotator sends and in the same order. The
    /// steps are a login attempt with the new password (rejected), a login
    /// with the current one, ALTER ROLE, and a login with the new password
    /// followed by SELECT 1. The benchmarks compare rotators against this.
    pub async fn native_rotation(&self, role: &str, current: &str, pending: &str) -> anyhow::Result<()> {
        if PgConnection::connect_with(&self.options(role, pending)).await.is_ok() {
            anyhow::bail!("the new password logged in before it was set");
        }
        let mut connection = PgConnection::connect_with(&self.options(role, current)).await?;
        let statement = format!("ALTER ROLE {} WITH PASSWORD {}", quote_ident(role), quote_literal(pending));
        sqlx::raw_sql(&statement).execute(&mut connection).await?;
        connection.close().await?;

        let mut connection = PgConnection::connect_with(&self.options(role, pending)).await?;
        sqlx::query("SELECT 1").execute(&mut connection).await?;
        connection.close().await?;
        Ok(())
    }

    /// Returns a database secret in the AWS template shape.
    pub fn secret_json(&self, user: &str, password: &str) -> String {
        serde_json::json!({
            "engine": "postgres",
            "host": self.host,
            "port": self.port,
            "username": user,
            "password": password,
            "dbname": self.database,
        })
        .to_string()
    }
}

/// Describes a sqlx error without its message text, which for some errors
/// quotes the statement.
fn error_code(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(database) => {
            format!("database error {}", database.code().unwrap_or_default())
        }
        other => other.to_string(),
    }
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn quote_literal(value: &str) -> String {
    if value.contains('\\') {
        format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}
