//! `tumbler rotator remove NAME`.

use clap::Args;
use serde_json::json;

use crate::app::App;
use crate::cli::OutputFormat;
use crate::cli::secret::print_json;
use crate::rotation::install::remove_rotator;

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// Name of the installed rotator.
    name: String,
}

pub async fn run_remove(app: &App, args: RemoveArgs, output: OutputFormat) -> anyhow::Result<()> {
    remove_rotator(&app.secrets, &args.name).await?;
    match output {
        OutputFormat::Json => print_json(&json!({ "Name": args.name, "Removed": true })),
        OutputFormat::Text => println!(
            "Removed rotator {}; secrets configured with it fail to rotate until a rotator of \
             that name is installed again",
            args.name
        ),
    }
    Ok(())
}
