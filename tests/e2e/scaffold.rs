//! `tumbler rotator new`: the generated crate builds for wasm32-wasip2,
//! passes its own mock-host unit tests, and passes the conformance checks.

use std::path::Path;
use std::process::Command;

use tumbler_tests::PgServer;
use tumbler_tests::rotators::WASM_TARGET;

use crate::support::Tumbler;

/// Crate name of the generated rotator; fixed so repeated runs reuse the
/// build in the shared target directory.
const NAME: &str = "scaffolded-rotator";

/// Runs cargo in `directory` and panics with its stderr on failure.
fn cargo(directory: &Path, args: &[&str], target_dir: &Path) {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()))
        .args(args)
        .arg("--offline")
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(directory)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "cargo {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn scaffold_target_dir() -> std::path::PathBuf {
    let executable = std::env::current_exe().expect("locate the test binary");
    executable
        .ancestors()
        .nth(3)
        .expect("the test binary is in <target>/<profile>/deps")
        .join("test-rotators")
        .join("scaffold")
}

#[tokio::test]
async fn scaffolded_rotator_passes_harness() {
    let workspace = tempfile::tempdir().expect("temporary directory");
    let directory = workspace.path().join(NAME);
    let tumbler = Tumbler::new();
    let stdout = tumbler.ok(&["rotator", "new", NAME, "--dir", directory.to_str().expect("UTF-8 path")]);
    assert!(stdout.contains("Created rotator crate"), "{stdout}");

    let manifest = std::fs::read_to_string(directory.join("Cargo.toml")).expect("Cargo.toml");
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk").canonicalize().expect("sdk path");
    let dependency = format!("tumbler-sdk = {{ path = \"{}\" }}", sdk.display());
    assert!(manifest.contains(&dependency), "{manifest}");
    assert!(manifest.contains("crate-type = [\"cdylib\"]"), "{manifest}");
    assert!(directory.join("README.md").is_file(), "README.md exists");
    assert!(directory.join(".cargo/config.toml").is_file(), ".cargo/config.toml exists");

    let target_dir = scaffold_target_dir();
    cargo(&directory, &["test"], &target_dir);
    cargo(&directory, &["build", "--target", WASM_TARGET], &target_dir);
    let component = target_dir
        .join(WASM_TARGET)
        .join("debug")
        .join(format!("{}.wasm", NAME.replace('-', "_")));
    assert!(component.is_file(), "{} exists", component.display());

    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;
    let password = "scaffold-Password-1";
    let role = server.create_role("scaffold_user", password).await;
    let secret = server.secret_json(&role.name, password);
    let allow_host = server.allow_host();
    let run = tumbler.run(&[
        "rotator",
        "test",
        component.to_str().expect("UTF-8 path"),
        "--secret-string",
        &secret,
        "--allow-host",
        &allow_host,
    ]);
    server.drop_role(&role).await;
    assert!(run.success(), "exit status {}:\n{}{}", run.status, run.stdout, run.stderr);
    assert!(run.stdout.contains("all 5 checks passed"), "{}", run.stdout);

    // The same component installs and rotates a real role under its name.
    tumbler.ok(&["rotator", "install", NAME, component.to_str().expect("UTF-8 path")]);
    let list = tumbler.ok(&["rotator", "list"]);
    assert!(list.contains(NAME), "the installed rotator is listed:\n{list}");
    let installed_role = server.create_role("scaffold_installed", password).await;
    let secret = server.secret_json(&installed_role.name, password);
    tumbler.ok(&["secret", "create", "app/scaffold", "--secret-string", &secret]);
    let rotation = tumbler.run(&["secret", "rotate", "app/scaffold", "--rotator", NAME, "--allow-host", &allow_host]);
    let current: serde_json::Value =
        serde_json::from_str(&tumbler.secret_string("app/scaffold", "AWSCURRENT")).expect("the secret is JSON");
    let new_password = current["password"].as_str().expect("a password field").to_string();
    let new_login = server.can_login(&installed_role.name, &new_password).await;
    let old_login = server.can_login(&installed_role.name, password).await;
    server.drop_role(&installed_role).await;
    assert!(rotation.success(), "exit status {}:\n{}{}", rotation.status, rotation.stdout, rotation.stderr);
    assert!(new_login, "the rotated password logs in");
    assert!(!old_login, "the old password is rejected");
}

#[test]
fn rotator_new_rejects_invalid_name() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let target = directory.path().join("x");
    let stderr = Tumbler::new().fails(&["rotator", "new", "1bad name", "--dir", target.to_str().expect("UTF-8")]);
    assert!(stderr.contains("invalid rotator name \"1bad name\""), "{stderr}");
}

#[test]
fn rotator_new_keeps_nonempty_directory() {
    let directory = tempfile::tempdir().expect("temporary directory");
    std::fs::write(directory.path().join("keep.txt"), "data").expect("write a file");
    let stderr = Tumbler::new().fails(&["rotator", "new", NAME, "--dir", directory.path().to_str().expect("UTF-8")]);
    assert!(stderr.contains("already exists and is not empty"), "{stderr}");
    assert!(!directory.path().join("Cargo.toml").exists(), "no file was written");
}

#[test]
fn rotator_new_rejects_wrong_sdk_path() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let target = directory.path().join("crate");
    let stderr = Tumbler::new().fails(&[
        "rotator",
        "new",
        NAME,
        "--dir",
        target.to_str().expect("UTF-8"),
        "--sdk-path",
        directory.path().to_str().expect("UTF-8"),
    ]);
    assert!(stderr.contains("does not contain the tumbler-sdk crate"), "{stderr}");
}
