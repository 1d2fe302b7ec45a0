//! The parts of the AWS rotation templates that every rotator shares: the
//! entry check run before each step, and the default `createSecret` and
//! `finishSecret`.

use serde_json::Value;

use crate::bindings::tumbler::rotator::types::SecretValue;
use crate::secrets::{self, AWSCURRENT, AWSPENDING, PasswordSpec, SecretDescription, Selector};
use crate::{Event, RotationError, Rotator, Step, log, secret, settings};

/// Result of [`check_entry`].
#[derive(Debug)]
pub enum Entry {
    /// The token carries AWSPENDING and not AWSCURRENT: run the step.
    Proceed(SecretDescription),
    /// The token already carries AWSCURRENT, so the rotation has finished and
    /// the step has nothing to do.
    AlreadyCurrent,
}

/// Runs the checks that the AWS templates make before every step: the secret
/// has rotation enabled, the token is one of its versions, and that version
/// carries AWSPENDING, unless it already carries AWSCURRENT.
///
/// # Errors
///
/// Returns `RotationError::Conflict` when rotation is disabled, the token is
/// not a labelled version, or the version does not carry AWSPENDING.
pub fn check_entry(event: &Event) -> Result<Entry, RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let description = secrets::describe(arn)?;
    if !description.rotation_enabled {
        return Err(RotationError::Conflict(format!(
            "secret {arn} does not have rotation enabled"
        )));
    }
    let Some(stages) = description.stages_of(token) else {
        return Err(RotationError::Conflict(format!(
            "secret version {token} has no stage for rotation of secret {arn}"
        )));
    };
    if stages.iter().any(|stage| stage == AWSCURRENT) {
        return Ok(Entry::AlreadyCurrent);
    }
    if !stages.iter().any(|stage| stage == AWSPENDING) {
        return Err(RotationError::Conflict(format!(
            "secret version {token} is not set as AWSPENDING for rotation of secret {arn}"
        )));
    }
    Ok(Entry::Proceed(description))
}

/// Runs one step of rotator `R` for the host: checks that the event is for
/// `step`, runs [`check_entry`], and calls the matching trait method unless
/// the token already carries AWSCURRENT. [`crate::export_rotator!`] calls
/// this from the generated exports.
pub fn run_step<R: Rotator>(step: Step, event: &Event) -> Result<(), RotationError> {
    if event.step != step {
        return Err(RotationError::Other(format!(
            "the host called {} with an event for step {}",
            step_name(step),
            step_name(event.step)
        )));
    }
    match check_entry(event)? {
        Entry::AlreadyCurrent => {
            log::info(&format!(
                "{}: version {} of {} already carries AWSCURRENT; nothing to do",
                step_name(step),
                event.client_request_token,
                event.secret_id
            ));
            Ok(())
        }
        Entry::Proceed(_) => match step {
            Step::CreateSecret => R::create_secret(event),
            Step::SetSecret => R::set_secret(event),
            Step::TestSecret => R::test_secret(event),
            Step::FinishSecret => R::finish_secret(event),
        },
    }
}

/// Returns the AWS name of a step, such as `createSecret`.
pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::CreateSecret => "createSecret",
        Step::SetSecret => "setSecret",
        Step::TestSecret => "testSecret",
        Step::FinishSecret => "finishSecret",
    }
}

/// Builds the `GetRandomPassword` request from the rotation settings
/// `password-length` (default 32), `exclude-characters` (default
/// `default_exclude`), `exclude-numbers`, `exclude-punctuation`,
/// `exclude-uppercase`, `exclude-lowercase`, `include-space` (default false)
/// and `require-each-included-type` (default true). Booleans are parsed with
/// [`settings::get_bool`].
///
/// # Errors
///
/// Returns `RotationError::Other` when `password-length` is not an unsigned
/// integer.
pub fn password_spec(
    settings: &[(String, String)],
    default_exclude: &str,
) -> Result<PasswordSpec, RotationError> {
    let defaults = PasswordSpec::default();
    Ok(PasswordSpec {
        length: settings::get_u32(settings, "password-length", defaults.length)?,
        exclude_characters: settings::get(settings, "exclude-characters")
            .unwrap_or(default_exclude)
            .to_string(),
        exclude_numbers: settings::get_bool(settings, "exclude-numbers", defaults.exclude_numbers),
        exclude_punctuation: settings::get_bool(
            settings,
            "exclude-punctuation",
            defaults.exclude_punctuation,
        ),
        exclude_uppercase: settings::get_bool(
            settings,
            "exclude-uppercase",
            defaults.exclude_uppercase,
        ),
        exclude_lowercase: settings::get_bool(
            settings,
            "exclude-lowercase",
            defaults.exclude_lowercase,
        ),
        include_space: settings::get_bool(settings, "include-space", defaults.include_space),
        require_each_included_type: settings::get_bool(
            settings,
            "require-each-included-type",
            defaults.require_each_included_type,
        ),
    })
}

