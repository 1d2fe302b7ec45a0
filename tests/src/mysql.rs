//! MySQL and MariaDB accounts for rotation tests.
//!
//! Every account a test creates gets a unique name and is dropped when the
//! [`TestAccounts`] that created it goes out of scope, also when the test
//! fails.

use sqlx::mysql::{MySqlConnectOptions, MySqlDatabaseError};
use sqlx::{ConnectOptions, Connection, MySqlConnection};

/// Server error number of a rejected login (`ER_ACCESS_DENIED_ERROR`).
const ACCESS_DENIED: u16 = 1045;

/// Server error number of a user name over the length limit; such an
/// account cannot exist, so dropping it has nothing to do.
const USER_NAME_TOO_LONG: u16 = 1470;

/// Connection settings of the test server, from `TUMBLER_TEST_MYSQL_*`.
#[derive(Clone, Debug)]
pub struct MySqlServer {
    pub host: String,
    pub port: u16,
    admin_user: String,
    admin_password: String,
    pub database: String,
}

/// A `'user'@'host'` account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestAccount {
    pub user: String,
    pub host: String,
}

impl TestAccount {
    /// Returns the quoted `'user'@'host'` form for SQL.
    pub fn quoted(&self) -> String {
        format!("{}@{}", quote_string(&self.user), quote_string(&self.host))
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

impl MySqlServer {
    pub fn from_env() -> Self {
        Self {
            host: env_or("TUMBLER_TEST_MYSQL_HOST", "127.0.0.1"),
            port: env_or("TUMBLER_TEST_MYSQL_PORT", "3306")
                .parse()
                .expect("TUMBLER_TEST_MYSQL_PORT is a port number"),
            admin_user: env_or("TUMBLER_TEST_MYSQL_USER", "root"),
            admin_password: env_or("TUMBLER_TEST_MYSQL_PASSWORD", ""),
            database: env_or("TUMBLER_TEST_MYSQL_DATABASE", "test"),
        }
    }

    /// Returns the allow-list entry for this server.
    pub fn allow_host(&self) -> String {
        format!("mysql://{}:{}", self.host, self.port)
    }

    fn options(&self, user: &str, password: &str) -> MySqlConnectOptions {
        let options = MySqlConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(user)
            .disable_statement_logging();
        // sqlx sends a scrambled empty string for an empty password, which
        // the server rejects; no password at all logs in.
        if password.is_empty() {
            options
        } else {
            options.password(password)
        }
    }

    /// Connects as the administrator. Fails the test loudly when the server
    /// is missing: these tests never skip.
    pub async fn admin(&self) -> MySqlConnection {
        let options = self.options(&self.admin_user, &self.admin_password);
        match MySqlConnection::connect_with(&options).await {
            Ok(connection) => connection,
            Err(error) => panic!(
                "MariaDB is not reachable at {}:{} as {} ({}). Start it with .ci/setup-mysql, or \
                 set TUMBLER_TEST_MYSQL_HOST/PORT/USER/PASSWORD",
                self.host,
                self.port,
                self.admin_user,
                error_code(&error)
            ),
        }
    }

    /// Runs one statement as the administrator; the panic message shows the
    /// error number only, because statements carry passwords.
    pub async fn execute(&self, statement: &str) {
        self.execute_allowing(statement, &[]).await;
    }

    /// Runs one statement like [`MySqlServer::execute`] but accepts the
    /// server errors numbered in `allowed`.
    pub async fn execute_allowing(&self, statement: &str, allowed: &[u16]) {
        let mut admin = self.admin().await;
        if let Err(error) = sqlx::raw_sql(statement).execute(&mut admin).await {
            if mysql_error_number(&error).is_some_and(|number| allowed.contains(&number)) {
                return;
            }
            let verb: String = statement
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            panic!(
                "`{verb} ...` failed as the administrator: {}",
                error_code(&error)
            );
        }
        let _ = admin.close().await;
    }

    /// Starts a set of accounts that is dropped with the returned value.
    pub fn accounts(&self) -> TestAccounts {
        TestAccounts {
            server: self.clone(),
            accounts: Vec::new(),
        }
    }

    /// Returns whether `user` can log in with `password`. A rejected login
    /// (error 1045) returns false; any other failure fails the test.
    pub async fn can_login(&self, user: &str, password: &str) -> bool {
        let options = self.options(user, password);
        match MySqlConnection::connect_with(&options).await {
            Ok(connection) => {
                let _ = connection.close().await;
                true
            }
            Err(error) if mysql_error_number(&error) == Some(ACCESS_DENIED) => false,
            Err(error) => panic!(
                "login check for {user:?} failed unexpectedly: {}",
                error_code(&error)
            ),
        }
    }

    /// Returns the rows of `SHOW GRANTS FOR account`.
    pub async fn show_grants(&self, account: &TestAccount) -> Vec<String> {
        self.text_rows(&format!("SHOW GRANTS FOR {}", account.quoted()))
            .await
    }

    /// Returns the text of `SHOW CREATE USER account`.
    pub async fn show_create_user(&self, account: &TestAccount) -> String {
        let rows = self
            .text_rows(&format!("SHOW CREATE USER {}", account.quoted()))
            .await;
        rows.into_iter()
            .next()
            .expect("SHOW CREATE USER returns a row")
    }

    /// Returns the host parts of the accounts named `user`, sorted.
    pub async fn account_hosts(&self, user: &str) -> Vec<String> {
        let mut admin = self.admin().await;
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT CAST(Host AS CHAR) FROM mysql.user WHERE User = ? ORDER BY Host",
        )
        .bind(user)
        .fetch_all(&mut admin)
        .await
        .expect("read mysql.user");
        rows.into_iter().map(|(host,)| host).collect()
    }

    /// Returns the maximum user name length, the width of `mysql.user.User`.
    pub async fn user_name_limit(&self) -> usize {
        let mut admin = self.admin().await;
        let (width,): (u64,) = sqlx::query_as(
            "SELECT CAST(CHARACTER_MAXIMUM_LENGTH AS UNSIGNED) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'",
        )
        .fetch_one(&mut admin)
        .await
        .expect("read the width of mysql.user.User");
        usize::try_from(width).expect("width fits usize")
    }

    async fn text_rows(&self, statement: &str) -> Vec<String> {
        let mut admin = self.admin().await;
        let rows = sqlx::raw_sql(statement)
            .fetch_all(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("{statement} failed: {}", error_code(&error)));
        rows.iter()
            .map(|row| {
                use sqlx::Row;
                let bytes: Vec<u8> = row.try_get_unchecked(0).expect("a text column");
                String::from_utf8(bytes).expect("UTF-8 text")
            })
            .collect()
    }

    /// Returns a database secret in the AWS template shape.
    pub fn secret_json(&self, user: &str, password: &str) -> serde_json::Value {
        serde_json::json!({
            "engine": "mysql",
            "host": self.host,
            "port": self.port,
            "username": user,
            "password": password,
        })
    }
}

/// Accounts created for one test, dropped when this value is dropped.
pub struct TestAccounts {
    server: MySqlServer,
    accounts: Vec<TestAccount>,
}

impl TestAccounts {
    /// Returns `base` with a random suffix, unique across test runs.
    pub fn unique_name(base: &str) -> String {
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        format!("{base}_{suffix}")
    }

