//! Compiles the built-in rotators to wasm32-wasip2 components and embeds them.
//!
//! The rotators form their own cargo workspace under `rotators/`, so this
//! script runs a nested `cargo build` into a separate target directory,
//! because the outer build holds the lock on the main one. It writes an index
//! of the resulting files to `$OUT_DIR/builtin_rotators.rs`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Built-in rotators: (name, crate name). The crate's artifact is
/// `<crate name with underscores>.wasm`.
const BUILTIN_ROTATORS: &[(&str, &str)] = &[
    ("http-api", "tumbler-rotator-http-api"),
    ("mysql", "tumbler-rotator-mysql"),
    ("mysql-alternating", "tumbler-rotator-mysql-alternating"),
    ("postgres", "tumbler-rotator-postgres"),
    ("postgres-alternating", "tumbler-rotator-postgres-alternating"),
];

/// Library crates of the rotators workspace that built-in rotators depend on.
const ROTATOR_LIBRARIES: &[&str] = &["postgres-common"];

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace_dir = manifest_dir.parent().expect("host crate has a parent directory");
    let rotators_dir = workspace_dir.join("rotators");
    let sdk_dir = workspace_dir.join("sdk");

    for watched in [
        rotators_dir.join("Cargo.toml"),
        rotators_dir.join("Cargo.lock"),
        sdk_dir.join("Cargo.toml"),
        sdk_dir.join("src"),
        sdk_dir.join("wit"),
    ] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    for (_, crate_name) in BUILTIN_ROTATORS {
        let crate_dir = rotators_dir.join(crate_name.trim_start_matches("tumbler-rotator-"));
        println!("cargo:rerun-if-changed={}", crate_dir.join("src").display());
        println!("cargo:rerun-if-changed={}", crate_dir.join("Cargo.toml").display());
    }
    for library in ROTATOR_LIBRARIES {
        let crate_dir = rotators_dir.join(library);
        println!("cargo:rerun-if-changed={}", crate_dir.join("src").display());
        println!("cargo:rerun-if-changed={}", crate_dir.join("Cargo.toml").display());
    }
    println!("cargo:rerun-if-env-changed=TUMBLER_SKIP_ROTATOR_BUILD");

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    if env::var_os("TUMBLER_SKIP_ROTATOR_BUILD").is_some() {
        // For `cargo check` and documentation builds: no rotators embedded.
        println!("cargo:warning=TUMBLER_SKIP_ROTATOR_BUILD is set: the binary has no built-in rotators");
        let index = "pub const BUILTIN_ROTATORS: &[(&str, &[u8])] = &[];\n";
        std::fs::write(out_dir.join("builtin_rotators.rs"), index).expect("write rotator index");
        return;
    }

    ensure_wasm_target_installed();

    let target_dir = rotator_target_dir(&out_dir, workspace_dir);
    build_rotators(&rotators_dir, &target_dir);

    let artifact_dir = target_dir.join(WASM_TARGET).join("release");
    let mut index = String::from("/// Built-in rotators as (name, component bytes).\n");
    index.push_str("pub const BUILTIN_ROTATORS: &[(&str, &[u8])] = &[\n");
    for (name, crate_name) in BUILTIN_ROTATORS {
        let artifact = artifact_dir.join(format!("{}.wasm", crate_name.replace('-', "_")));
        if !artifact.is_file() {
            panic!(
                "the nested rotator build finished but {} is missing",
                artifact.display()
            );
        }
        index.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            artifact.display().to_string()
        ));
    }
    index.push_str("];\n");
    std::fs::write(out_dir.join("builtin_rotators.rs"), index).expect("write rotator index");
}

/// Fails the build with the command that fixes a missing wasm32-wasip2 target.
fn ensure_wasm_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let target_lib = Path::new(&sysroot).join("lib/rustlib").join(WASM_TARGET);
    if !target_lib.is_dir() {
        panic!(
            "\n\nThe Rust target {WASM_TARGET} is not installed, and Tumbler's built-in \
             rotators are compiled for it.\nInstall it with:\n\n    rustup target add {WASM_TARGET}\n\n"
        );
    }
}

/// Returns `<target>/wasm-rotators`, where `<target>` is the outer build's
/// target directory (`OUT_DIR` is `<target>/<profile>/build/<pkg>-<hash>/out`).
fn rotator_target_dir(out_dir: &Path, workspace_dir: &Path) -> PathBuf {
    let outer_target = out_dir.ancestors().nth(4).map(Path::to_path_buf);
    outer_target
        .unwrap_or_else(|| workspace_dir.join("target"))
        .join("wasm-rotators")
}

fn build_rotators(rotators_dir: &Path, target_dir: &Path) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--release")
        .arg("--target")
        .arg(WASM_TARGET)
        .arg("--manifest-path")
        .arg(rotators_dir.join("Cargo.toml"))
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

    let status = command
        .status()
        .expect("run the nested cargo build of the rotators");
    if !status.success() {
        panic!(
            "building the built-in rotators failed ({status}); run `cargo build --release \
             --target {WASM_TARGET} --manifest-path rotators/Cargo.toml` to see the errors"
        );
    }
}
