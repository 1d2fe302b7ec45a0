//! MySQL and MariaDB alternating-users rotator, as in the AWS
//! `SecretsManagerRDSMySQLRotationMultiUser` template: each rotation gives the
//! user that is not current a new password and makes it current, so the
//! credentials that clients hold keep working until the rotation after next.
//! The two users are `app` and `app_clone`.
//!
//! Secret keys: those of the single-user rotator (`engine`, `host`, `port`,
//! `username`, `password`, `dbname`, `ssl`, `host_part`) plus `masterarn`,
//! the ARN or name of the secret with the administrator credentials. The
//! rotation needs read access to that secret through the host's
//! `read-secrets` setting, and the administrator needs CREATE USER, the
//! privileges it copies WITH GRANT OPTION, and SELECT on `mysql.user`.
//!
//! createSecret stores the other user name with a new password after
//! checking its length against the server's limit (32 characters on MySQL
//! 5.7.8 and later, 80 or 128 on MariaDB).
//!
//! setSecret runs as the administrator. It creates the other account if it
//! is missing, with the host part and authentication plugin of the current
//! account. It replaces the other account's grants with the rows of
//! `SHOW GRANTS` for the current account, so grants never drift, copies the
//! `REQUIRE` clause of `SHOW CREATE USER`, and sets the password. Every part
//! runs on every rotation, so a repeated step repairs a partial one.

mod clone;

use tumbler_sdk::mysql::{self, Account, Connection, ServerInfo, SslMode};
use tumbler_sdk::secrets::{self, AWSCURRENT, Selector};
use tumbler_sdk::serde_json::{Map, Value};
use tumbler_sdk::{
    DatabaseSecret, Event, RotationError, Rotator, RotatorInfo, SecretValue, log, steps,
};

struct MySqlAlternatingUsers;

impl Rotator for MySqlAlternatingUsers {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info(
            "mysql-alternating-users",
            env!("CARGO_PKG_VERSION"),
            &["mysql"],
        )
    }

    fn check_secret(value: &Map<String, Value>) -> Result<(), RotationError> {
        let secret = DatabaseSecret::from_map(value.clone())?;
        mysql::check_engine(&secret)?;
        mysql::host_part(&secret)?;
        master_arn(&secret).map(|_| ())
    }

    fn create_secret(event: &Event) -> Result<(), RotationError> {
        create_secret(event)
    }

    fn set_secret(event: &Event) -> Result<(), RotationError> {
        set_secret(event)
    }

    fn test_secret(event: &Event) -> Result<(), RotationError> {
        test_secret(event)
    }
}

tumbler_sdk::export_rotator!(MySqlAlternatingUsers);

/// Returns the other user name of the pair: `app` for `app_clone` and
/// `app_clone` for `app`.
fn alternate_username(username: &str) -> String {
    match username.strip_suffix("_clone") {
        Some(base) => base.to_string(),
        None => format!("{username}_clone"),
    }
}

fn create_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let value = secrets::get_required(arn, &Selector::stage(AWSCURRENT))?;
    let mut fields = tumbler_sdk::secret::parse_secret_value(&value)?;
    let current = DatabaseSecret::from_map(fields.clone())?;
    mysql::check_engine(&current)?;
    master_arn(&current)?;

    if secrets::get_value(arn, &Selector::pending(token))?.is_some() {
        log::info(&format!(
            "createSecret: AWSPENDING version {token} of {arn} already has a value"
        ));
        return Ok(());
    }

    let alternate = alternate_username(&current.username);
    let admin = load_admin(&current)?;
    let connection = admin_login(&admin)?;
    let server = ServerInfo::query(&connection)?;
    check_username_length(&connection, &server, &alternate)?;

    let spec = steps::password_spec(&event.settings, tumbler_sdk::DEFAULT_EXCLUDE_CHARACTERS)?;
    let password = secrets::random_password(&spec)?;
    fields.insert("username".to_string(), Value::String(alternate.clone()));
    fields.insert("password".to_string(), Value::String(password));
    let text = Value::Object(fields).to_string();
    secrets::put_pending(arn, token, &SecretValue::Text(text))?;
    log::info(&format!(
        "createSecret: stored AWSPENDING version {token} of {arn} for user {alternate}"
    ));
    Ok(())
}

