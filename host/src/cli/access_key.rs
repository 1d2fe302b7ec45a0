//! `tumbler access-key ...`: access keys for the API.

use clap::Subcommand;

use super::OutputFormat;
use crate::app::App;

#[derive(Debug, Subcommand)]
pub enum AccessKeyCommand {}

pub async fn run(_app: &App, command: AccessKeyCommand, _output: OutputFormat) -> anyhow::Result<()> {
    match command {}
}
