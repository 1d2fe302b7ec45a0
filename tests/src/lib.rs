//! Helpers for Tumbler's end-to-end tests and benchmarks: PostgreSQL roles and
//! MySQL / MariaDB accounts to rotate, the paths of the fixture rotators,
//! rotator components to rotate them with, and a key-issuing HTTP server for
//! the `http-api` rotator.
//!
//! Database addresses come from environment variables with loopback
//! defaults, so the same tests run against local servers or the containers
//! of `compose.yaml`:
//!
//! | variable | default |
//! | --- | --- |
//! | `TUMBLER_TEST_PG_HOST` | `127.0.0.1` |
//! | `TUMBLER_TEST_PG_PORT` | `5432` |
//! | `TUMBLER_TEST_PG_USER` | `postgres` |
//! | `TUMBLER_TEST_PG_PASSWORD` | empty |
//! | `TUMBLER_TEST_PG_DATABASE` | `postgres` |
//! | `TUMBLER_TEST_MYSQL_HOST` | `127.0.0.1` |
//! | `TUMBLER_TEST_MYSQL_PORT` | `3306` |
//! | `TUMBLER_TEST_MYSQL_USER` | `root` |
//! | `TUMBLER_TEST_MYSQL_PASSWORD` | empty |
//! | `TUMBLER_TEST_MYSQL_DATABASE` | `test` |

pub mod fixtures;
pub mod key_server;
pub mod mysql;
pub mod postgres;
pub mod replicas;
pub mod rotators;

pub use key_server::KeyServer;
pub use mysql::{MySqlServer, TestAccount, TestAccounts};
pub use postgres::{PgServer, TestRole};
