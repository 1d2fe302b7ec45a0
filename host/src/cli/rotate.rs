//! `tumbler secret rotate`: runs a rotation in this process and prints each step.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::OutputFormat;
use super::secret::print_json;
use crate::app::App;
use crate::rotation::settings::validate_settings;
use crate::rotation::{RotateRequest, RotationError, RotationObserver, StepName};
use crate::schedule::RotationRules;
use crate::secrets::{RotationConfig, RotationStart, SecretsError, epoch_seconds_f64};
use crate::wasm::AllowList;

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Name or ARN of the secret.
    secret_id: String,
    /// Rotator to use and store for later rotations, for example `postgres`.
    /// Without it the stored rotator is used.
    #[arg(long)]
    rotator: Option<String>,
    /// Server the rotator may connect to for this run, as scheme://host:port
    /// (repeat the flag). Adds to the allow-list in tumbler.toml.
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Version id of the new version (32-64 characters). The token of an
    /// unfinished rotation resumes it.
    #[arg(long)]
    client_request_token: Option<String>,
    /// Rotator setting as KEY=VALUE (repeat the flag), for example
    /// password-length=40 or exclude-characters=:/@.
    #[arg(long = "setting")]
    settings: Vec<String>,
    /// Rotation schedule to store: a number of days (AutomaticallyAfterDays),
    /// rate(N hours|days) or cron(0 H DOM MON DOW *), evaluated in UTC.
    /// `tumbler serve` rotates the secret in each window.
    #[arg(long)]
    schedule: Option<String>,
    /// Length of each rotation window in hours, for example 2h (Duration).
    #[arg(long, requires = "schedule")]
    duration: Option<String>,
    /// Store the configuration and schedule without rotating now.
    #[arg(long)]
    no_rotate_immediately: bool,
}

pub async fn run_rotate(app: &App, args: RotateArgs, output: OutputFormat) -> anyhow::Result<()> {
    let extra_allow_list = AllowList::parse(&args.allow_hosts)?;
    let settings = parse_settings(&args.settings)?;
    if !settings.is_empty() && args.rotator.is_none() {
        bail!("--setting needs --rotator, because settings are stored with the rotation configuration");
    }
    let rules = args
        .schedule
        .as_deref()
        .map(|schedule| parse_schedule(schedule, args.duration.as_deref()))
        .transpose()?;
    if args.no_rotate_immediately {
        return configure_only(app, args, rules, settings, output).await;
    }
    let engine = app.rotation_engine()?;
    let request = RotateRequest {
        secret_id: args.secret_id,
        token: args.client_request_token,
        rotator: args.rotator,
        settings,
        extra_allow_list,
    };
    let secret_id = request.secret_id.clone();
    let printer = StepPrinter { output };
    let report = match engine.rotate(request, &printer).await {
        Ok(report) => report,
        Err(RotationError::Secrets(error)) if error.to_string().contains("previous rotation isn't complete") => {
            return Err(unfinished_rotation_error(app, &secret_id, &error).await);
        }
        Err(error) => return Err(error.into()),
    };

    if let Some(rules) = &rules {
        app.secrets
            .store_rotation_rules(&report.arn, rules, time::OffsetDateTime::now_utc())
            .await?;
    }

    let total: Duration = report.steps.iter().map(|(_, elapsed)| *elapsed).sum();
    match output {
        OutputFormat::Json => print_json(&json!({
            "ARN": report.arn,
            "Name": report.name,
            "VersionId": report.version_id,
            "Rotator": report.rotator,
            "Resumed": report.resumed,
            "Steps": report.steps.iter().map(|(step, elapsed)| json!({
                "Step": step.aws_name(),
                "DurationMs": elapsed.as_secs_f64() * 1000.0,
            })).collect::<Vec<_>>(),
        })),
        OutputFormat::Text => println!(
            "Rotation succeeded in {}: AWSCURRENT is now version {}",
            format_duration(total),
            report.version_id
        ),
    }
    Ok(())
}

/// Explains how to get past an unfinished rotation: resume it with its token,
/// or store a corrected value, which abandons it.
async fn unfinished_rotation_error(app: &App, secret_id: &str, error: &SecretsError) -> anyhow::Error {
    let pending = app.secrets.describe_secret(secret_id).await.ok().and_then(|description| {
        description.version_ids_to_stages.and_then(|versions| {
            versions
                .into_iter()
                .find(|(_, stages)| stages.iter().any(|stage| stage == "AWSPENDING"))
                .map(|(version_id, _)| version_id)
        })
    });
    let Some(pending) = pending else {
        return anyhow::anyhow!("{}: {error}", error.aws_type());
    };
    anyhow::anyhow!(
        "{}: {error} Version {pending} still holds AWSPENDING. Resume that rotation with \
         `tumbler secret rotate {secret_id} --client-request-token {pending}`, or store a corrected \
         value with `tumbler secret put {secret_id}`, which abandons it",
        error.aws_type()
    )
}

