//! The one place that turns precompiled bytes into a [`Component`].
//!
//! `Component::deserialize` trusts its input: wasmtime validates precompiled
//! artifacts only lightly, so bytes that an attacker changed could run
//! arbitrary native code. This module accepts only an
//! [`AuthenticatedArtifact`], which the artifact cache constructs after it
//! checked the artifact's HMAC with a key that only this host can read.
#![allow(unsafe_code, reason = "loads precompiled components; see the safety comment")]

use wasmtime::component::Component;
use wasmtime::{Engine, Precompiled};

/// Artifact bytes whose HMAC was verified. Only the cache module can
/// construct one.
pub struct AuthenticatedArtifact {
    bytes: Vec<u8>,
}

impl AuthenticatedArtifact {
    /// Wraps bytes whose HMAC the caller has verified.
    pub(super) fn after_mac_check(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }
}

/// Loads an authenticated artifact that the same host compiled earlier.
pub fn deserialize_component(
    engine: &Engine,
    artifact: &AuthenticatedArtifact,
) -> wasmtime::Result<Component> {
    if Engine::detect_precompiled(&artifact.bytes) != Some(Precompiled::Component) {
        wasmtime::bail!("the cached artifact is not a precompiled component");
    }
    // SAFETY: the bytes were produced by `Component::serialize` of this host
    // and carry a valid HMAC-SHA256 under the cache key, which is created
    // with mode 0600 and never leaves the data directory, so nobody without
    // that key altered them. Artifacts of another wasmtime version or engine
    // configuration live under another cache directory, and wasmtime rejects
    // them with an error, not undefined behaviour.
    unsafe { Component::deserialize(engine, &artifact.bytes) }
}
