//! End-to-end tests: the `tumbler` binary rotating real PostgreSQL roles and
//! MariaDB accounts, and custom rotators, well-behaved and not.
//!
//! One test binary with a module per concern keeps link time down.

mod alternating;
mod bad_input;
mod failures;
mod harness;
mod hostile;
mod http_api;
mod install;
mod mysql;
mod mysql_alternating;
mod quoting;
mod redaction;
mod replicas;
mod rotation;
mod sandbox;
mod scaffold;
mod scheduler;
mod storage;
mod support;
