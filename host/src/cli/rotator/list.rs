//! `tumbler rotator list`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;

use crate::app::App;
use crate::cli::OutputFormat;
use crate::cli::secret::print_json;
use crate::store::InstalledRotator;
use crate::wasm::builtin::BUILTIN_ROTATORS;

pub async fn run_list(app: &App, output: OutputFormat) -> anyhow::Result<()> {
    let installed = app.secrets.store().list_rotators().await?;
    let builtins: Vec<(&str, String, usize)> = BUILTIN_ROTATORS
        .iter()
        .map(|(name, bytes)| (*name, hex::encode(Sha256::digest(bytes)), bytes.len()))
        .collect();
    match output {
        OutputFormat::Json => {
            let mut list: Vec<Value> = builtins
                .iter()
                .map(|(name, sha256, size)| {
                    json!({ "Name": name, "Source": "built-in", "Sha256": sha256, "SizeBytes": size })
                })
                .collect();
            list.extend(installed.iter().map(rotator_json));
            print_json(&json!({ "Rotators": list }));
        }
        OutputFormat::Text => {
            println!("NAME\tSOURCE\tVERSION\tSHA256\tINSTALLED");
            for (name, sha256, _) in &builtins {
                println!("{name}\tbuilt-in\t{}\t{sha256}\t-", env!("CARGO_PKG_VERSION"));
            }
            for rotator in &installed {
                println!(
                    "{}\tinstalled\t{}\t{}\t{}",
                    rotator.name,
                    rotator.info_version,
                    rotator.sha256,
                    format_date(rotator)
                );
            }
        }
    }
    Ok(())
}

/// Builds the JSON form of an installed rotator for `list` and `install` output.
pub fn rotator_json(rotator: &InstalledRotator) -> Value {
    json!({
        "Name": rotator.name,
        "Source": "installed",
        "Sha256": rotator.sha256,
        "SizeBytes": rotator.size_bytes,
        "InfoName": rotator.info_name,
        "Version": rotator.info_version,
        "SdkVersion": rotator.sdk_version,
        "InstalledAt": format_date(rotator),
    })
}

fn format_date(rotator: &InstalledRotator) -> String {
    rotator
        .installed_at
        .format(&Rfc3339)
        .unwrap_or_else(|_| rotator.installed_at.to_string())
}
