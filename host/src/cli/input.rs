//! Reading secret values from arguments, files or stdin.

use std::io::Read;

use anyhow::{Context, bail};

/// Returns the value of `--secret-string`: the text itself, the contents of
/// `file://PATH`, or stdin for `-`. Reading from a file or stdin keeps the
/// value out of the process list and shell history.
pub fn read_secret_string(argument: &str) -> anyhow::Result<String> {
    if argument == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the secret string from stdin")?;
        return Ok(strip_one_newline(text));
    }
    if let Some(path) = argument.strip_prefix("file://") {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read the secret string from {path}"))?;
        return Ok(strip_one_newline(text));
    }
    if argument.is_empty() {
        bail!("--secret-string is empty; give the value, file://PATH, or - to read stdin");
    }
    Ok(argument.to_string())
}

fn strip_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}
