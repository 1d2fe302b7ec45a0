//! `tumbler rotator install NAME FILE.wasm`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::list::rotator_json;
use crate::app::App;
use crate::cli::OutputFormat;
use crate::cli::secret::print_json;
use crate::rotation::install::{InstallRequest, install_rotator};

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Name for --rotator and RotationLambdaARN: 1-63 lower-case letters,
    /// digits and hyphens, starting with a letter or digit.
    name: String,
    /// The rotator component, built with `cargo build --target wasm32-wasip2`.
    file: PathBuf,
    /// Expected SHA-256 of the file as 64 hexadecimal digits. The install is
    /// rejected when the file differs.
    #[arg(long)]
    sha256: Option<String>,
    /// Replace an installed rotator of the same name.
    #[arg(long)]
    replace: bool,
}

pub async fn run_install(app: &App, args: InstallArgs, output: OutputFormat) -> anyhow::Result<()> {
    let component = std::fs::read(&args.file)
        .with_context(|| format!("could not read the rotator file {}", args.file.display()))?;
    let registry = app.rotator_registry()?;
    let request = InstallRequest {
        name: args.name,
        component,
        expected_sha256: args.sha256,
        replace: args.replace,
    };
    let installed = install_rotator(&registry, &app.secrets, request).await?;
    match output {
        OutputFormat::Json => print_json(&rotator_json(&installed)),
        OutputFormat::Text => println!(
            "Installed rotator {} ({} {}, SDK {}), SHA-256 {}",
            installed.name,
            installed.info_name,
            installed.info_version,
            installed.sdk_version,
            installed.sha256
        ),
    }
    Ok(())
}
