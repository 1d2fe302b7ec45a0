//! Fixture: a rotator that also imports `fixture:extra/probe`, an interface
//! the host does not link, so install must reject it.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

mod extra {
    wit_bindgen::generate!({
        inline: "
            package fixture:extra;

            interface probe {
                ping: func();
            }

            world extra {
                import probe;
            }
        ",
        world: "extra",
    });
}

struct ImportExtra;

impl Rotator for ImportExtra {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-import-extra", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        // The call keeps the import in the component.
        extra::fixture::extra::probe::ping();
        Ok(())
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(ImportExtra);
