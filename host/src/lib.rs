//! Tumbler: a self-hosted secrets manager with an AWS Secrets Manager-compatible
//! data model and sandboxed WebAssembly rotators.
//!
//! - [`crypto`]: key-encryption keys and envelope encryption of secret values.
//! - [`store`]: persistence behind the [`store::Store`] trait; SQLite by default.
//! - [`secrets`]: the domain: names, ARNs, versions, staging labels, passwords.
//! - [`wasm`]: the wasmtime runtime that runs rotators under limits.
//! - [`rotation`]: the four-step rotation engine and the scheduler; [`schedule`]:
//!   rotation rules and windows; [`notify`]: rotation events and webhooks;
//!   [`harness`]: conformance checks for rotators.
//! - [`api`]: the AWS Secrets Manager-compatible HTTP API; [`auth`]: SigV4 and policies.
//! - [`config`], [`app`]: configuration and wiring; [`cli`]: the command line.
// Unsafe code is denied everywhere except in modules that allow it and
// justify each block.
#![deny(unsafe_code)]

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod harness;
pub mod notify;
pub mod rotation;
pub mod schedule;
pub mod secrets;
pub mod store;
pub mod wasm;
