//! RotateSecret and CancelRotateSecret.
//!
//! RotateSecret checks the rotator and begins the rotation synchronously, so
//! the response carries the new version id and a failed start changes
//! nothing. It then stores the rotation rules and runs the four steps in a
//! background task that the server awaits on shutdown.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{SecretIdInput, require_token, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::rotation::engine::READ_SECRETS_SETTING;
use crate::rotation::settings::{read_secret_ids, validate_settings};
use crate::rotation::{QuietObserver, RotateRequest, RotationEngine, RotationError};
use crate::secrets::RotationConfig;
use crate::wasm::WasmError;

/// Maximum `RotationLambdaARN` length (AWS model).
const MAX_ROTATOR_LEN: usize = 2048;
/// `AutomaticallyAfterDays` range (AWS model).
const MIN_DAYS: i64 = 1;
const MAX_DAYS: i64 = 1000;
/// Maximum `ScheduleExpression` length (AWS model).
const MAX_SCHEDULE_LEN: usize = 256;
/// AWS rotates at most every four hours.
const MIN_RATE_HOURS: u32 = 4;
/// A rotation window may not reach into the next UTC day.
const MAX_WINDOW_HOURS: u32 = 24;

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
    let rules_json = input.rotation_rules.map(validate_rules).transpose()?;
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
        store_rules(ctx, &secret.arn, rules_json).await?;
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
    store_rules(ctx, &start.arn, rules_json).await?;

    if ctx.state.options.run_rotation_steps {
        let engine = Arc::clone(&ctx.state.rotation);
        ctx.state.rotations.spawn(async move {
            let arn = started.start.arn.clone();
            let version_id = started.start.version_id.clone();
            if let Err(error) = engine.run(started, &QuietObserver).await {
                tracing::warn!(
                    secret_arn = %arn,
                    version_id = %version_id,
                    error = %error,
                    "background rotation failed"
                );
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

async fn store_rules(
    ctx: &RequestContext,
    arn: &str,
    rules_json: Option<String>,
) -> Result<(), ApiError> {
    if let Some(rules) = rules_json {
        ctx.secrets()
            .set_rotation_schedule(arn, Some(Some(rules)), None)
            .await?;
    }
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

/// Validates `RotationRules` and returns them as the JSON that DescribeSecret
/// reports.
fn validate_rules(rules: RotationRules) -> Result<String, ApiError> {
    if rules.automatically_after_days.is_some() && rules.schedule_expression.is_some() {
        return Err(ApiError::invalid_parameter(
            "You cannot specify both rotation frequency and schedule expression together.",
        ));
    }
    if let Some(days) = rules.automatically_after_days
        && !(MIN_DAYS..=MAX_DAYS).contains(&days)
    {
        return Err(ApiError::invalid_parameter(
            "RotationRules.AutomaticallyAfterDays must be within 1-1000.",
        ));
    }
    if let Some(expression) = &rules.schedule_expression {
        validate_schedule(expression)?;
    }
    if let Some(duration) = &rules.duration {
        validate_duration(duration)?;
    }
    let mut object = serde_json::Map::new();
    match (rules.automatically_after_days, rules.schedule_expression) {
        (Some(days), None) => {
            object.insert("AutomaticallyAfterDays".into(), json!(days));
        }
        (None, Some(expression)) => {
            object.insert("ScheduleExpression".into(), json!(expression));
        }
        _ => {
            return Err(ApiError::invalid_parameter(
                "RotationRules must contain AutomaticallyAfterDays or ScheduleExpression.",
            ));
        }
    }
    if let Some(duration) = rules.duration {
        object.insert("Duration".into(), json!(duration));
    }
    Ok(serde_json::Value::Object(object).to_string())
}

/// Checks the shape of `rate(N hours|days)` and six-field `cron(...)`
/// expressions; the scheduler evaluates them.
fn validate_schedule(expression: &str) -> Result<(), ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "()#?*-/, ".contains(c);
    if expression.is_empty()
        || expression.chars().count() > MAX_SCHEDULE_LEN
        || !expression.chars().all(allowed)
    {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'rotationRules.scheduleExpression' failed to \
             satisfy constraint: Member must have length between 1 and {MAX_SCHEDULE_LEN} and \
             satisfy regular expression pattern: [0-9A-Za-z\\(\\)#\\?\\*\\-\\/, ]+"
        )));
    }
    if let Some(body) = expression
        .strip_prefix("rate(")
        .and_then(|s| s.strip_suffix(')'))
    {
        let mut parts = body.split_whitespace();
        let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid_schedule(expression));
        };
        let count: u32 = count.parse().map_err(|_| invalid_schedule(expression))?;
        let valid = match unit {
            "hour" | "hours" => count >= MIN_RATE_HOURS,
            "day" | "days" => (1..=MAX_DAYS as u32).contains(&count),
            _ => false,
        };
        return if valid {
            Ok(())
        } else {
            Err(invalid_schedule(expression))
        };
    }
    let cron_fields = expression
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
        .map(|body| body.split_whitespace().count());
    if cron_fields == Some(6) {
        return Ok(());
    }
    Err(invalid_schedule(expression))
}

fn invalid_schedule(expression: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "Invalid ScheduleExpression {expression:?}. Use rate(N hours) with N of at least \
         {MIN_RATE_HOURS}, rate(N days) with N from 1 to {MAX_DAYS}, or a six-field cron(...) \
         expression."
    ))
}

/// Checks `Duration`: `<hours>h`, from 1 to 24 hours.
fn validate_duration(duration: &str) -> Result<(), ApiError> {
    let hours = duration
        .strip_suffix('h')
        .filter(|digits| !digits.is_empty() && digits.len() <= 2)
        .and_then(|digits| digits.parse::<u32>().ok());
    match hours {
        Some(hours) if (1..=MAX_WINDOW_HOURS).contains(&hours) => Ok(()),
        _ => Err(ApiError::invalid_parameter(format!(
            "Invalid Duration {duration:?}. Use a whole number of hours from 1 to \
             {MAX_WINDOW_HOURS} followed by h, for example 3h."
        ))),
    }
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
        assert_eq!(
            validate_rules(rules(Some(30), None, None)).unwrap(),
            r#"{"AutomaticallyAfterDays":30}"#
        );
        assert_eq!(
            validate_rules(rules(None, Some("cron(0 2 ? * SUN *)"), Some("3h"))).unwrap(),
            r#"{"Duration":"3h","ScheduleExpression":"cron(0 2 ? * SUN *)"}"#
        );
    }

    #[test]
    fn schedule_shapes_are_checked() {
        for valid in [
            "rate(10 days)",
            "rate(4 hours)",
            "rate(1 day)",
            "cron(0 16 1,15 * ? *)",
        ] {
            assert!(validate_schedule(valid).is_ok(), "{valid}");
        }
        for invalid in [
            "rate(2 hours)",
            "rate(0 days)",
            "rate(ten days)",
            "cron(0 2 * *)",
            "every day",
        ] {
            assert!(validate_schedule(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn duration_is_hours_up_to_a_day() {
        assert!(validate_duration("3h").is_ok());
        assert!(validate_duration("24h").is_ok());
        for invalid in ["0h", "25h", "h", "3", "3m", "100h"] {
            assert!(validate_duration(invalid).is_err(), "{invalid}");
        }
    }
}
