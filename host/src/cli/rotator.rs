//! `tumbler rotator ...`: commands for rotator authors.

use std::path::Path;

use clap::Subcommand;

use super::OutputFormat;
use super::rotator_new::{NewArgs, run_new};
use super::rotator_test::{TestArgs, run_test};

#[derive(Debug, Subcommand)]
pub enum RotatorCommand {
    /// Run the conformance checks on a rotator component in a temporary
    /// data directory; exits non-zero when a check fails.
    Test(TestArgs),
    /// Create a rotator crate with an example rotator, a unit test and a
    /// README.
    New(NewArgs),
}

/// Runs a rotator command. Neither command opens the data directory.
pub async fn run(_data_dir: &Path, command: RotatorCommand, output: OutputFormat) -> anyhow::Result<()> {
    match command {
        RotatorCommand::Test(args) => run_test(args, output).await,
        RotatorCommand::New(args) => run_new(args),
    }
}
