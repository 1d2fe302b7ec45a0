//! Fixture: setSecret opens a PostgreSQL connection to the cloud metadata
//! address. The host must reject it by address even when the allow-list names
//! it, before any packet is sent.

use tumbler_sdk::pg::{self, ConnectOptions, Connection, TlsMode};
use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

const HOST: &str = "169.254.169.254";
const PORT: u16 = 80;

struct EgressMetadata;

impl Rotator for EgressMetadata {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-egress-metadata", env!("CARGO_PKG_VERSION"), &["postgres"])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        let options = ConnectOptions {
            host: HOST.to_string(),
            port: PORT,
            database: "postgres".to_string(),
            user: "fixture".to_string(),
            password: "fixture-Unused-Password-1".to_string(),
            tls: TlsMode::Disable,
        };
        Connection::open(&options)
            .map(drop)
            .map_err(|error| pg::map_error(error, &format!("connecting to {HOST}:{PORT}")))
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(EgressMetadata);
