//! Fixture: a rotator that also imports `wasi:http/outgoing-handler`, which
//! the host does not grant to rotators, so install must reject it.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

wit_bindgen::generate!({
    path: "wit",
    world: "extra",
    generate_all,
});

struct ImportExtra;

impl Rotator for ImportExtra {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-import-extra", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        // The call keeps the import in the component.
        wasi::http::outgoing_handler::handle("https://example.invalid/")
            .map(drop)
            .map_err(RotationError::Other)
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(ImportExtra);
