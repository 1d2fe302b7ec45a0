//! End-to-end tests: the `tumbler` binary rotating real PostgreSQL roles.
//!
//! One test binary with a module per concern keeps link time down.

mod bad_input;
mod failures;
mod harness;
mod hostile;
mod quoting;
mod redaction;
mod rotation;
mod scaffold;
mod storage;
mod support;
