//! `tumbler serve`: the AWS-compatible API server.

use clap::Args;

use crate::app::App;

#[derive(Debug, Args)]
pub struct ServeArgs {}

pub async fn run_serve(_app: App, _args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("tumbler serve is not built yet")
}
