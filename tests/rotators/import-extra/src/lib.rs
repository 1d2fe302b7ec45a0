//! Fixture: a rotator that also imports `wasi:http/outgoing-handler`, which
//! the host does not grant to rotators, so install must reject it.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{Fields, OutgoingRequest};

struct ImportExtra;

impl Rotator for ImportExtra {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-import-extra", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        // The call keeps the import in the component.
        let request = OutgoingRequest::new(Fields::new());
        outgoing_handler::handle(request, None)
            .map(drop)
            .map_err(|error| RotationError::Other(format!("{error:?}")))
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(ImportExtra);
