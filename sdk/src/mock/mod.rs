//! A native mock host for unit tests of rotator logic, without wasm.
//!
//! On targets other than `wasm32` the SDK's host calls go to the mock host
//! installed on the calling thread. There [`crate::secrets`] reaches an
//! in-memory Secrets Manager with versions and staging labels, and
//! [`crate::log`] lines are captured. [`crate::pg::Connection`] talks to a
//! [`Database`] that the test supplies. Random passwords come from a seeded
//! generator, so a test gets the same passwords on every run.
//!
//! ```
//! use tumbler_sdk::mock::{MockHost, ScriptedDatabase};
//! use tumbler_sdk::secrets::{self, Selector};
//!
//! let host = MockHost::install();
//! let arn = host.create_secret("app/db", r#"{"engine":"postgres","host":"db","username":"app","password":"old"}"#);
//! let token = host.start_rotation(&arn);
//! host.set_database(ScriptedDatabase::new().with_user("app", "old"));
//!
//! // Rotator code under test calls the SDK as it would inside the host.
//! assert!(secrets::get_value(&arn, &Selector::pending(&token)).unwrap().is_none());
//! ```
//!
//! The label rules follow Secrets Manager: `put_pending` fills the empty
//! AWSPENDING version that [`MockHost::start_rotation`] creates, a second
//! `put_pending` with a different value is rejected, and moving AWSCURRENT
//! moves AWSPREVIOUS to the version that carried AWSCURRENT. As in the host,
//! a rotation may write only to the secret being rotated and only with its
//! own token.

mod connection;
mod database;
mod host;
mod password;
pub(crate) mod secrets_host;
mod store;

pub use connection::Connection;
pub use database::{Database, Response, ScriptedDatabase, Session, Statement};
pub use host::{LogLine, MockHost, run_rotation, run_step};

pub(crate) use host::log;
