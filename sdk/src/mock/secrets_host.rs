//! The `secrets` interface of the mock host, with the signatures of the
//! generated imports so that [`crate::secrets`] calls either.

use super::host::{HostState, with_state};
use crate::bindings::tumbler::rotator::secrets::{
    PasswordSpec, SecretDescription, SecretsError, Selector,
};
use crate::bindings::tumbler::rotator::types::SecretValue;

pub fn describe(secret_id: &str) -> Result<SecretDescription, SecretsError> {
    with_state(|state| Ok(find(state, secret_id)?.describe()))
}

pub fn get_value(secret_id: &str, selector: &Selector) -> Result<SecretValue, SecretsError> {
    with_state(|state| find(state, secret_id)?.get_value(selector))
}

pub fn put_pending(secret_id: &str, token: &str, value: &SecretValue) -> Result<(), SecretsError> {
    with_state(|state| {
        let rotation_token = writable(state, secret_id, "put-pending")?;
        if token != rotation_token {
            return Err(SecretsError::AccessDenied(format!(
                "put-pending must use the rotation's token {rotation_token}, not {token}"
            )));
        }
        find_mut(state, secret_id)?.put_pending(token, value)
    })
}

pub fn update_version_stage(
    secret_id: &str,
    stage: &str,
    move_to: Option<&str>,
    remove_from: Option<&str>,
) -> Result<(), SecretsError> {
    with_state(|state| {
        let rotation_token = writable(state, secret_id, "update-version-stage")?;
        if let Some(target) = move_to
            && target != rotation_token
        {
            return Err(SecretsError::AccessDenied(format!(
                "update-version-stage may move labels only to the rotation's version \
                 {rotation_token}, not {target}"
            )));
        }
        find_mut(state, secret_id)?.update_version_stage(stage, move_to, remove_from)
    })
}

pub fn get_random_password(spec: &PasswordSpec) -> Result<String, SecretsError> {
    with_state(|state| state.passwords.generate(spec))
}

fn find<'a>(state: &'a HostState, secret_id: &str) -> Result<&'a super::store::MockSecret, SecretsError> {
    state.secret(secret_id).ok_or_else(|| not_found(secret_id))
}

fn find_mut<'a>(
    state: &'a mut HostState,
    secret_id: &str,
) -> Result<&'a mut super::store::MockSecret, SecretsError> {
    state.secret_mut(secret_id).ok_or_else(|| not_found(secret_id))
}

/// Returns the rotation's token when `secret_id` is the secret being
/// rotated; writes to any other secret are denied, as in the host.
fn writable(state: &HostState, secret_id: &str, operation: &str) -> Result<String, SecretsError> {
    let arn = find(state, secret_id)?.arn.clone();
    match &state.rotation {
        Some((rotated, token)) if *rotated == arn => Ok(token.clone()),
        Some((rotated, _)) => Err(SecretsError::AccessDenied(format!(
            "{operation} is allowed only on the secret being rotated ({rotated}), not {arn}"
        ))),
        None => Err(SecretsError::AccessDenied(format!(
            "{operation} needs a rotation; call MockHost::start_rotation first"
        ))),
    }
}

fn not_found(secret_id: &str) -> SecretsError {
    SecretsError::NotFound(format!(
        "Secrets Manager can't find the specified secret {secret_id}."
    ))
}
