//! Tests of the HTTP API server through the official AWS SDK for Rust and
//! through raw HTTP requests. Each test starts its own server on a free
//! loopback port with a fresh data directory.

mod auth;
mod compat;
mod crud;
mod delete;
mod list;
mod pg_rotation;
mod policy;
mod random;
mod read;
mod read_grants;
mod robustness;
mod rotation;
mod schedule;
mod scheduler_events;
mod shutdown;
mod sigv4_auth;
mod support;
mod tags;
mod versions;
