//! PostgreSQL alternating-users rotator, after the AWS
//! `SecretsManagerRDSPostgreSQLRotationMultiUser` template.
//!
//! Each rotation uses admin credentials to set a new password on whichever of
//! `app` and `app_clone` is not current. The previous user's password stays
//! valid until the next rotation, so clients that still hold it keep working.
//!
//! The secret JSON needs `engine`, `host`, `username` and `password`, plus
//! `masterarn`: the ARN or name of a secret with admin credentials (a
//! superuser, or a role with CREATEROLE and, from PostgreSQL 16, ADMIN OPTION
//! on the base role) for the same host and port. The rotation
//! reads that secret only when its `read-secrets` setting names it.
//!
//! Owner-role scheme: the base user (`app`, the username without `_clone`) is
//! the owner role. `setSecret` creates `app_clone` when it is missing, makes
//! it a member of `app` and sets `ALTER ROLE app_clone SET role = 'app'`, so
//! clone sessions run as `app`. Objects created by either user are owned by
//! `app` and usable by both, and the clone's privileges are always exactly
//! `app`'s: grant privileges to `app`, never to `app_clone`.
//!
//! - `createSecret` writes AWSCURRENT with `username` switched to the other
//!   user and a new password, after checking the 63-byte name limit and the
//!   read grant for the admin secret.
//! - `setSecret` logs in with AWSCURRENT (so only someone who knows a valid
//!   password can trigger it), then as admin sets the pending user's
//!   password and ties the clone to the base role in one transaction.
//! - `testSecret` logs in as the pending user and checks that the session
//!   runs as the owner role and can read the tables the other user owns.
//! - `finishSecret` is the SDK default.

mod admin;
mod roles;

use tumbler_rotator_postgres_common::{load, login, tls_of, try_login};
use tumbler_sdk::alternating::{alternate_username, base_username, clone_username};
use tumbler_sdk::pg::{self, MAX_IDENTIFIER_BYTES};
use tumbler_sdk::secrets::{self, AWSCURRENT, Selector};
use tumbler_sdk::{
    DatabaseSecret, Event, RotationError, Rotator, RotatorInfo, SecretValue, log, steps,
};

struct PostgresAlternatingUsers;

impl Rotator for PostgresAlternatingUsers {
    // The default exclusion set of the AWS PostgreSQL rotation templates.
    const DEFAULT_EXCLUDE_CHARACTERS: &'static str = ":/@\"'\\";

    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info(
            "postgres-alternating",
            env!("CARGO_PKG_VERSION"),
            &["postgres"],
        )
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

tumbler_sdk::export_rotator!(PostgresAlternatingUsers);

fn create_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let current = load(arn, &Selector::stage(AWSCURRENT))?;
    let alternate = alternate_username(&current.username, MAX_IDENTIFIER_BYTES)?;
    // Reading the admin secret here makes a missing grant fail the rotation
    // before any version gets a value.
    admin::load_admin(event, &current)?;

    if secrets::get_value(arn, &Selector::pending(token))?.is_some() {
        log::info(&format!(
            "createSecret: AWSPENDING version {token} of {arn} already has a value"
        ));
        return Ok(());
    }

    let spec = steps::password_spec(
        &event.settings,
        <PostgresAlternatingUsers as Rotator>::DEFAULT_EXCLUDE_CHARACTERS,
    )?;
    let mut pending = current;
    pending.username = alternate;
    pending.password = secrets::random_password(&spec)?;
    secrets::put_pending(arn, token, &SecretValue::Text(pending.to_json_string()))?;
    log::info(&format!(
        "createSecret: stored AWSPENDING version {token} of {arn} for user {}",
        pending.username
    ));
    Ok(())
}

fn set_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let current = load(arn, &Selector::stage(AWSCURRENT))?;
    let pending = load(arn, &Selector::pending(token))?;

    // A successful login with the pending password means an earlier run of
    // this step already committed its transaction.
    if let Some(_connection) = try_login(&pending, tls_of(&pending), "AWSPENDING")? {
        log::info(&format!(
            "setSecret: AWSPENDING version {token} of {arn} can already log in; nothing to do"
        ));
        return Ok(());
    }

    require_alternate_user(&current, &pending)?;
    // Logging in with AWSCURRENT first proves that the secret's writer knew a
    // valid password, so the admin credentials act only for such a writer.
    let Some(current_connection) = try_login(&current, tls_of(&current), "AWSCURRENT")? else {
        return Err(RotationError::Other(format!(
            "Unable to log into database with the AWSCURRENT secret of {arn} as {}; the \
             alternating-users rotator needs valid current credentials",
            current.username
        )));
    };
    drop(current_connection);

    let admin = admin::load_admin(event, &current)?;
    let connection = login(&admin, "admin")?;
    let base = base_username(&pending.username);
    if !roles::role_exists(&connection, base)? {
        return Err(RotationError::Other(format!(
            "role {base} does not exist on {}:{}; the alternating-users rotator keeps objects \
             under the base role, so create it first",
            pending.host,
            pending.port.unwrap_or(pg::DEFAULT_PORT)
        )));
    }
    let clone_exists = roles::role_exists(&connection, &clone_username(base))?;
    let statements = roles::password_statements(&pending, clone_exists)?;
    connection.execute_batch(&statements).map_err(|error| {
        pg::map_error_redacted(
            error,
            &format!("setting the password of role {} as {}", pending.username, admin.username),
        )
    })?;
    log::info(&format!(
        "setSecret: set the password of role {} (member of {base}) for version {token} of {arn}",
        pending.username
    ));
    Ok(())
}

fn test_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let pending = load(arn, &Selector::pending(token))?;
    let connection = login(&pending, "AWSPENDING")?;
    roles::check_shared_owner(&connection, &pending)?;
    log::info(&format!(
        "testSecret: AWSPENDING version {token} of {arn} logged in as {} and runs as {}",
        pending.username,
        base_username(&pending.username)
    ));
    Ok(())
}

/// Requires the pending user to be the other user of the current one's pair,
/// on the same server.
fn require_alternate_user(
    current: &DatabaseSecret,
    pending: &DatabaseSecret,
) -> Result<(), RotationError> {
    let expected = alternate_username(&current.username, MAX_IDENTIFIER_BYTES)?;
    if pending.username != expected {
        return Err(RotationError::InvalidSecret(format!(
            "AWSPENDING username {} is not {expected}, the alternate of AWSCURRENT username {}",
            pending.username, current.username
        )));
    }
    let current_port = current.port.unwrap_or(pg::DEFAULT_PORT);
    let pending_port = pending.port.unwrap_or(pg::DEFAULT_PORT);
    if pending.host != current.host || pending_port != current_port {
        return Err(RotationError::InvalidSecret(format!(
            "AWSPENDING server {}:{pending_port} differs from AWSCURRENT server {}:{current_port}",
            pending.host, current.host
        )));
    }
    Ok(())
}