/// Stores the rotator and schedule without rotating (`--no-rotate-immediately`).
async fn configure_only(
    app: &App,
    args: RotateArgs,
    rules: Option<RotationRules>,
    settings: BTreeMap<String, String>,
    output: OutputFormat,
) -> anyhow::Result<()> {
    if let Some(rotator) = &args.rotator {
        app.rotation_engine()?.registry().get(rotator).await?;
        validate_settings(rotator, &settings).map_err(anyhow::Error::msg)?;
    }
    let config = args.rotator.map(|rotator| RotationConfig { rotator, settings });
    let secret = app.secrets.configure_rotation(&args.secret_id, config).await?;
    if let Some(rules) = &rules {
        let now = time::OffsetDateTime::now_utc();
        let anchor = app
            .secrets
            .describe_secret(&secret.arn)
            .await?
            .last_rotated_date
            .unwrap_or(now);
        app.secrets.store_rotation_rules(&secret.arn, rules, anchor).await?;
    }
    let description = app.secrets.describe_secret(&secret.arn).await?;
    match output {
        OutputFormat::Json => print_json(&json!({
            "ARN": description.arn,
            "Name": description.name,
            "RotationEnabled": description.rotation_enabled,
            "RotationRules": description.rotation_rules,
            "NextRotationDate": description.next_rotation_date.map(epoch_seconds_f64),
        })),
        OutputFormat::Text => {
            let next = description
                .next_rotation_date
                .and_then(|date| date.format(&Rfc3339).ok())
                .unwrap_or_else(|| "not scheduled".to_string());
            println!("Rotation configured for {}; next rotation window starts {next}", description.name);
        }
    }
    Ok(())
}

/// Reads `--schedule` (a number of days or an expression) and `--duration`.
fn parse_schedule(schedule: &str, duration: Option<&str>) -> anyhow::Result<RotationRules> {
    let parsed = match schedule.trim().parse::<i64>() {
        Ok(days) => RotationRules::parse(Some(days), None, duration),
        Err(_) => RotationRules::parse(None, Some(schedule), duration),
    };
    parsed.map_err(|error| anyhow::anyhow!("{}: invalid --schedule: {error}", error.aws_type()))
}

pub(super) fn parse_settings(arguments: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut settings = BTreeMap::new();
    for argument in arguments {
        let Some((key, value)) = argument.split_once('=') else {
            bail!("invalid --setting {argument:?}: expected KEY=VALUE");
        };
        if key.is_empty() {
            bail!("invalid --setting {argument:?}: the key is empty");
        }
        settings.insert(key.to_string(), value.to_string());
    }
    Ok(settings)
}

/// Prints progress in text mode; JSON output is printed once at the end.
struct StepPrinter {
    output: OutputFormat,
}

impl RotationObserver for StepPrinter {
    fn rotation_started(&self, start: &RotationStart) {
        if self.output == OutputFormat::Text {
            let verb = if start.resumed { "Resuming" } else { "Rotating" };
            println!(
                "{verb} {} with rotator {} (new version {})",
                start.name, start.rotator, start.version_id
            );
        }
    }

    fn step_skipped(&self, step: StepName) {
        if self.output == OutputFormat::Text {
            println!("  {:<13} done earlier, skipped", step.aws_name());
        }
    }

    fn step_finished(&self, step: StepName, attempt: u32, elapsed: Duration, error: Option<&str>) {
        if self.output != OutputFormat::Text {
            return;
        }
        let retry = if attempt > 1 { format!(" (attempt {attempt})") } else { String::new() };
        match error {
            None => println!("  {:<13} ok      {:>9}{retry}", step.aws_name(), format_duration(elapsed)),
            Some(message) => println!(
                "  {:<13} FAILED  {:>9}{retry}: {message}",
                step.aws_name(),
                format_duration(elapsed)
            ),
        }
    }
}

fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_split_at_the_first_equals_sign() {
        let settings = parse_settings(&["exclude-characters=a=b".to_string()]).unwrap();
        assert_eq!(settings["exclude-characters"], "a=b");
    }

    #[test]
    fn schedule_number_means_days() {
        let rules = parse_schedule("30", None).unwrap();
        assert_eq!(rules.after_days(), Some(30));
    }

    #[test]
    fn schedule_expression_keeps_duration() {
        let rules = parse_schedule("cron(0 16 1,15 * ? *)", Some("2h")).unwrap();
        assert_eq!(rules.duration_hours, Some(2));
    }

    #[test]
    fn invalid_schedule_names_aws_error_type() {
        let error = parse_schedule("rate(2 hours)", None).unwrap_err();
        assert!(error.to_string().starts_with("InvalidParameterException"), "{error}");
    }

    #[test]
    fn setting_without_equals_is_rejected() {
        assert!(parse_settings(&["password-length".to_string()]).is_err());
    }
}
