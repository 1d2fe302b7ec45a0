//! `tumbler rotator install|list|remove`, the compiled-rotator cache, and
//! rotations with installed rotators.

use std::path::{Path, PathBuf};

use tumbler_tests::fixtures::fixture_path;

use crate::support::Tumbler;

/// A JSON object, so the SDK's default createSecret can copy it.
const VALUE: &str = r#"{"username":"install_user","password":"install-Old-Password-1"}"#;

fn install(tumbler: &Tumbler, name: &str, behaviour: &str) -> String {
    let path = fixture_path(behaviour);
    tumbler.ok(&["rotator", "install", name, path.to_str().expect("UTF-8 path")])
}

fn sha256_of(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read the fixture");
    hex_digest(&bytes)
}

fn hex_digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Returns the cached artifact of a component digest.
fn find_artifact(tumbler: &Tumbler, sha256: &str) -> PathBuf {
    cached_artifacts(tumbler)
        .into_iter()
        .find(|path| path.file_stem().is_some_and(|stem| stem == sha256))
        .expect("the digest has a cached artifact")
}

/// Returns the cached artifact files below the data directory's cache.
fn cached_artifacts(tumbler: &Tumbler) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![tumbler.data_dir().join("wasm-cache")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "cwasm") {
                found.push(path);
            }
        }
    }
    found
}

fn write_file(tumbler: &Tumbler, name: &str, bytes: &[u8]) -> String {
    let path = tumbler.data_dir().join(name);
    std::fs::write(&path, bytes).expect("write the test file");
    path.to_str().expect("UTF-8 path").to_string()
}

#[test]
fn list_shows_name_version_and_sha256() {
    let tumbler = Tumbler::new();
    install(&tumbler, "panicky", "trap-panic");

    let stdout = tumbler.ok(&["rotator", "list", "--output", "json"]);
    let list: serde_json::Value = serde_json::from_str(&stdout).expect("list prints JSON");
    let rotators = list["Rotators"].as_array().expect("Rotators is a list");
    let installed = rotators
        .iter()
        .find(|rotator| rotator["Name"] == "panicky")
        .expect("the installed rotator is listed");
    assert_eq!(installed["Source"], "installed");
    assert_eq!(installed["Version"], "0.1.0");
    assert_eq!(installed["InfoName"], "fixture-trap-panic");
    assert_eq!(installed["Sha256"].as_str().map(str::len), Some(64));
    let builtin = rotators.iter().find(|rotator| rotator["Name"] == "postgres");
    assert!(builtin.is_some_and(|rotator| rotator["Source"] == "built-in"), "the built-in rotator is listed");

    let text = tumbler.ok(&["rotator", "list"]);
    let line = text.lines().find(|line| line.starts_with("panicky\t")).expect("text list has the rotator");
    assert!(line.contains(installed["Sha256"].as_str().unwrap()), "text list shows the SHA-256: {line}");
    assert!(line.contains("0.1.0"), "text list shows the version: {line}");
}

#[test]
fn removed_rotator_is_gone() {
    let tumbler = Tumbler::new();
    install(&tumbler, "short-lived", "trap-panic");
    tumbler.ok(&["rotator", "remove", "short-lived"]);

    let list = tumbler.ok(&["rotator", "list"]);
    assert!(!list.contains("short-lived"), "the removed rotator is not listed:\n{list}");
    let again = tumbler.fails(&["rotator", "remove", "short-lived"]);
    assert!(again.contains("no installed rotator"), "a second remove names the cause:\n{again}");
    let builtin = tumbler.fails(&["rotator", "remove", "postgres"]);
    assert!(builtin.contains("built-in"), "a built-in rotator cannot be removed:\n{builtin}");
}

#[test]
fn reinstall_needs_replace() {
    let tumbler = Tumbler::new();
    install(&tumbler, "twice", "trap-panic");
    let other = fixture_path("trap-unreachable");
    let other = other.to_str().unwrap();

    let stderr = tumbler.fails(&["rotator", "install", "twice", other]);
    assert!(stderr.contains("--replace"), "the error names --replace:\n{stderr}");
    let list = tumbler.ok(&["rotator", "list", "--output", "json"]);
    assert!(list.contains("fixture-trap-panic"), "the first install is kept");

    tumbler.ok(&["rotator", "install", "twice", other, "--replace"]);
    let list = tumbler.ok(&["rotator", "list", "--output", "json"]);
    assert!(list.contains("fixture-trap-unreachable"), "--replace installs the new build");
    assert!(!list.contains("fixture-trap-panic"), "--replace removes the old build");
}

