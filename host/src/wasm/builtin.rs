//! Rotators compiled into the binary by the build script.

include!(concat!(env!("OUT_DIR"), "/builtin_rotators.rs"));

/// Returns the component bytes of a built-in rotator.
pub fn builtin_rotator(name: &str) -> Option<&'static [u8]> {
    BUILTIN_ROTATORS
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(_, bytes)| *bytes)
}

/// Names of the built-in rotators, comma-separated, for messages.
pub fn builtin_names() -> String {
    let names: Vec<&str> = BUILTIN_ROTATORS.iter().map(|(name, _)| *name).collect();
    names.join(", ")
}
