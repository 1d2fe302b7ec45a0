//! Compiles the fixture rotators under `tests/rotators/` to wasm32-wasip2
//! components and passes their location to the tests through the
//! `TUMBLER_FIXTURE_ROTATORS_DIR` environment variable.
//!
//! The fixtures form their own cargo workspace, so this script runs a nested
//! `cargo build` into a separate target directory, because the outer build
//! holds the lock on the main one.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let fixtures_dir = manifest_dir.join("rotators");
    let sdk_dir = manifest_dir.parent().expect("tests has a parent directory").join("sdk");
    for watched in [fixtures_dir.clone(), sdk_dir.join("src"), sdk_dir.join("wit"), sdk_dir.join("Cargo.toml")] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let target_dir = fixture_target_dir(&out_dir, &manifest_dir);
    build_fixtures(&fixtures_dir, &target_dir);
    let artifact_dir = target_dir.join(WASM_TARGET).join("release");
    println!("cargo:rustc-env=TUMBLER_FIXTURE_ROTATORS_DIR={}", artifact_dir.display());
}

/// Returns `<target>/fixture-rotators`, where `<target>` is the outer build's
/// target directory (`OUT_DIR` is `<target>/<profile>/build/<pkg>-<hash>/out`).
fn fixture_target_dir(out_dir: &Path, manifest_dir: &Path) -> PathBuf {
    let outer_target = out_dir.ancestors().nth(4).map(Path::to_path_buf);
    outer_target
        .unwrap_or_else(|| manifest_dir.join("target"))
        .join("fixture-rotators")
}

fn build_fixtures(fixtures_dir: &Path, target_dir: &Path) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--release")
        .arg("--target")
        .arg(WASM_TARGET)
        .arg("--manifest-path")
        .arg(fixtures_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    // Flags meant for the host build must not reach the wasm build.
    for variable in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        command.env_remove(variable);
    }
    let status = command.status().expect("run the nested cargo build of the fixture rotators");
    if !status.success() {
        panic!(
            "building the fixture rotators failed ({status}); run `cargo build --release --target \
             {WASM_TARGET} --manifest-path tests/rotators/Cargo.toml` to see the errors"
        );
    }
}
