//! End-to-end tests: the `tumbler` binary rotating real PostgreSQL roles and
//! MariaDB accounts.
//!
//! One test binary with a module per concern keeps link time down.

mod bad_input;
mod failures;
mod hostile;
mod mysql;
mod mysql_alternating;
mod quoting;
mod redaction;
mod rotation;
mod storage;
mod support;
