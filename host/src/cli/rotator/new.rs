//! `tumbler rotator new`: creates a rotator crate from templates.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

/// Location of the SDK in the source checkout that built this binary.
const CHECKOUT_SDK_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk");

const CARGO_TOML: &str = include_str!("scaffold/Cargo.toml.tmpl");
const LIB_RS: &str = include_str!("scaffold/lib.rs.tmpl");
const README: &str = include_str!("scaffold/README.md.tmpl");
const CARGO_CONFIG: &str = include_str!("scaffold/config.toml.tmpl");
const GITIGNORE: &str = include_str!("scaffold/gitignore.tmpl");
/// The dependency versions that the built-in rotators are built and tested
/// with, so that the new crate resolves the same ones, offline too.
const CARGO_LOCK: &str = include_str!("../../../../rotators/Cargo.lock");

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Crate name, such as my-rotator: ASCII letters, digits, '-' and '_',
    /// starting with a letter.
    name: String,
    /// Directory to create; defaults to ./NAME. It must not exist or be empty.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The tumbler-sdk crate directory to depend on; defaults to the sdk/
    /// folder of the source checkout this binary was built from.
    #[arg(long)]
    sdk_path: Option<PathBuf>,
}

/// Writes the crate and prints the next commands.
pub fn run_new(args: NewArgs) -> anyhow::Result<()> {
    validate_crate_name(&args.name)?;
    let sdk_path = resolve_sdk_path(args.sdk_path.as_deref())?;
    let directory = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    ensure_empty_directory(&directory)?;

    let sdk_text = sdk_path.to_str().with_context(|| {
        format!("the SDK path {} is not valid UTF-8; pass --sdk-path", sdk_path.display())
    })?;
    let artifact = args.name.replace('-', "_");
    let render = |template: &str| {
        template
            .replace("{{name}}", &args.name)
            .replace("{{artifact}}", &artifact)
            .replace("{{sdk_path}}", &sdk_text.replace('\\', "/"))
    };
    let files = [
        ("Cargo.toml", render(CARGO_TOML)),
        ("Cargo.lock", CARGO_LOCK.to_string()),
        ("src/lib.rs", render(LIB_RS)),
        ("README.md", render(README)),
        (".cargo/config.toml", render(CARGO_CONFIG)),
        (".gitignore", render(GITIGNORE)),
    ];
    for (relative, contents) in files {
        let path = directory.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
        }
        std::fs::write(&path, contents).with_context(|| format!("could not write {}", path.display()))?;
    }

    println!("Created rotator crate {} in {}", args.name, directory.display());
    println!("  tumbler-sdk: {}", sdk_path.display());
    println!("Next: cd {} && cargo test && cargo build-rotator", directory.display());
    Ok(())
}

fn validate_crate_name(name: &str) -> anyhow::Result<()> {
    let mut characters = name.chars();
    let starts_with_letter = characters.next().is_some_and(|first| first.is_ascii_alphabetic());
    let rest_valid = characters.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !starts_with_letter || !rest_valid || name.len() > 64 {
        bail!(
            "invalid rotator name {name:?}: use up to 64 ASCII letters, digits, '-' and '_', \
             starting with a letter"
        );
    }
    Ok(())
}

/// Returns the absolute SDK directory: `--sdk-path`, or the checkout's sdk/.
fn resolve_sdk_path(requested: Option<&Path>) -> anyhow::Result<PathBuf> {
    let candidate = requested.unwrap_or(Path::new(CHECKOUT_SDK_DIR));
    let manifest = candidate.join("Cargo.toml");
    let is_sdk = std::fs::read_to_string(&manifest)
        .map(|text| text.contains("name = \"tumbler-sdk\""))
        .unwrap_or(false);
    if !is_sdk {
        match requested {
            Some(path) => bail!(
                "--sdk-path {} does not contain the tumbler-sdk crate (no Cargo.toml naming it)",
                path.display()
            ),
            None => bail!(
                "the tumbler-sdk source is not at {}, where this binary was built; pass \
                 --sdk-path with the sdk/ directory of a Tumbler checkout",
                candidate.display()
            ),
        }
    }
    candidate
        .canonicalize()
        .with_context(|| format!("could not resolve the SDK path {}", candidate.display()))
}

fn ensure_empty_directory(directory: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(directory) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} already exists and is not empty; choose another --dir",
                    directory.display()
                );
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("could not read {}", directory.display())),
    }
}
