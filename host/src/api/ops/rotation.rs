//! RotateSecret and CancelRotateSecret.
//!
//! RotateSecret checks the rotator and begins the rotation synchronously, so
//! the response carries the new version id and a failed start changes
//! nothing. It then stores the rotation rules and runs the four steps in a
//! background task that the server awaits on shutdown.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{SecretIdInput, require_token, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::rotation::engine::READ_SECRETS_SETTING;
use crate::rotation::settings::{read_secret_ids, validate_settings};
use crate::notify::{Event, EventName, Trigger};
use crate::rotation::scheduler::runner::describe;
use crate::rotation::{QuietObserver, RotateRequest, RotationEngine, RotationError};
use crate::schedule::{RotationRules as ParsedRules, ScheduleError};
use crate::secrets::RotationConfig;
use crate::wasm::WasmError;

/// Maximum `RotationLambdaARN` length (AWS model).
const MAX_ROTATOR_LEN: usize = 2048;
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RotateSecretRequest {
    secret_id: Option<String>,
    client_request_token: Option<String>,
    #[serde(rename = "RotationLambdaARN")]
    rotation_lambda_arn: Option<String>,
    rotation_rules: Option<RotationRules>,
    rotate_immediately: Option<bool>,
    /// Key-value pairs for partner rotations in AWS. Tumbler passes them to
    /// the rotator as its settings, replacing the stored settings.
    external_secret_rotation_metadata: Option<Vec<MetadataItem>>,
    external_secret_rotation_role_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RotationRules {
    automatically_after_days: Option<i64>,
    schedule_expression: Option<String>,
    duration: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MetadataItem {
    key: Option<String>,
    value: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotateSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    /// Absent with `RotateImmediately=false`, because no version is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

pub async fn rotate_secret(
    ctx: &RequestContext,
    input: RotateSecretRequest,
) -> Result<RotateSecretResponse, ApiError> {
    let token = require_token(input.client_request_token, "InvalidParameterException")?;
    let secret_id = required(input.secret_id, "secretId")?;
    if let Some(rotator) = &input.rotation_lambda_arn
        && rotator.chars().count() > MAX_ROTATOR_LEN
    {
        return Err(ApiError::invalid_parameter(
            "RotationLambdaARN must <= 2048 characters long.",
        ));
    }
    if input.external_secret_rotation_role_arn.is_some() {
        return Err(ApiError::invalid_parameter(
            "Tumbler runs rotators itself and does not assume roles; omit \
             ExternalSecretRotationRoleArn.",
        ));
    }
    let rules = input.rotation_rules.map(validate_rules).transpose()?;
    let settings = input
        .external_secret_rotation_metadata
        .map(settings_from_metadata)
        .transpose()?;

    let mut context = ctx.auth_context();
    if let Some(rotator) = &input.rotation_lambda_arn {
        context.add("secretsmanager:RotationLambdaARN", rotator.as_str());
    }
    ctx.authorize_secret(Operation::RotateSecret.action(), &secret_id, context)
        .await?;

    if let Some(settings) = &settings {
        authorize_read_grants(ctx, settings).await?;
    }

    let stored = ctx.secrets().rotation_config(&secret_id).await?;
    let config = choose_config(input.rotation_lambda_arn, settings, stored.as_ref())?;
    if let Some(config) = &config {
        validate_settings(&config.rotator, &config.settings).map_err(ApiError::invalid_parameter)?;
    }
    if let Some(rotator) = config
        .as_ref()
        .map(|c| c.rotator.as_str())
        .or(stored.as_ref().map(|c| c.rotator.as_str()))
    {
        load_rotator(&ctx.state.rotation, rotator).await?;
    }

    if !input.rotate_immediately.unwrap_or(true) {
        let secret = ctx.secrets().configure_rotation(&secret_id, config).await?;
        store_rules(ctx, &secret.arn, rules.as_ref(), false).await?;
        return Ok(RotateSecretResponse {
            arn: secret.arn,
            name: secret.name,
            version_id: None,
        });
    }

    let request = RotateRequest {
        secret_id,
        token: Some(token),
        rotator: config.as_ref().map(|c| c.rotator.clone()),
        settings: config.map(|c| c.settings).unwrap_or_default(),
        ..RotateRequest::default()
    };
    let started = ctx
        .state
        .rotation
        .start(request)
        .await
        .map_err(rotation_error)?;
    let start = started.start.clone();
    store_rules(ctx, &start.arn, rules.as_ref(), true).await?;

    if ctx.state.options.run_rotation_steps {
        let engine = Arc::clone(&ctx.state.rotation);
        let notifier = ctx.state.options.notifier.clone();
        ctx.state.rotations.spawn(async move {
            let arn = started.start.arn.clone();
            let name = started.start.name.clone();
            let version_id = started.start.version_id.clone();
            let event = |event_name, error_message| Event {
                event_name,
                event_time: OffsetDateTime::now_utc(),
                secret_arn: arn.clone(),
                secret_name: name.clone(),
                version_id: Some(version_id.clone()),
                trigger: Trigger::RotateSecret,
                attempt: 1,
                window_start: None,
                window_end: None,
                next_attempt: None,
                error_message,
            };
            notifier.emit(&event(EventName::RotationStarted, None));
            match engine.run(started, &QuietObserver).await {
                Ok(_) => notifier.emit(&event(EventName::RotationSucceeded, None)),
                Err(error) => {
                    let message = describe(error);
                    tracing::warn!(
                        secret_arn = %arn,
                        version_id = %version_id,
                        error = %message,
                        "background rotation failed"
                    );
                    notifier.emit(&event(EventName::RotationFailed, Some(message)));
                }
            }
        });
    }
    Ok(RotateSecretResponse {
        arn: start.arn,
        name: start.name,
        version_id: Some(start.version_id),
    })
}

/// Requires the caller to hold `secretsmanager:GetSecretValue` on every
/// secret that the `read-secrets` setting lists. The setting lets the
/// rotation read those secrets, so without this check a caller allowed only
/// to rotate one secret could have a rotator read any other.
async fn authorize_read_grants(
    ctx: &RequestContext,
    settings: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    for secret_id in read_secret_ids(settings) {
        ctx.authorize_secret(
            Operation::GetSecretValue.action(),
            secret_id,
            ctx.auth_context(),
        )
        .await
        .map_err(|error| ApiError {
            message: format!(
                "Listing {secret_id} in the rotation setting {READ_SECRETS_SETTING} lets the \
                 rotator read it, so it requires secretsmanager:GetSecretValue on {secret_id}: {}",
                error.message
            ),
            ..error
        })?;
    }
    Ok(())
}

/// Decides the configuration to store: a new rotator keeps no settings
/// unless the request gives some; the stored rotator keeps its settings.
/// `None` means "use the stored configuration as it is".
fn choose_config(
    rotator: Option<String>,
    settings: Option<BTreeMap<String, String>>,
    stored: Option<&RotationConfig>,
) -> Result<Option<RotationConfig>, ApiError> {
    match (rotator, settings) {
        (None, None) => Ok(None),
        (Some(rotator), settings) => {
            let settings = match (settings, stored) {
                (Some(settings), _) => settings,
                (None, Some(stored)) if stored.rotator == rotator => stored.settings.clone(),
                (None, _) => BTreeMap::new(),
            };
            Ok(Some(RotationConfig { rotator, settings }))
        }
        (None, Some(settings)) => match stored {
            Some(stored) => Ok(Some(RotationConfig {
                rotator: stored.rotator.clone(),
                settings,
            })),
            None => Err(ApiError::invalid_request(
                "No Lambda rotation function ARN is associated with this secret.",
            )),
        },
    }
}

/// Loads (and on first use compiles) the rotator, so an unknown rotator is
/// reported before anything is stored. The registry compiles on a blocking
/// thread, so compilation does not stall the server.
async fn load_rotator(engine: &Arc<RotationEngine>, rotator: &str) -> Result<(), ApiError> {
    engine
        .registry()
        .get(rotator)
        .await
        .map(|_| ())
        .map_err(|error| rotation_error(RotationError::Wasm(error)))
}

/// Stores new rules with NextRotationDate counted from now when a rotation
/// starts now, else from the last rotation (so an existing schedule keeps its
/// rhythm) or now for a secret never rotated.
async fn store_rules(
    ctx: &RequestContext,
    arn: &str,
    rules: Option<&ParsedRules>,
    rotating_now: bool,
) -> Result<(), ApiError> {
    let Some(rules) = rules else {
        return Ok(());
    };
    let now = time::OffsetDateTime::now_utc();
    let anchor = if rotating_now {
        now
    } else {
        let description = ctx.secrets().describe_secret(arn).await?;
        description.last_rotated_date.unwrap_or(now)
    };
    ctx.secrets().store_rotation_rules(arn, rules, anchor).await?;
    Ok(())
}

fn rotation_error(error: RotationError) -> ApiError {
    match error {
        RotationError::Wasm(WasmError::UnknownRotator(name, available)) => ApiError::client(
            "ResourceNotFoundException",
            format!(
                "No rotator named {name:?} exists; set RotationLambdaARN to one of the available \
                 rotators ({available})."
            ),
        ),
        other => other.into(),
    }
}

fn settings_from_metadata(items: Vec<MetadataItem>) -> Result<BTreeMap<String, String>, ApiError> {
    items
        .into_iter()
        .map(|item| {
            let key = required(item.key, "externalSecretRotationMetadata.member.key")?;
            let value = required(item.value, "externalSecretRotationMetadata.member.value")?;
            Ok((key, value))
        })
        .collect()
}

/// Validates `RotationRules` with the Secrets Manager limits.
fn validate_rules(rules: RotationRules) -> Result<ParsedRules, ApiError> {
    ParsedRules::parse(
        rules.automatically_after_days,
        rules.schedule_expression.as_deref(),
        rules.duration.as_deref(),
    )
    .map_err(schedule_error)
}

fn schedule_error(error: ScheduleError) -> ApiError {
    ApiError::client(error.aws_type(), error.to_string())
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelRotateSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

pub async fn cancel_rotate_secret(
    ctx: &RequestContext,
    input: SecretIdInput,
) -> Result<CancelRotateSecretResponse, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    ctx.authorize_secret(
        Operation::CancelRotateSecret.action(),
        &secret_id,
        ctx.auth_context(),
    )
    .await?;
    let output = ctx.secrets().cancel_rotate_secret(&secret_id).await?;
    Ok(CancelRotateSecretResponse {
        arn: output.arn,
        name: output.name,
        version_id: output.version_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(days: Option<i64>, schedule: Option<&str>, duration: Option<&str>) -> RotationRules {
        RotationRules {
            automatically_after_days: days,
            schedule_expression: schedule.map(str::to_owned),
            duration: duration.map(str::to_owned),
        }
    }

    #[test]
    fn days_and_schedule_together_are_rejected() {
        let error = validate_rules(rules(Some(30), Some("rate(10 days)"), None)).unwrap_err();
        assert_eq!(error.error_type, "InvalidParameterException");
        assert_eq!(
            error.message,
            "You cannot specify both rotation frequency and schedule expression together."
        );
    }

    #[test]
    fn days_out_of_range_are_rejected() {
        for days in [0, 1001] {
            let error = validate_rules(rules(Some(days), None, None)).unwrap_err();
            assert_eq!(error.error_type, "InvalidParameterException", "{days}");
        }
    }

    #[test]
    fn valid_rules_become_describe_json() {
        let days = validate_rules(rules(Some(30), None, None)).unwrap();
        assert_eq!(days.to_json(), r#"{"AutomaticallyAfterDays":30}"#);
        let cron = validate_rules(rules(None, Some("cron(0 2 ? * SUN *)"), Some("3h"))).unwrap();
        assert_eq!(
            cron.to_json(),
            r#"{"Duration":"3h","ScheduleExpression":"cron(0 2 ? * SUN *)"}"#
        );
    }

    #[test]
    fn invalid_schedule_names_the_expression() {
        let error = validate_rules(rules(None, Some("cron(15 10 * * ? *)"), None)).unwrap_err();
        assert_eq!(error.error_type, "InvalidParameterException");
        assert!(error.message.contains("cron(15 10 * * ? *)"), "{}", error.message);
    }

    #[test]
    fn pattern_violation_is_a_validation_error() {
        let error = validate_rules(rules(None, Some("cron(0 1 * * ? *);"), None)).unwrap_err();
        assert_eq!(error.error_type, "ValidationException");
    }
}
