//! `tumbler rotator ...`: custom rotators and tools for rotator authors,
//! one file per subcommand.

mod install;
mod list;
mod new;
mod remove;
mod test;

use std::path::Path;

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
    /// Run the conformance checks on a rotator component in a temporary
    /// data directory; exits non-zero when a check fails.
    Test(test::TestArgs),
    /// Create a rotator crate with an example rotator, a unit test and a
    /// README.
    New(new::NewArgs),
}

/// Runs a rotator command. `test` and `new` do not open the data directory.
pub async fn run(
    data_dir: &Path,
    store: Option<&str>,
    command: RotatorCommand,
    output: OutputFormat,
) -> anyhow::Result<()> {
    match command {
        RotatorCommand::Test(args) => test::run_test(args, output).await,
        RotatorCommand::New(args) => new::run_new(args),
        command => {
            let app = App::open_with_store(data_dir, store).await?;
            match command {
                RotatorCommand::Install(args) => install::run_install(&app, args, output).await,
                RotatorCommand::List => list::run_list(&app, output).await,
                RotatorCommand::Remove(args) => remove::run_remove(&app, args, output).await,
                RotatorCommand::Test(_) | RotatorCommand::New(_) => unreachable!("handled above"),
            }
        }
    }
}
