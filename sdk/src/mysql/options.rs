//! Connection options built from a [`DatabaseSecret`].

use serde_json::Value;

use super::{ConnectOptions, SslMode};
use crate::secret::DatabaseSecret;

/// Port used when the secret has no `port` key.
pub const DEFAULT_PORT: u16 = 3306;

/// Optional secret key that names the host part of the MySQL account, for
/// example `10.%` for the account `'app'@'10.%'`. Rotators look the host
/// part up in `mysql.user` when the key is absent.
pub const HOST_PART_KEY: &str = "host_part";

/// Maps the `ssl` key of a secret to an SSL mode, following the AWS rotation
/// templates: absent or unrecognised means [`SslMode::Preferred`] (try TLS,
/// then fall back to plaintext), a true boolean or `"true"` (any case) means
/// [`SslMode::VerifyIdentity`], and a false boolean or `"false"` means
/// [`SslMode::Disabled`].
///
/// As an extension, a string naming a MySQL client `--ssl-mode` value
/// (`disabled`, `preferred`, `required`, `verify_ca`, `verify_identity`, with
/// `_` or `-`) selects that mode.
pub fn ssl_mode_from_ssl(ssl: Option<&Value>) -> SslMode {
    match ssl {
        Some(Value::Bool(true)) => SslMode::VerifyIdentity,
        Some(Value::Bool(false)) => SslMode::Disabled,
        Some(Value::String(text)) => {
            match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "true" | "verify-identity" => SslMode::VerifyIdentity,
                "false" | "disabled" => SslMode::Disabled,
                "required" => SslMode::Required,
                "verify-ca" => SslMode::VerifyCa,
                _ => SslMode::Preferred,
            }
        }
        _ => SslMode::Preferred,
    }
}

/// Builds connection options for the user in `secret`: its host and port
/// (default 3306), its `dbname` (none when absent, as in the AWS MySQL
/// templates) and the SSL mode from `ssl`.
pub fn connect_options(secret: &DatabaseSecret) -> ConnectOptions {
    connect_options_with_ssl(secret, ssl_mode_from_ssl(secret.ssl.as_ref()))
}

/// Builds connection options like [`connect_options`] but with the given SSL
/// mode, for logging in with one secret under another secret's `ssl` setting.
pub fn connect_options_with_ssl(secret: &DatabaseSecret, ssl: SslMode) -> ConnectOptions {
    ConnectOptions {
        host: secret.host.clone(),
        port: secret.port.unwrap_or(DEFAULT_PORT),
        database: secret.dbname.clone().filter(|name| !name.is_empty()),
        user: secret.username.clone(),
        password: secret.password.clone(),
        ssl,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ssl_mode_mapping() {
        let cases = [
            (None, SslMode::Preferred),
            (Some(json!(true)), SslMode::VerifyIdentity),
            (Some(json!(false)), SslMode::Disabled),
            (Some(json!("TRUE")), SslMode::VerifyIdentity),
            (Some(json!("false")), SslMode::Disabled),
            (Some(json!("required")), SslMode::Required),
            (Some(json!("VERIFY_CA")), SslMode::VerifyCa),
            (Some(json!("maybe")), SslMode::Preferred),
            (Some(json!(1)), SslMode::Preferred),
        ];
        for (ssl, expected) in cases {
            assert_eq!(ssl_mode_from_ssl(ssl.as_ref()), expected, "ssl {ssl:?}");
        }
    }

    #[test]
    fn connect_options_defaults() {
        let text = json!({"engine": "mysql", "host": "db", "username": "u", "password": "p"});
        let secret = DatabaseSecret::from_json_str(&text.to_string()).unwrap();
        let options = connect_options(&secret);
        assert_eq!(options.host, "db");
        assert_eq!(options.port, 3306);
        assert_eq!(options.database, None);
        assert_eq!(options.user, "u");
        assert_eq!(options.ssl, SslMode::Preferred);
    }

    #[test]
    fn connect_options_keep_dbname() {
        let text = json!({"engine": "mysql", "host": "db", "port": "3307", "username": "u",
                          "password": "p", "dbname": "orders"});
        let secret = DatabaseSecret::from_json_str(&text.to_string()).unwrap();
        let options = connect_options(&secret);
        assert_eq!(options.port, 3307);
        assert_eq!(options.database.as_deref(), Some("orders"));
    }
}