fn set_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let current = mysql::load_secret(arn, &Selector::stage(AWSCURRENT))?;
    let pending = mysql::load_secret(arn, &Selector::pending(token))?;
    let expected = alternate_username(&current.username);
    if pending.username != expected {
        return Err(RotationError::InvalidSecret(format!(
            "AWSPENDING username {} is not the alternate of AWSCURRENT username {} (expected {expected})",
            pending.username, current.username
        )));
    }
    if pending.host != current.host {
        return Err(RotationError::InvalidSecret(format!(
            "AWSPENDING host {} differs from AWSCURRENT host {}",
            pending.host, current.host
        )));
    }

    // Only a caller with working current credentials may make the
    // administrator act for it.
    if mysql::try_login(&current, ssl_of(&current), "AWSCURRENT")?.is_none() {
        return Err(RotationError::Other(format!(
            "Unable to log into database with current secret of secret {arn}"
        )));
    }

    let admin = load_admin(&current)?;
    let connection = admin_login(&admin)?;
    let server = ServerInfo::query(&connection)?;
    check_username_length(&connection, &server, &pending.username)?;

    let named = mysql::host_part(&current)?;
    let Some(host) = mysql::resolve_host_part(&connection, &current.username, named)? else {
        return Err(RotationError::Denied(format!(
            "administrator {} may not read mysql.user; grant it SELECT on mysql.user",
            admin.username
        )));
    };
    let source = Account::new(&current.username, &host);
    let target = Account::new(&pending.username, &host);
    clone::sync_account(&connection, &server, &source, &target, &pending.password)?;
    log::info(&format!(
        "setSecret: {target} now has the grants and TLS requirements of {source} and the \
         AWSPENDING password of version {token} of {arn}"
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

fn master_arn(secret: &DatabaseSecret) -> Result<&str, RotationError> {
    secret
        .masterarn
        .as_deref()
        .filter(|arn| !arn.is_empty())
        .ok_or_else(|| {
            RotationError::InvalidSecret(
            "secret JSON is missing required key `masterarn`, the secret with the administrator \
             credentials that the alternating-users strategy uses"
                .to_string(),
        )
        })
}

/// Reads the administrator secret named by `masterarn` and checks that it is
/// for the same server.
fn load_admin(current: &DatabaseSecret) -> Result<DatabaseSecret, RotationError> {
    let master = master_arn(current)?;
    let admin = mysql::load_secret(master, &Selector::stage(AWSCURRENT))?;
    let port = |secret: &DatabaseSecret| secret.port.unwrap_or(mysql::DEFAULT_PORT);
    if admin.host != current.host || port(&admin) != port(current) {
        return Err(RotationError::InvalidSecret(format!(
            "the administrator secret {master} is for {}:{}, but the rotated secret is for {}:{}",
            admin.host,
            port(&admin),
            current.host,
            port(current)
        )));
    }
    Ok(admin)
}

fn admin_login(admin: &DatabaseSecret) -> Result<Connection, RotationError> {
    mysql::try_login(admin, ssl_of(admin), "administrator")?.ok_or_else(|| {
        RotationError::Other(format!(
            "the server rejected the administrator credentials of user {}",
            admin.username
        ))
    })
}

/// Fails before anything changes when `username` is longer than the server
/// allows.
fn check_username_length(
    connection: &Connection,
    server: &ServerInfo,
    username: &str,
) -> Result<(), RotationError> {
    let limit = server.user_name_limit(connection)?;
    let length = username.chars().count();
    if length <= limit {
        return Ok(());
    }
    Err(RotationError::InvalidSecret(format!(
        "the alternate user name {username} has {length} characters, but {} allows at most {limit}; \
         use a shorter user name",
        server.version.text
    )))
}

fn ssl_of(secret: &DatabaseSecret) -> SslMode {
    mysql::ssl_mode_from_ssl(secret.ssl.as_ref())
}
