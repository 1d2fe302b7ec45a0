//! Rotator components for tests: the built-in ones embedded in the host, and
//! the test rotators in `tests/rotators/`, built for wasm32-wasip2 on first
//! use.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Target triple that rotator components are built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// Returns the bytes of the built-in rotator `name`. Panics when the host was
/// built without it.
pub fn builtin_component(name: &str) -> Vec<u8> {
    match tumbler::wasm::builtin::builtin_rotator(name) {
        Some(bytes) => bytes.to_vec(),
        None => panic!("the host has no built-in rotator {name:?}"),
    }
}

/// Builds the test rotator crate `member` (a folder of `tests/rotators/`)
/// with the dev profile and returns the path of its component. Tests that
/// build at the same time wait on cargo's lock of the target directory.
pub fn build_test_rotator(member: &str) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("rotators");
    let target_dir = test_rotator_target_dir();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args(["build", "--offline", "--target", WASM_TARGET, "--package"])
        .arg(package_name(&workspace, member))
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("run cargo to build a test rotator");
    assert!(
        output.status.success(),
        "building test rotator {member} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let artifact = target_dir
        .join(WASM_TARGET)
        .join("debug")
        .join(format!("{}.wasm", package_name(&workspace, member).replace('-', "_")));
    assert!(artifact.is_file(), "the build did not produce {}", artifact.display());
    artifact
}

/// Reads the package name from `<workspace>/<member>/Cargo.toml`.
fn package_name(workspace: &Path, member: &str) -> String {
    let manifest_path = workspace.join(member).join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .unwrap_or_else(|error| panic!("could not read {}: {error}", manifest_path.display()));
    manifest
        .lines()
        .find_map(|line| {
            let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("{} has no package name", manifest_path.display()))
}

/// Returns `<target>/test-rotators`, where `<target>` is the target
/// directory of the running test binary (`<target>/<profile>/deps/<test>`),
/// so repeated runs reuse the build.
fn test_rotator_target_dir() -> PathBuf {
    let executable = std::env::current_exe().expect("locate the test binary");
    let workspace_target = executable
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    workspace_target.join("test-rotators")
}