#[test]
fn wrong_sha256_is_rejected() {
    let tumbler = Tumbler::new();
    let path = fixture_path("trap-panic");
    let actual = sha256_of(&path);
    let wrong = "0".repeat(64);

    let stderr = tumbler.fails(&["rotator", "install", "pinned", path.to_str().unwrap(), "--sha256", &wrong]);
    assert!(stderr.contains(&actual), "the error shows the file's digest:\n{stderr}");
    let list = tumbler.ok(&["rotator", "list"]);
    assert!(!list.contains("pinned"), "nothing is installed");

    let malformed = tumbler.fails(&["rotator", "install", "pinned", path.to_str().unwrap(), "--sha256", "abc"]);
    assert!(malformed.contains("64 hexadecimal digits"), "a malformed digest is named:\n{malformed}");

    tumbler.ok(&["rotator", "install", "pinned", path.to_str().unwrap(), "--sha256", &actual.to_uppercase()]);
}

#[test]
fn non_components_are_rejected() {
    let tumbler = Tumbler::new();
    // The smallest valid core module: magic number and version 1.
    let core_module = write_file(&tumbler, "core.wasm", b"\0asm\x01\0\0\0");
    let garbage = write_file(&tumbler, "garbage.wasm", b"#!/bin/sh\necho not wasm\n");
    let empty = write_file(&tumbler, "empty.wasm", b"");
    let truncated_bytes = std::fs::read(fixture_path("trap-panic")).expect("read a fixture");
    let truncated = write_file(&tumbler, "truncated.wasm", &truncated_bytes[..truncated_bytes.len() / 2]);

    let cases = [
        (core_module, "core WebAssembly module"),
        (garbage, "not a WebAssembly binary"),
        (empty, "empty"),
        (truncated, "not a valid WebAssembly component"),
    ];
    for (path, expected) in cases {
        let stderr = tumbler.fails(&["rotator", "install", "broken", &path]);
        assert!(stderr.contains(expected), "{path}: expected {expected:?} in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{path}: no panic:\n{stderr}");
    }
    let list = tumbler.ok(&["rotator", "list"]);
    assert!(!list.contains("broken"), "nothing is installed");
}

#[test]
fn ungranted_import_is_rejected() {
    let tumbler = Tumbler::new();
    let path = fixture_path("import-extra");
    let stderr = tumbler.fails(&["rotator", "install", "extra-user", path.to_str().unwrap()]);
    assert!(stderr.contains("does not grant"), "the error names the cause:\n{stderr}");
    assert!(stderr.contains("fixture:extra/probe"), "the error lists the import:\n{stderr}");
    let list = tumbler.ok(&["rotator", "list"]);
    assert!(!list.contains("extra-user"), "nothing is installed");
}

#[test]
fn invalid_names_are_rejected() {
    let tumbler = Tumbler::new();
    let path = fixture_path("trap-panic");
    let path = path.to_str().unwrap();
    for name in ["Upper", "under_score", "has space", "a/b"] {
        let stderr = tumbler.fails(&["rotator", "install", name, path]);
        assert!(stderr.contains("invalid rotator name"), "{name}: {stderr}");
    }
    let stderr = tumbler.fails(&["rotator", "install", "postgres", path]);
    assert!(stderr.contains("built-in rotator"), "a built-in name is not shadowed:\n{stderr}");
}

#[test]
fn installed_rotator_resolves_by_name_and_arn() {
    let tumbler = Tumbler::new();
    install(&tumbler, "flood", "log-flood");
    tumbler.ok(&["secret", "create", "install/by-arn", "--secret-string", VALUE]);

    let arn = "arn:aws:lambda:us-east-1:000000000000:function:flood";
    let stdout = tumbler.ok(&["secret", "rotate", "install/by-arn", "--rotator", arn]);
    assert!(stdout.contains("Rotation succeeded"), "the rotation ran:\n{stdout}");
    let stdout = tumbler.ok(&["secret", "rotate", "install/by-arn"]);
    assert!(stdout.contains("Rotation succeeded"), "the stored rotator resolves again:\n{stdout}");
}

