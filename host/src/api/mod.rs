//! The AWS Secrets Manager-compatible HTTP API: AWS JSON 1.1 on `POST /`.
//!
//! - [`server`]: the axum server, request ids, logging, graceful shutdown.
//! - [`protocol`]: content type, `X-Amz-Target`, body parsing, responses.
//! - [`operation`] and `dispatch`: the operations and the dispatch table.
//! - `ops`: one module per group of operations.
//! - [`auth_hook`]: the [`Authenticator`] the server calls for every request.
//! - [`error`]: the `{"__type", "Message"}` error envelope.
//! - `paging`: `NextToken` handling.

pub mod auth_hook;
mod context;
mod dispatch;
pub mod error;
pub mod operation;
mod ops;
mod paging;
pub mod protocol;
pub mod server;

pub use auth_hook::{AllowAll, AuthContext, Authenticator, Caller};
pub use error::{AMZ_JSON, ApiError};
pub use operation::Operation;
pub use server::{ApiServer, ServerOptions};

/// Largest request body the server reads, 1 MiB. A secret value is at most
/// 64 KiB, so only malformed or hostile requests come near it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
