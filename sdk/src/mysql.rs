//! MySQL and MariaDB helpers: string, identifier and account quoting, server
//! version checks, account lookups, `SHOW GRANTS` parsing, connection options
//! built from a [`DatabaseSecret`], and the mapping of host `mysql` errors to
//! [`RotationError`].
//!
//! The connection itself is the host resource [`Connection`]: open it with
//! `Connection::open(&options)`, then call `query`, `execute` (both with `?`
//! bind parameters) or `execute_batch` (text protocol, no parameters).
//! Account statements such as `ALTER USER ... IDENTIFIED BY` take no bind
//! parameters, so rotators build them with [`quote_string`] and
//! [`quote_account`].
//!
//! [`DatabaseSecret`]: crate::DatabaseSecret
//! [`RotationError`]: crate::RotationError

mod account;
mod error;
mod grants;
mod login;
mod options;
mod password;
mod quote;
mod secret;
mod server;

pub use crate::bindings::tumbler::rotator::mysql::{
    ConnectOptions, Connection, DbError, Error, MysqlValue, RowSet, SslMode,
};

pub use account::{
    Account, account_hosts, account_plugin, current_account, resolve_host_part, show_create_user,
    show_grants,
};
pub use error::{is_auth_failure, is_transient, map_error, map_error_redacted, server_error_code};
pub use grants::{GrantRow, parse_grant_row, require_clause};
pub use login::{login_context, try_login};
pub use options::{
    DEFAULT_PORT, HOST_PART_KEY, connect_options, connect_options_with_ssl, ssl_mode_from_ssl,
};
pub use password::{
    PASSWORD_PLUGINS, change_password_statement, identified_clause, set_password_statement,
};
pub use quote::{StringEscapes, quote_account, quote_identifier, quote_string};
pub use secret::{ENGINES, check_engine, host_part, load_optional_secret, load_secret};
pub use server::{Flavor, ServerInfo, ServerVersion};

/// Returns the text of a value: `text` as is, and `bytes` when they are valid
/// UTF-8, because the server reports some text columns as binary strings.
pub fn value_text(value: &MysqlValue) -> Option<String> {
    match value {
        MysqlValue::Text(text) => Some(text.clone()),
        MysqlValue::Bytes(bytes) => String::from_utf8(bytes.clone()).ok(),
        MysqlValue::Int64(number) => Some(number.to_string()),
        MysqlValue::Uint64(number) => Some(number.to_string()),
        MysqlValue::Float64(number) => Some(number.to_string()),
        MysqlValue::Null => None,
    }
}
