//! The `tumbler` command line.

mod access_key;
mod input;
mod rotate;
mod rotator;
mod secret;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::App;
use crate::config::DEFAULT_DATA_DIR;
use crate::rotation::RotationError;
use crate::secrets::SecretsError;

#[derive(Debug, Parser)]
#[command(name = "tumbler", version, about = "Self-hosted secrets manager with WebAssembly rotators")]
pub struct Cli {
    /// Directory that contains the database, the key file and tumbler.toml.
    #[arg(long, env = "TUMBLER_DATA_DIR", default_value = DEFAULT_DATA_DIR, global = true)]
    pub data_dir: PathBuf,

    /// Store URL: postgres://USER[:PASSWORD]@HOST:PORT/DATABASE for replicas
    /// that share one database, or sqlite://PATH. Overrides `store` in
    /// tumbler.toml; the default is tumbler.db in the data directory.
    #[arg(long, env = "TUMBLER_STORE", global = true, hide_env_values = true)]
    pub store: Option<String>,

    /// Output format of commands that print records.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, global = true)]
    pub output: OutputFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, read, update and rotate secrets.
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Serve the AWS Secrets Manager-compatible API.
    Serve(serve::ServeArgs),
    /// Create, list and delete access keys for the API.
    #[command(subcommand)]
    AccessKey(access_key::AccessKeyCommand),
    /// Install, list, remove, create and test rotators.
    #[command(subcommand)]
    Rotator(rotator::RotatorCommand),
}

/// Runs the parsed command and returns the process exit code. Errors are
/// printed to stderr.
pub async fn run(cli: Cli) -> ExitCode {
    match dispatch(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", describe_error(&error));
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let Command::Rotator(command) = cli.command {
        return rotator::run(&cli.data_dir, cli.store.as_deref(), command, cli.output).await;
    }
    let app = App::open_with_store(&cli.data_dir, cli.store.as_deref()).await?;
    match cli.command {
        Command::Secret(command) => secret::run(&app, command, cli.output).await,
        Command::Serve(args) => serve::run_serve(app, args).await,
        Command::AccessKey(command) => access_key::run(&app, command, cli.output).await,
        Command::Rotator(_) => unreachable!("rotator commands return above"),
    }
}

/// Formats an error with its AWS error type and a hint on what to do next.
fn describe_error(error: &anyhow::Error) -> String {
    let secrets_error = error.downcast_ref::<SecretsError>().or_else(|| {
        match error.downcast_ref::<RotationError>() {
            Some(RotationError::Secrets(inner)) => Some(inner),
            _ => None,
        }
    });
    let Some(secrets_error) = secrets_error else {
        return format!("{error:#}");
    };
    let message = secrets_error.to_string();
    let hint = match secrets_error.aws_type() {
        "ResourceNotFoundException" if message.ends_with("can't find the specified secret.") => {
            " Run `tumbler secret list` to see the stored secrets."
        }
        "ResourceNotFoundException" => " Run `tumbler secret describe` to see the secret's versions and labels.",
        "ResourceExistsException" if message.contains("already exists") => {
            " Use `tumbler secret put` to store a new value in an existing secret."
        }
        "DecryptionFailure" => " Check that the key file or TUMBLER_MASTER_KEY is the one the secret was stored with.",
        _ => "",
    };
    let separator = if hint.is_empty() || message.ends_with('.') { "" } else { "." };
    format!("{}: {message}{separator}{hint}", secrets_error.aws_type())
}
