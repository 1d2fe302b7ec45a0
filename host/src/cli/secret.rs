//! `tumbler secret ...`: the Secrets Manager operations on the local store.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;
use zeroize::Zeroizing;

use super::OutputFormat;
use super::input::read_secret_string;
use super::rotate::{RotateArgs, run_rotate};
use crate::app::App;
use crate::secrets::{CreateSecretInput, PasswordSpec, PutSecretValueInput, SecretValue};

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Create a secret, optionally with a first value labelled AWSCURRENT.
    Create {
        /// Secret name: 1-512 letters, digits and /_+=.@- characters.
        name: String,
        /// The value: text, file://PATH, or - to read stdin.
        #[arg(long)]
        secret_string: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Key id or alias (alias/NAME) of the key that encrypts the value.
        #[arg(long)]
        kms_key_id: Option<String>,
        /// Version id of the first version (32-64 characters); a UUID by default.
        #[arg(long)]
        client_request_token: Option<String>,
    },
    /// Print a secret value alone, for use in scripts.
    Get {
        /// Name or ARN of the secret.
        secret_id: String,
        /// Staging label of the version to read; AWSCURRENT by default.
        #[arg(long)]
        version_stage: Option<String>,
        /// Version id to read.
        #[arg(long)]
        version_id: Option<String>,
    },
    /// Store a new version; AWSCURRENT moves to it unless --version-stages names other labels.
    Put {
        /// Name or ARN of the secret.
        secret_id: String,
        /// The value: text, file://PATH, or - to read stdin.
        #[arg(long)]
        secret_string: String,
        /// Labels for the new version (repeat the flag); AWSCURRENT by default.
        #[arg(long = "version-stages", num_args = 1..)]
        version_stages: Vec<String>,
        /// Version id of the new version (32-64 characters); a UUID by default.
        #[arg(long)]
        client_request_token: Option<String>,
    },
    /// Print a secret's metadata as DescribeSecret JSON, without the value.
    Describe {
        /// Name or ARN of the secret.
        secret_id: String,
    },
    /// List secrets.
    List,
    /// Rotate a secret with a WebAssembly rotator and print each step.
    Rotate(RotateArgs),
    /// Generate a random password with the GetRandomPassword rules.
    RandomPassword(RandomPasswordArgs),
}

#[derive(Debug, Args)]
pub struct RandomPasswordArgs {
    /// Length in characters (1-4096).
    #[arg(long, default_value_t = 32)]
    password_length: u32,
    /// Characters that must not appear.
    #[arg(long, default_value = "")]
    exclude_characters: String,
    /// Use no digits.
    #[arg(long)]
    exclude_numbers: bool,
    /// Use no punctuation characters.
    #[arg(long)]
    exclude_punctuation: bool,
    /// Use no upper-case letters.
    #[arg(long)]
    exclude_uppercase: bool,
    /// Use no lower-case letters.
    #[arg(long)]
    exclude_lowercase: bool,
    /// Allow the space character.
    #[arg(long)]
    include_space: bool,
    /// Drop the rule that the password contains at least one character of each included type.
    #[arg(long)]
    no_require_each_included_type: bool,
}

pub async fn run(app: &App, command: SecretCommand, output: OutputFormat) -> anyhow::Result<()> {
    match command {
        SecretCommand::Create {
            name,
            secret_string,
            description,
            kms_key_id,
            client_request_token,
        } => {
            let value = match secret_string {
                Some(argument) => Some(SecretValue::Text(Zeroizing::new(read_secret_string(&argument)?))),
                None => None,
            };
            let created = app
                .secrets
                .create_secret(CreateSecretInput {
                    name,
                    client_request_token,
                    description,
                    kms_key_id,
                    value,
                    tags: Vec::new(),
                })
                .await?;
            let record = json!({"ARN": created.arn, "Name": created.name, "VersionId": created.version_id});
            match output {
                OutputFormat::Json => print_json(&record),
                OutputFormat::Text => match &created.version_id {
                    Some(version_id) => println!("Created secret {} ({}), version {version_id}", created.name, created.arn),
                    None => println!("Created secret {} ({}) without a value", created.name, created.arn),
                },
            }
        }
        SecretCommand::Get {
            secret_id,
            version_stage,
            version_id,
        } => {
            let value = app
                .secrets
                .get_secret_value(&secret_id, version_id.as_deref(), version_stage.as_deref())
                .await?;
            let mut stdout = std::io::stdout().lock();
            match &value.value {
                SecretValue::Text(text) => writeln!(stdout, "{}", text.as_str())?,
                SecretValue::Binary(bytes) => stdout.write_all(bytes)?,
            }
            stdout.flush()?;
        }
        SecretCommand::Put {
            secret_id,
            secret_string,
            version_stages,
            client_request_token,
        } => {
            let value = SecretValue::Text(Zeroizing::new(read_secret_string(&secret_string)?));
            let stored = app
                .secrets
                .put_secret_value(PutSecretValueInput {
                    secret_id,
                    client_request_token,
                    value,
                    version_stages: (!version_stages.is_empty()).then_some(version_stages),
                })
                .await?;
            let record = json!({
                "ARN": stored.arn,
                "Name": stored.name,
                "VersionId": stored.version_id,
                "VersionStages": stored.version_stages,
            });
            match output {
                OutputFormat::Json => print_json(&record),
                OutputFormat::Text => println!(
                    "Stored version {} of {} with labels {}",
                    stored.version_id,
                    stored.name,
                    stored.version_stages.join(", ")
                ),
            }
        }
        SecretCommand::Describe { secret_id } => {
            let description = app.secrets.describe_secret(&secret_id).await?;
            print_json(&serde_json::to_value(&description)?);
        }
        SecretCommand::List => {
            let secrets = app.secrets.list_secrets().await?;
            match output {
                OutputFormat::Json => {
                    let entries: Vec<_> = secrets.into_iter().map(|secret| secret.into_list_entry()).collect();
                    print_json(&json!({ "SecretList": entries }));
                }
                OutputFormat::Text => {
                    for secret in &secrets {
                        let rotation = if secret.rotation_enabled == Some(true) { "rotation on" } else { "" };
                        println!("{}\t{}\t{rotation}", secret.name, secret.arn);
                    }
                }
            }
        }
        SecretCommand::Rotate(args) => run_rotate(app, args, output).await?,
        SecretCommand::RandomPassword(args) => {
            let spec = PasswordSpec {
                length: args.password_length,
                exclude_characters: args.exclude_characters,
                exclude_numbers: args.exclude_numbers,
                exclude_punctuation: args.exclude_punctuation,
                exclude_uppercase: args.exclude_uppercase,
                exclude_lowercase: args.exclude_lowercase,
                include_space: args.include_space,
                require_each_included_type: !args.no_require_each_included_type,
            };
            let password = app.secrets.get_random_password(&spec)?;
            match output {
                OutputFormat::Json => print_json(&json!({ "RandomPassword": password.as_str() })),
                OutputFormat::Text => println!("{}", password.as_str()),
            }
        }
    }
    Ok(())
}

pub(super) fn print_json(value: &serde_json::Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("error: could not format the output as JSON: {error}"),
    }
}
