//! `tumbler rotator test`: the conformance harness on the command line.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::cli::OutputFormat;
use crate::cli::input::read_secret_string;
use crate::cli::rotate::parse_settings;
use crate::cli::secret::print_json;
use crate::harness::{Harness, HarnessOptions};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The rotator component, built with `cargo build --target wasm32-wasip2`.
    file: PathBuf,
    /// Initial value of the secret under test, whose credentials must work
    /// on the target: the text, file://PATH, or - for stdin.
    #[arg(long)]
    secret_string: String,
    /// Rotation setting as KEY=VALUE (repeat the flag).
    #[arg(long = "setting")]
    settings: Vec<String>,
    /// Server the rotator may connect to, as scheme://host:port (repeat the
    /// flag). The harness logs in to check AWSCURRENT only on these servers.
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Another secret to store as NAME=VALUE, readable by the rotation
    /// (repeat the flag). VALUE may be file://PATH.
    #[arg(long = "read-secret")]
    read_secrets: Vec<String>,
}

/// Runs the checks and prints one row per check. Fails when a check fails,
/// so the exit code is non-zero.
pub async fn run_test(args: TestArgs, output: OutputFormat) -> anyhow::Result<()> {
    let component = std::fs::read(&args.file)
        .with_context(|| format!("could not read the rotator component {}", args.file.display()))?;
    let mut options = HarnessOptions::new(read_secret_string(&args.secret_string)?);
    options.settings = parse_settings(&args.settings)?;
    options.allow_hosts = args.allow_hosts;
    for entry in &args.read_secrets {
        options.read_secrets.push(parse_read_secret(entry)?);
    }

    let harness = Harness::new(&component, options)
        .await
        .with_context(|| format!("could not load {} into the harness", args.file.display()))?;
    let report = harness.run().await;
    match output {
        OutputFormat::Json => print_json(&serde_json::to_value(&report)?),
        OutputFormat::Text => print!("{}", report.table()),
    }
    if !report.passed() {
        bail!("{} does not pass the rotator conformance checks", args.file.display());
    }
    Ok(())
}

/// Splits `NAME=VALUE` and reads `file://` values.
fn parse_read_secret(entry: &str) -> anyhow::Result<(String, String)> {
    let Some((name, value)) = entry.split_once('=') else {
        // The entry is not printed, because it may be a secret value.
        bail!("a --read-secret entry is missing '='; use NAME=VALUE");
    };
    if name.trim().is_empty() {
        bail!("--read-secret has an empty NAME; use NAME=VALUE");
    }
    if value == "-" {
        bail!("--read-secret {name}=- is not supported; use file://PATH");
    }
    Ok((name.trim().to_string(), read_secret_string(value)?))
}
