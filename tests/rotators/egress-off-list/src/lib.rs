//! Fixture: setSecret opens a PostgreSQL connection to a loopback server that
//! the tests keep off the allow-list, so a host bug would reach nothing
//! outside this machine.

use tumbler_sdk::pg::{self, ConnectOptions, Connection, TlsMode};
use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

const HOST: &str = "127.0.0.2";
const PORT: u16 = 5432;

struct EgressOffList;

impl Rotator for EgressOffList {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-egress-off-list", env!("CARGO_PKG_VERSION"), &["postgres"])
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

tumbler_sdk::export_rotator!(EgressOffList);
