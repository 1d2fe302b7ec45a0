//! The admin secret that `masterarn` names: reading it through the
//! rotation's read grant, and checking that it is for the user's server.

use tumbler_rotator_postgres_common::check_engine;
use tumbler_sdk::pg;
use tumbler_sdk::secrets::{self, AWSCURRENT, Selector};
use tumbler_sdk::{DatabaseSecret, Event, RotationError};

/// Rotation setting that grants a rotation read access to other secrets. The
/// host reads it; the rotator names it in messages.
const READ_SECRETS_SETTING: &str = "read-secrets";

/// Reads the AWSCURRENT admin credentials named by `current.masterarn`, with
/// `dbname` set to the user's database.
///
/// # Errors
///
/// - `InvalidSecret` when `masterarn` is missing, names the secret being
///   rotated, or names a secret that is not PostgreSQL credentials for the
///   user's host and port. The admin password goes only to its own server,
///   so a writer of the user's secret cannot send it elsewhere.
/// - `Denied` when the rotation has no read grant for the admin secret. The
///   message names the `read-secrets` setting that grants it.
pub fn load_admin(event: &Event, current: &DatabaseSecret) -> Result<DatabaseSecret, RotationError> {
    let rotated = &event.secret_id;
    let Some(masterarn) = current.masterarn.as_deref().filter(|arn| !arn.is_empty()) else {
        return Err(RotationError::InvalidSecret(format!(
            "AWSCURRENT of {rotated} is missing required key `masterarn`: the ARN or name of a \
             secret with admin credentials for the same server"
        )));
    };

    let description = secrets::describe(masterarn).map_err(|error| match error {
        RotationError::Denied(_) => RotationError::Denied(grant_message(rotated, masterarn)),
        other => other,
    })?;
    if description.arn == *rotated {
        return Err(RotationError::InvalidSecret(format!(
            "`masterarn` of {rotated} names the secret being rotated; it must name a separate \
             secret with admin credentials"
        )));
    }

    let value = secrets::get_required(&description.arn, &Selector::stage(AWSCURRENT))?;
    let mut admin = DatabaseSecret::from_secret_value(&value)
        .and_then(|admin| check_engine(&admin).map(|()| admin))
        .map_err(|error| {
            RotationError::InvalidSecret(format!(
                "admin secret {} named by `masterarn`: {}",
                description.arn,
                error_text(&error)
            ))
        })?;
    require_same_server(&admin, current, &description.arn)?;
    admin.dbname = current.dbname.clone();
    Ok(admin)
}

/// Explains how to grant the rotation read access to the admin secret.
fn grant_message(rotated: &str, masterarn: &str) -> String {
    format!(
        "the rotation of {rotated} has no read access to the admin secret {masterarn} named by \
         `masterarn`. Whoever configures the rotation grants it with the rotation setting \
         {READ_SECRETS_SETTING}={masterarn}: `tumbler secret rotate ID --rotator \
         postgres-alternating --setting {READ_SECRETS_SETTING}={masterarn}`, or the \
         ExternalSecretRotationMetadata item Key={READ_SECRETS_SETTING} of RotateSecret"
    )
}

/// Requires the admin secret to name the user's server: the same host (ASCII
/// case ignored) and port.
fn require_same_server(
    admin: &DatabaseSecret,
    current: &DatabaseSecret,
    admin_arn: &str,
) -> Result<(), RotationError> {
    let admin_port = admin.port.unwrap_or(pg::DEFAULT_PORT);
    let current_port = current.port.unwrap_or(pg::DEFAULT_PORT);
    if admin.host.eq_ignore_ascii_case(&current.host) && admin_port == current_port {
        return Ok(());
    }
    Err(RotationError::InvalidSecret(format!(
        "admin secret {admin_arn} is for {}:{admin_port} but the user's secret is for {}:{current_port}; \
         `masterarn` must name admin credentials for the same server",
        admin.host, current.host
    )))
}

fn error_text(error: &RotationError) -> String {
    match error {
        RotationError::InvalidSecret(message)
        | RotationError::Denied(message)
        | RotationError::Unavailable(message)
        | RotationError::NotYetValid(message)
        | RotationError::Conflict(message)
        | RotationError::Other(message) => message.clone(),
    }
}
