//! Fixture: setSecret opens a PostgreSQL connection to a Unix socket
//! directory given as the host name, which the host must reject.

use tumbler_sdk::pg::{self, ConnectOptions, Connection, TlsMode};
use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

const HOST: &str = "/var/run/postgresql";
const PORT: u16 = 5432;

struct EgressUnixSocket;

impl Rotator for EgressUnixSocket {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-egress-unix-socket", env!("CARGO_PKG_VERSION"), &["postgres"])
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

tumbler_sdk::export_rotator!(EgressUnixSocket);
