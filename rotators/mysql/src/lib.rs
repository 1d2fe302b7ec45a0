//! MySQL and MariaDB single-user rotator: the user in the secret changes its
//! own password, as in the AWS `SecretsManagerRDSMySQLRotationSingleUser`
//! template.
//!
//! Secret keys: `engine` (`mysql`, `aurora-mysql` or `mariadb`), `host`,
//! `port` (default 3306), `username`, `password`, and optionally `dbname`,
//! `ssl` and `host_part`. `host_part` names the host part of the account,
//! for example `10.%` for `'app'@'10.%'`. Without it the rotator reads the
//! host part from `mysql.user`, which must then list exactly one account with
//! this user name. A user that may not read `mysql.user` changes the account
//! that its login matched (`CURRENT_USER()`).
//!
//! setSecret runs `ALTER USER ... IDENTIFIED BY` on MySQL 5.7.6+ and MariaDB
//! 10.2+. When the server requires the CREATE USER privilege for that, as
//! MariaDB does even for an account's own password, and on older servers,
//! it runs `SET PASSWORD FOR ...`. The old password stops working at once.
//!
//! `createSecret` and `finishSecret` are the SDK defaults; new passwords
//! exclude ``/@"'\`` unless the `exclude-characters` setting names another
//! set.

use tumbler_sdk::mysql::{self, Account, Connection, ServerInfo, SslMode};
use tumbler_sdk::secrets::{AWSCURRENT, AWSPREVIOUS, Selector};
use tumbler_sdk::serde_json::{Map, Value};
use tumbler_sdk::{DatabaseSecret, Event, RotationError, Rotator, RotatorInfo, log};

/// Server error number of a statement that needs a privilege the account
/// lacks (`ER_SPECIFIC_ACCESS_DENIED_ERROR`).
const PRIVILEGE_MISSING: u16 = 1227;

struct MySqlSingleUser;

impl Rotator for MySqlSingleUser {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("mysql-single-user", env!("CARGO_PKG_VERSION"), &["mysql"])
    }

    fn check_secret(value: &Map<String, Value>) -> Result<(), RotationError> {
        let secret = DatabaseSecret::from_map(value.clone())?;
        mysql::check_engine(&secret)?;
        mysql::host_part(&secret).map(|_| ())
    }

    fn set_secret(event: &Event) -> Result<(), RotationError> {
        set_secret(event)
    }

    fn test_secret(event: &Event) -> Result<(), RotationError> {
        test_secret(event)
    }
}

tumbler_sdk::export_rotator!(MySqlSingleUser);

fn set_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let previous = mysql::load_optional_secret(arn, &Selector::stage(AWSPREVIOUS))?;
    let current = mysql::load_secret(arn, &Selector::stage(AWSCURRENT))?;
    let pending = mysql::load_secret(arn, &Selector::pending(token))?;

    // A successful login with the pending password means an earlier run of
    // this step already changed it.
    if mysql::try_login(&pending, ssl_of(&pending), "AWSPENDING")?.is_some() {
        log::info(&format!(
            "setSecret: AWSPENDING version {token} of {arn} can already log in; nothing to do"
        ));
        return Ok(());
    }

    require_same_account(&current, &pending, "AWSCURRENT")?;
    let mut connection = mysql::try_login(&current, ssl_of(&current), "AWSCURRENT")?;
    if connection.is_none()
        && let Some(previous) = &previous
    {
        require_same_account(previous, &pending, "AWSPREVIOUS")?;
        // The AWS template logs in with the previous password under the
        // current secret's `ssl` setting.
        connection = mysql::try_login(previous, ssl_of(&current), "AWSPREVIOUS")?;
    }
    let Some(connection) = connection else {
        return Err(RotationError::Other(format!(
            "Unable to log into database with previous, current, or pending secret of secret {arn}"
        )));
    };

    let server = ServerInfo::query(&connection)?;
    let account = target_account(&connection, &pending)?;
    change_own_password(&connection, &server, &account, &pending.password)?;
    log::info(&format!(
        "setSecret: changed the password of {account} on {}:{} ({}) for version {token} of {arn}",
        pending.host,
        pending.port.unwrap_or(mysql::DEFAULT_PORT),
        server.version.text
    ));
    Ok(())
}

