//! End-to-end tests: the `tumbler` binary rotating real PostgreSQL roles.
//!
//! One test binary with a module per concern keeps link time down.

mod bad_input;
mod failures;
mod hostile;
mod quoting;
mod redaction;
mod rotation;
mod scheduler;
mod storage;
mod support;
