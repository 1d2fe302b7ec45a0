//! PostgreSQL single-user rotator: the user in the secret changes its own
//! password with `ALTER ROLE`, as in the AWS `SecretsManagerRDSPostgreSQLRotationSingleUser`
//! template.
//!
//! `createSecret` and `finishSecret` are the SDK defaults; new passwords
//! exclude ``:/@"'\`` unless the `exclude-characters` setting names another set.
//! The old password stops working as soon as `setSecret` runs.

use tumbler_rotator_postgres_common::{
    check_engine, load, load_optional, login, tls_of, try_login,
};
use tumbler_sdk::pg;
use tumbler_sdk::secrets::{AWSCURRENT, AWSPREVIOUS, Selector};
use tumbler_sdk::serde_json::{Map, Value};
use tumbler_sdk::{DatabaseSecret, Event, RotationError, Rotator, RotatorInfo, log};

struct PostgresSingleUser;

impl Rotator for PostgresSingleUser {
    // The default exclusion set of the AWS PostgreSQL rotation templates.
    const DEFAULT_EXCLUDE_CHARACTERS: &'static str = ":/@\"'\\";

    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info(
            "postgres-single-user",
            env!("CARGO_PKG_VERSION"),
            &["postgres"],
        )
    }

    fn check_secret(value: &Map<String, Value>) -> Result<(), RotationError> {
        let secret = DatabaseSecret::from_map(value.clone())?;
        check_engine(&secret)
    }

    fn set_secret(event: &Event) -> Result<(), RotationError> {
        set_secret(event)
    }

    fn test_secret(event: &Event) -> Result<(), RotationError> {
        test_secret(event)
    }
}

tumbler_sdk::export_rotator!(PostgresSingleUser);

fn set_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let previous = load_optional(arn, &Selector::stage(AWSPREVIOUS))?;
    let current = load(arn, &Selector::stage(AWSCURRENT))?;
    let pending = load(arn, &Selector::pending(token))?;

    // A successful login with the pending password means an earlier run of
    // this step already changed it.
    if let Some(_connection) = try_login(&pending, tls_of(&pending), "AWSPENDING")? {
        log::info(&format!(
            "setSecret: AWSPENDING version {token} of {arn} can already log in; nothing to do"
        ));
        return Ok(());
    }

    require_same_user(&current, &pending, "AWSCURRENT")?;

    let mut connection = try_login(&current, tls_of(&current), "AWSCURRENT")?;
    if connection.is_none()
        && let Some(previous) = &previous
    {
        require_same_user(previous, &pending, "AWSPREVIOUS")?;
        // The AWS template logs in with the previous password under the
        // current secret's `ssl` setting.
        connection = try_login(previous, tls_of(&current), "AWSPREVIOUS")?;
    }
    let Some(connection) = connection else {
        return Err(RotationError::Other(format!(
            "Unable to log into database with previous, current, or pending secret of secret {arn}"
        )));
    };

    // ALTER ROLE takes no bind parameters, so the password is sent as a
    // quoted literal in a simple-protocol query.
    let statement = format!(
        "ALTER ROLE {} WITH PASSWORD {}",
        pg::quote_ident(&pending.username)?,
        pg::quote_literal(&pending.password)?
    );
    connection.execute_batch(&statement).map_err(|error| {
        pg::map_error_redacted(
            error,
            &format!("changing the password of role {}", pending.username),
        )
    })?;
    log::info(&format!(
        "setSecret: changed the password of role {} on {}:{} for version {token} of {arn}",
        pending.username,
        pending.host,
        pending.port.unwrap_or(pg::DEFAULT_PORT)
    ));
    Ok(())
}

fn test_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let pending = load(arn, &Selector::pending(token))?;
    let connection = login(&pending, "AWSPENDING")?;
    connection.query("SELECT now()", &[]).map_err(|error| {
        pg::map_error(
            error,
            &format!("running SELECT now() as {}", pending.username),
        )
    })?;
    log::info(&format!(
        "testSecret: AWSPENDING version {token} of {arn} logged in as {}",
        pending.username
    ));
    Ok(())
}

fn require_same_user(
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

#[cfg(test)]
mod tests;