    /// Creates the account `'user'@'host'` with `password`, plus `extra`
    /// appended to `CREATE USER` (for example `REQUIRE SSL`).
    pub async fn create(
        &mut self,
        user: &str,
        host: &str,
        password: &str,
        extra: &str,
    ) -> TestAccount {
        let account = TestAccount {
            user: user.to_string(),
            host: host.to_string(),
        };
        self.track(&account);
        let statement = format!(
            "CREATE USER {} IDENTIFIED BY {} {extra}",
            account.quoted(),
            quote_string(password)
        );
        self.server.execute(&statement).await;
        account
    }

    /// Creates an administrator that may create users and grant every
    /// privilege, as the `masterarn` secret of the alternating strategy.
    pub async fn create_admin(&mut self, password: &str) -> TestAccount {
        let admin = self
            .create(&Self::unique_name("tumbler_admin"), "%", password, "")
            .await;
        let grant = format!(
            "GRANT ALL PRIVILEGES ON *.* TO {} WITH GRANT OPTION",
            admin.quoted()
        );
        self.server.execute(&grant).await;
        admin
    }

    /// Drops `account` with the others, for accounts a rotator creates.
    pub fn track(&mut self, account: &TestAccount) {
        if !self.accounts.contains(account) {
            self.accounts.push(account.clone());
        }
    }
}

impl Drop for TestAccounts {
    fn drop(&mut self) {
        if self.accounts.is_empty() {
            return;
        }
        let server = self.server.clone();
        let accounts = std::mem::take(&mut self.accounts);
        // The test's runtime may be shutting down, so the drop runs on a
        // thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build a runtime to drop test accounts");
            runtime.block_on(async {
                for account in &accounts {
                    let statement = format!("DROP USER IF EXISTS {}", account.quoted());
                    server
                        .execute_allowing(&statement, &[USER_NAME_TOO_LONG])
                        .await;
                }
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("dropping the test accounts failed");
        }
    }
}

fn mysql_error_number(error: &sqlx::Error) -> Option<u16> {
    match error {
        sqlx::Error::Database(database) => database
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(MySqlDatabaseError::number),
        _ => None,
    }
}

/// Describes a sqlx error without its message text, which for some errors
/// quotes the statement.
fn error_code(error: &sqlx::Error) -> String {
    match mysql_error_number(error) {
        Some(number) => format!("MySQL error {number}"),
        None => match error {
            sqlx::Error::Database(_) => "database error".to_string(),
            other => other.to_string(),
        },
    }
}

/// Quotes a string literal for a server whose `sql_mode` lacks
/// `NO_BACKSLASH_ESCAPES`, the default.
pub fn quote_string(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}
