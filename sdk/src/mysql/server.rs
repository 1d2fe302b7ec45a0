//! Server flavor and version, read with `SELECT VERSION()`, and the account
//! statement syntax each version accepts.

use super::{Connection, StringEscapes, map_error, value_text};
use crate::RotationError;

/// Server product: MySQL or MariaDB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    MySql,
    MariaDb,
}

/// A parsed `VERSION()` string such as `8.0.36` or `10.11.6-MariaDB-log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVersion {
    pub flavor: Flavor,
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The string as the server returned it.
    pub text: String,
}

impl ServerVersion {
    /// Parses the text of `SELECT VERSION()`. MariaDB names itself in the
    /// suffix; MariaDB 10.x replication builds prefix `5.5.5-`, which is
    /// skipped.
    ///
    /// # Errors
    ///
    /// Returns `RotationError::Other` naming the text when it does not start
    /// with `major.minor`.
    pub fn parse(text: &str) -> Result<Self, RotationError> {
        let flavor = if text.to_ascii_lowercase().contains("mariadb") {
            Flavor::MariaDb
        } else {
            Flavor::MySql
        };
        let trimmed = match flavor {
            Flavor::MariaDb => text.strip_prefix("5.5.5-").unwrap_or(text),
            Flavor::MySql => text,
        };
        let numeric: String = trimmed
            .chars()
            .take_while(|character| character.is_ascii_digit() || *character == '.')
            .collect();
        let mut parts = numeric.split('.').map(|part| part.parse::<u32>().ok());
        let invalid = || RotationError::Other(format!("cannot parse the server version {text:?}"));
        let major = parts.next().flatten().ok_or_else(invalid)?;
        let minor = parts.next().flatten().ok_or_else(invalid)?;
        let patch = parts.next().flatten().unwrap_or(0);
        Ok(Self {
            flavor,
            major,
            minor,
            patch,
            text: text.to_string(),
        })
    }

    fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// Reports whether the server accepts `ALTER USER ... IDENTIFIED BY`:
    /// MySQL 5.7.6 and later, MariaDB 10.2 and later.
    pub fn supports_alter_user(&self) -> bool {
        match self.flavor {
            Flavor::MySql => self.at_least(5, 7, 6),
            Flavor::MariaDb => self.at_least(10, 2, 0),
        }
    }

    /// Reports whether `SET PASSWORD` needs the `PASSWORD()` function around
    /// the new password: MariaDB, and MySQL before 5.7.6. MySQL 8.0 removed
    /// the function and takes the plain string.
    pub fn set_password_needs_function(&self) -> bool {
        match self.flavor {
            Flavor::MySql => !self.at_least(5, 7, 6),
            Flavor::MariaDb => true,
        }
    }

    /// Returns the documented maximum length of a user name, for servers
    /// whose `mysql.user` columns the connection cannot read: 16 before MySQL
    /// 5.7.8, 32 from then on, and 80 for MariaDB.
    // NOTE: MariaDB 10.11 accepts 128 characters (the width of
    // `mysql.global_priv.User`); 80 is the conservative figure for older
    // MariaDB releases. [`ServerInfo::user_name_limit`] reads the real width.
    pub fn default_user_name_limit(&self) -> usize {
        match self.flavor {
            Flavor::MySql if self.at_least(5, 7, 8) => 32,
            Flavor::MySql => 16,
            Flavor::MariaDb => 80,
        }
    }
}

/// Server facts a rotator needs before it writes SQL: version and escaping rule.
#[derive(Clone, Debug)]
pub struct ServerInfo {
    pub version: ServerVersion,
    /// The session's backslash rule, from `@@SESSION.sql_mode`.
    pub escapes: StringEscapes,
}

impl ServerInfo {
    /// Reads `VERSION()` and `@@SESSION.sql_mode` in one query.
    pub fn query(connection: &Connection) -> Result<Self, RotationError> {
        let rows = connection
            .query("SELECT VERSION(), @@SESSION.sql_mode", &[])
            .map_err(|error| map_error(error, "reading the server version"))?;
        let row = rows
            .rows
            .first()
            .ok_or_else(|| RotationError::Other("SELECT VERSION() returned no row".to_string()))?;
        let version = row.first().and_then(value_text).unwrap_or_default();
        let sql_mode = row.get(1).and_then(value_text).unwrap_or_default();
        Ok(Self {
            version: ServerVersion::parse(&version)?,
            escapes: StringEscapes::from_sql_mode(&sql_mode),
        })
    }

    /// Returns the maximum user name length: the width of `mysql.user.User`
    /// from `information_schema`, or the documented figure for the version
    /// when the connection cannot read that table.
    pub fn user_name_limit(&self, connection: &Connection) -> Result<usize, RotationError> {
        let rows = connection
            .query(
                "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'",
                &[],
            )
            .map_err(|error| map_error(error, "reading the user name limit"))?;
        let width = rows
            .rows
            .first()
            .and_then(|row| row.first())
            .and_then(value_text)
            .and_then(|text| text.parse::<usize>().ok());
        Ok(width.unwrap_or_else(|| self.version.default_user_name_limit()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mysql_versions() {
        let version = ServerVersion::parse("8.0.36").unwrap();
        assert_eq!(version.flavor, Flavor::MySql);
        assert_eq!((version.major, version.minor, version.patch), (8, 0, 36));
        assert!(version.supports_alter_user());
        assert!(!version.set_password_needs_function());
        assert_eq!(version.default_user_name_limit(), 32);
    }

    #[test]
    fn parses_mariadb_versions() {
        let version = ServerVersion::parse("10.11.19-MariaDB-0+deb12u1").unwrap();
        assert_eq!(version.flavor, Flavor::MariaDb);
        assert_eq!((version.major, version.minor, version.patch), (10, 11, 19));
        assert!(version.supports_alter_user());
        assert!(version.set_password_needs_function());
    }

    #[test]
    fn skips_the_replication_prefix() {
        let version = ServerVersion::parse("5.5.5-10.1.48-MariaDB").unwrap();
        assert_eq!((version.major, version.minor), (10, 1));
        assert!(!version.supports_alter_user());
    }

    #[test]
    fn old_mysql_needs_set_password() {
        let version = ServerVersion::parse("5.6.51-log").unwrap();
        assert!(!version.supports_alter_user());
        assert!(version.set_password_needs_function());
        assert_eq!(version.default_user_name_limit(), 16);
    }

    #[test]
    fn rejects_garbage() {
        assert!(ServerVersion::parse("unknown").is_err());
    }
}