/// Default `createSecret` of rotator `R`: reads AWSCURRENT (which must be a
/// JSON object that passes [`Rotator::check_secret`]), returns if the
/// AWSPENDING version `token` already has a value, and otherwise stores a
/// copy of AWSCURRENT with a new `password` from `GetRandomPassword` as that
/// version.
pub fn create_secret<R: Rotator + ?Sized>(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;

    let current = secrets::get_required(arn, &Selector::stage(AWSCURRENT))?;
    let mut value = secret::parse_secret_value(&current)?;
    R::check_secret(&value)?;

    if secrets::get_value(arn, &Selector::pending(token))?.is_some() {
        log::info(&format!(
            "createSecret: AWSPENDING version {token} of {arn} already has a value"
        ));
        return Ok(());
    }

    let spec = password_spec(&event.settings, R::DEFAULT_EXCLUDE_CHARACTERS)?;
    let password = secrets::random_password(&spec)?;
    value.insert("password".to_string(), Value::String(password));
    let text = Value::Object(value).to_string();
    secrets::put_pending(arn, token, &SecretValue::Text(text))?;
    log::info(&format!(
        "createSecret: stored AWSPENDING version {token} of {arn}"
    ));
    Ok(())
}

/// Default `finishSecret`: moves AWSCURRENT to version `token`, removing it
/// from the version that carries it now. AWSPENDING is left in place, as in
/// the AWS templates.
pub fn finish_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let description = secrets::describe(arn)?;
    let current = description.version_with_stage(AWSCURRENT);
    if current == Some(token.as_str()) {
        log::info(&format!(
            "finishSecret: version {token} of {arn} already carries AWSCURRENT"
        ));
        return Ok(());
    }
    secrets::update_version_stage(arn, AWSCURRENT, Some(token), current)?;
    log::info(&format!(
        "finishSecret: moved AWSCURRENT of {arn} to version {token} from {}",
        current.unwrap_or("no version")
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn password_spec_defaults() {
        let spec = password_spec(&[], ":/@\"'\\").unwrap();
        assert_eq!(spec.length, 32);
        assert_eq!(spec.exclude_characters, ":/@\"'\\");
        assert!(!spec.exclude_numbers);
        assert!(!spec.exclude_punctuation);
        assert!(!spec.exclude_uppercase);
        assert!(!spec.exclude_lowercase);
        assert!(!spec.include_space);
        assert!(spec.require_each_included_type);
    }

    #[test]
    fn password_spec_from_settings() {
        let list = settings(&[
            ("password-length", "20"),
            ("exclude-characters", ""),
            ("exclude-numbers", "yes"),
            ("exclude-punctuation", "1"),
            ("exclude-uppercase", "y"),
            ("exclude-lowercase", "false"),
            ("include-space", "TRUE"),
            ("require-each-included-type", "no"),
        ]);
        let spec = password_spec(&list, "/@").unwrap();
        assert_eq!(spec.length, 20);
        assert_eq!(spec.exclude_characters, "");
        assert!(spec.exclude_numbers);
        assert!(spec.exclude_punctuation);
        assert!(spec.exclude_uppercase);
        assert!(!spec.exclude_lowercase);
        assert!(spec.include_space);
        assert!(!spec.require_each_included_type);
    }

    #[test]
    fn password_spec_rejects_bad_length() {
        let list = settings(&[("password-length", "long")]);
        assert!(matches!(
            password_spec(&list, ""),
            Err(RotationError::Other(_))
        ));
    }

    #[test]
    fn step_names_match_aws() {
        assert_eq!(step_name(Step::CreateSecret), "createSecret");
        assert_eq!(step_name(Step::SetSecret), "setSecret");
        assert_eq!(step_name(Step::TestSecret), "testSecret");
        assert_eq!(step_name(Step::FinishSecret), "finishSecret");
    }
}
