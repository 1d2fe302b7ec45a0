//! `tumbler access-key ...`: access keys for the API.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::OutputFormat;
use super::secret::print_json;
use crate::app::App;
use crate::auth::{AccessKeyRecord, NewAccessKey};

#[derive(Debug, Subcommand)]
pub enum AccessKeyCommand {
    /// Create an access key and print its id and secret; the secret is shown
    /// only this once.
    Create {
        /// User name in the key's principal ARN (arn:aws:iam::<account>:user/<name>);
        /// the key id by default. 1-64 letters, digits and _+=,.@- characters.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Identity policy: JSON text or file://PATH. Without a policy and
        /// without --admin the key is allowed nothing, except what secrets'
        /// resource policies grant it.
        #[arg(long)]
        policy: Option<String>,
        /// Allow every action that no policy explicitly denies.
        #[arg(long)]
        admin: bool,
        /// Tag as KEY=VALUE, available to policies as aws:PrincipalTag/KEY
        /// (repeat the flag for several tags).
        #[arg(long = "tag", value_name = "KEY=VALUE")]
        tags: Vec<String>,
    },
    /// List access keys (never their secrets).
    List,
    /// Delete an access key; requests signed with it fail at once.
    Delete {
        /// Access key id (TKIA...).
        access_key_id: String,
    },
    /// Disable an access key without deleting it.
    Disable {
        /// Access key id (TKIA...).
        access_key_id: String,
    },
    /// Enable a disabled access key.
    Enable {
        /// Access key id (TKIA...).
        access_key_id: String,
    },
}

pub async fn run(app: &App, command: AccessKeyCommand, output: OutputFormat) -> anyhow::Result<()> {
    let keys = &app.access_keys;
    match command {
        AccessKeyCommand::Create {
            name,
            description,
            policy,
            admin,
            tags,
        } => {
            let policy = policy.as_deref().map(read_policy).transpose()?;
            let created = keys
                .create(NewAccessKey {
                    name,
                    description,
                    is_admin: admin,
                    policy,
                    tags: parse_tags(&tags)?,
                })
                .await?;
            let record = &created.record;
            match output {
                OutputFormat::Json => print_json(&json!({
                    "AccessKey": {
                        "UserName": record.name,
                        "AccessKeyId": record.id,
                        "SecretAccessKey": created.secret_access_key.as_str(),
                        "Status": "Active",
                        "CreateDate": format_date(record.created_at),
                        "IsAdmin": record.is_admin,
                    }
                })),
                OutputFormat::Text => {
                    println!("Access key id:     {}", record.id);
                    println!("Secret access key: {}", created.secret_access_key.as_str());
                    println!(
                        "Principal:         arn:aws:iam::{}:user/{}",
                        app.config.account, record.name
                    );
                    println!("The secret access key is shown only now; store it safely.");
                }
            }
        }
        AccessKeyCommand::List => {
            let records = keys.list().await?;
            match output {
                OutputFormat::Json => {
                    let list: Vec<Value> = records.iter().map(metadata).collect();
                    print_json(&json!({ "AccessKeyMetadata": list }));
                }
                OutputFormat::Text => {
                    for record in &records {
                        let role = if record.is_admin { "admin" } else { "" };
                        println!(
                            "{}\t{}\t{}\t{}\t{role}",
                            record.id,
                            record.name,
                            status(record),
                            format_date(record.created_at)
                        );
                    }
                }
            }
        }
        AccessKeyCommand::Delete { access_key_id } => {
            keys.delete(&access_key_id).await?;
            report(output, &access_key_id, "Deleted");
        }
        AccessKeyCommand::Disable { access_key_id } => {
            keys.set_disabled(&access_key_id, true).await?;
            report(output, &access_key_id, "Inactive");
        }
        AccessKeyCommand::Enable { access_key_id } => {
            keys.set_disabled(&access_key_id, false).await?;
            report(output, &access_key_id, "Active");
        }
    }
    Ok(())
}

/// Reads `--policy`: JSON text, or the contents of `file://PATH`.
fn read_policy(argument: &str) -> anyhow::Result<String> {
    let text = match argument.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("could not read the policy from {path}"))?,
        None => argument.to_owned(),
    };
    if text.trim().is_empty() {
        bail!("--policy is empty; give the policy JSON or file://PATH");
    }
    Ok(text)
}

fn parse_tags(tags: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut parsed = BTreeMap::new();
    for tag in tags {
        let Some((key, value)) = tag.split_once('=') else {
            bail!("invalid --tag '{tag}': write it as KEY=VALUE");
        };
        if key.is_empty() {
            bail!("invalid --tag '{tag}': the key is empty");
        }
        parsed.insert(key.to_owned(), value.to_owned());
    }
    Ok(parsed)
}

fn metadata(record: &AccessKeyRecord) -> Value {
    let policy: Option<Value> = record
        .policy
        .as_deref()
        .map(|text| serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())));
    json!({
        "UserName": record.name,
        "AccessKeyId": record.id,
        "Status": status(record),
        "CreateDate": format_date(record.created_at),
        "LastUsedDate": record.last_used_at.map(format_date),
        "IsAdmin": record.is_admin,
        "Description": record.description,
        "Policy": policy,
        "Tags": record.tags,
    })
}

fn status(record: &AccessKeyRecord) -> &'static str {
    if record.disabled {
        "Inactive"
    } else {
        "Active"
    }
}

fn report(output: OutputFormat, access_key_id: &str, status: &str) {
    match output {
        OutputFormat::Json => {
            print_json(&json!({ "AccessKeyId": access_key_id, "Status": status }))
        }
        OutputFormat::Text => println!("{access_key_id}\t{status}"),
    }
}

fn format_date(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