#[test]
fn second_start_loads_from_the_cache() {
    let tumbler = Tumbler::new();
    install(&tumbler, "cached", "log-flood");
    assert_eq!(cached_artifacts(&tumbler).len(), 1, "install writes one artifact");
    tumbler.ok(&["secret", "create", "install/cached", "--secret-string", VALUE]);

    let run = tumbler.run_with_env(
        &["secret", "rotate", "install/cached", "--rotator", "cached"],
        &[("RUST_LOG", "tumbler::rotation=debug")],
    );
    assert!(run.success(), "the rotation succeeds:\n{}", run.stderr);
    assert!(run.stderr.contains("loaded compiled rotator from the cache"), "no compilation:\n{}", run.stderr);
    assert!(!run.stderr.contains("compiled rotator\n"), "the rotator is not compiled again:\n{}", run.stderr);
}

#[test]
fn tampered_artifact_is_recompiled() {
    let tumbler = Tumbler::new();
    install(&tumbler, "tampered", "trap-panic");
    let artifacts = cached_artifacts(&tumbler);
    assert_eq!(artifacts.len(), 1, "install writes one artifact");
    let artifact = &artifacts[0];
    let mut bytes = std::fs::read(artifact).expect("read the artifact");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(artifact, &bytes).expect("tamper with the artifact");
    tumbler.ok(&["secret", "create", "install/tampered", "--secret-string", VALUE]);

    let run = tumbler.run_with_env(
        &["secret", "rotate", "install/tampered", "--rotator", "tampered"],
        &[("RUST_LOG", "tumbler=debug")],
    );
    assert!(run.stderr.contains("discarded a cached rotator"), "the artifact is discarded:\n{}", run.stderr);
    assert!(run.stderr.contains("HMAC does not verify"), "the reason is the tag:\n{}", run.stderr);
    assert!(run.stderr.contains("compiled rotator"), "the rotator is compiled again:\n{}", run.stderr);
    assert!(run.stderr.contains("deliberate panic"), "the recompiled rotator runs:\n{}", run.stderr);
    let rewritten = std::fs::read(artifact).expect("the artifact is written again");
    assert_ne!(rewritten, bytes, "the tampered bytes are replaced");
}

#[test]
fn artifact_under_another_digest_is_rejected() {
    let tumbler = Tumbler::new();
    install(&tumbler, "first", "trap-panic");
    install(&tumbler, "second", "trap-unreachable");
    let first = find_artifact(&tumbler, &sha256_of(&fixture_path("trap-panic")));
    let second = find_artifact(&tumbler, &sha256_of(&fixture_path("trap-unreachable")));
    // A valid artifact copied to another digest's name must not load.
    std::fs::copy(&first, &second).expect("copy an artifact");
    tumbler.ok(&["secret", "create", "install/swapped", "--secret-string", VALUE]);

    let run = tumbler.run_with_env(
        &["secret", "rotate", "install/swapped", "--rotator", "second"],
        &[("RUST_LOG", "tumbler=debug")],
    );
    assert!(run.stderr.contains("discarded a cached rotator"), "the copy is discarded:\n{}", run.stderr);
    assert!(run.stderr.contains("HMAC does not verify"), "the reason is the tag:\n{}", run.stderr);
    assert!(run.stderr.contains("unreachable"), "the second rotator's own code runs:\n{}", run.stderr);
    assert!(!run.stderr.contains("deliberate panic"), "the first rotator's code does not run:\n{}", run.stderr);
}

#[test]
fn replaced_rotator_fails_the_resumed_rotation() {
    let tumbler = Tumbler::new();
    install(&tumbler, "swap", "trap-panic");
    tumbler.ok(&["secret", "create", "install/swap", "--secret-string", VALUE]);
    let first = tumbler.run(&["secret", "rotate", "install/swap", "--rotator", "swap"]);
    assert!(!first.success(), "the first build fails at setSecret");
    let token = tumbler.version_with("install/swap", "AWSPENDING").expect("AWSPENDING stays for a resume");

    let other = fixture_path("log-flood");
    tumbler.ok(&["rotator", "install", "swap", other.to_str().unwrap(), "--replace"]);
    let resumed = tumbler.run(&["secret", "rotate", "install/swap", "--client-request-token", &token]);
    assert!(!resumed.success(), "the resumed rotation fails");
    assert!(resumed.stderr.contains("was replaced since this rotation started"), "{}", resumed.stderr);
    let current = tumbler.secret_string("install/swap", "AWSCURRENT");
    assert!(current == VALUE, "AWSCURRENT still holds the old value");
}