fn test_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let pending = mysql::load_secret(arn, &Selector::pending(token))?;
    let context = mysql::login_context(&pending, "AWSPENDING");
    let connection = Connection::open(&mysql::connect_options(&pending))
        .map_err(|error| mysql::map_error(error, &context))?;
    connection.query("SELECT 1", &[]).map_err(|error| {
        mysql::map_error(error, &format!("running SELECT 1 as {}", pending.username))
    })?;
    log::info(&format!(
        "testSecret: AWSPENDING version {token} of {arn} logged in as {}",
        pending.username
    ));
    Ok(())
}

/// Finds the account to change: the host part named by the secret or found
/// in `mysql.user`, or the account the login matched when the user may not
/// read `mysql.user`.
fn target_account(
    connection: &Connection,
    pending: &DatabaseSecret,
) -> Result<Account, RotationError> {
    let named = mysql::host_part(pending)?;
    if let Some(host) = mysql::resolve_host_part(connection, &pending.username, named)? {
        return Ok(Account::new(&pending.username, &host));
    }
    let matched = mysql::current_account(connection)?;
    if matched.user != pending.username {
        return Err(RotationError::Other(format!(
            "the login as {} matched the account {matched}; add the key host_part to the secret \
             to name the account to rotate",
            pending.username
        )));
    }
    log::info(&format!(
        "setSecret: {} may not read mysql.user; rotating the account its login matched, {matched}",
        pending.username
    ));
    Ok(matched)
}

/// Changes the password of `account` over the user's own connection.
fn change_own_password(
    connection: &Connection,
    server: &ServerInfo,
    account: &Account,
    password: &str,
) -> Result<(), RotationError> {
    let quoted_account = account.quoted(server.escapes)?;
    let password = mysql::quote_string(password, server.escapes)?;
    let plugin = mysql::account_plugin(connection, account)?;
    let statement = mysql::change_password_statement(
        &server.version,
        &quoted_account,
        plugin.as_deref(),
        &password,
    )?;
    let context = format!("changing the password of {account}");
    let error = match connection.execute_batch(&statement) {
        Ok(()) => return Ok(()),
        Err(error) => error,
    };
    let needs_fallback = server.version.supports_alter_user()
        && mysql::server_error_code(&error) == Some(PRIVILEGE_MISSING);
    if !needs_fallback {
        return Err(mysql::map_error_redacted(error, &context));
    }
    // ALTER USER needs the CREATE USER privilege on MariaDB even for the
    // account's own password; SET PASSWORD does not.
    log::info(&format!(
        "setSecret: ALTER USER needs a privilege that {account} lacks; using SET PASSWORD"
    ));
    let statement = mysql::set_password_statement(&server.version, &quoted_account, &password);
    connection
        .execute_batch(&statement)
        .map_err(|error| mysql::map_error_redacted(error, &context))
}

fn require_same_account(
    secret: &DatabaseSecret,
    pending: &DatabaseSecret,
    label: &str,
) -> Result<(), RotationError> {
    if secret.username != pending.username {
        return Err(RotationError::InvalidSecret(format!(
            "AWSPENDING username {} differs from {label} username {}; \
             this rotator changes only the password of one user",
            pending.username, secret.username
        )));
    }
    if secret.host != pending.host {
        return Err(RotationError::InvalidSecret(format!(
            "AWSPENDING host {} differs from {label} host {}",
            pending.host, secret.host
        )));
    }
    Ok(())
}

fn ssl_of(secret: &DatabaseSecret) -> SslMode {
    mysql::ssl_mode_from_ssl(secret.ssl.as_ref())
}
