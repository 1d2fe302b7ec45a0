//! `tumbler rotator ...`: custom rotators, one file per subcommand.

mod install;
mod list;
mod remove;

use clap::Subcommand;

use super::OutputFormat;
use crate::app::App;

#[derive(Debug, Subcommand)]
pub enum RotatorCommand {
    /// Install a custom rotator from a wasm32-wasip2 component.
    Install(install::InstallArgs),
    /// List the built-in and installed rotators.
    List,
    /// Remove an installed rotator.
    Remove(remove::RemoveArgs),
}

pub async fn run(app: &App, command: RotatorCommand, output: OutputFormat) -> anyhow::Result<()> {
    match command {
        RotatorCommand::Install(args) => install::run_install(app, args, output).await,
        RotatorCommand::List => list::run_list(app, output).await,
        RotatorCommand::Remove(args) => remove::run_remove(app, args, output).await,
    }
}
