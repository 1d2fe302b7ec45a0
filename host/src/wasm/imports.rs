//! The imports a rotator component may have: the `tumbler:rotator@1` host
//! interfaces, the WASI 0.2 interfaces that `wasmtime_wasi::p2` links, and
//! `wasi:http` 0.2 for outgoing requests.
//!
//! Install and load check the import names first, so a rotator that needs
//! something else (such as `wasi:keyvalue`) is rejected with the full list
//! of what it lacks, instead of the first name the linker misses.

use wasmtime::Engine;
use wasmtime::component::Component;

/// Granted packages with the version prefix the linker matches: any 1.x of
/// the rotator package, and any 0.2.x of WASI (wasmtime links semver-
/// compatible versions, and for 0.x that means the same minor version).
const GRANTED_PACKAGES: &[(&str, &str)] = &[
    ("tumbler:rotator", "1."),
    ("wasi:cli", "0.2."),
    ("wasi:clocks", "0.2."),
    ("wasi:filesystem", "0.2."),
    // Linked with a send hook that enforces the rotator's allow-list.
    ("wasi:http", "0.2."),
    ("wasi:io", "0.2."),
    ("wasi:random", "0.2."),
    // Linked, but the sandbox's WASI context denies every socket operation.
    ("wasi:sockets", "0.2."),
];

/// Returns the names of the component's imports that the host does not
/// grant, in the component's order.
pub fn ungranted_imports(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name)
        .filter(|name| !is_granted(name))
        .map(str::to_string)
        .collect()
}

fn is_granted(import: &str) -> bool {
    let Some((path, version)) = import.split_once('@') else {
        return false;
    };
    let Some((package, _interface)) = path.split_once('/') else {
        return false;
    };
    GRANTED_PACKAGES
        .iter()
        .any(|(granted, prefix)| *granted == package && version.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::is_granted;

    #[test]
    fn rotator_and_wasi_imports_are_granted() {
        assert!(is_granted("tumbler:rotator/secrets@1.0.0"));
        assert!(is_granted("tumbler:rotator/log@1.3.0"));
        assert!(is_granted("wasi:cli/stderr@0.2.6"));
        assert!(is_granted("wasi:io/streams@0.2.0"));
    }

    #[test]
    fn other_imports_are_not_granted() {
        assert!(is_granted("wasi:http/outgoing-handler@0.2.6"));
        assert!(!is_granted("wasi:keyvalue/store@0.2.0"));
        assert!(!is_granted("tumbler:rotator/secrets@2.0.0"));
        assert!(!is_granted("wasi:cli/stderr@0.3.0"));
        assert!(!is_granted("tumbler:rotator/secrets"));
        assert!(!is_granted("host-function"));
    }
}
