//! Rows of installed custom rotators.

use time::OffsetDateTime;

/// An installed rotator without its component bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledRotator {
    pub name: String,
    /// Lower-case hex SHA-256 of the component bytes.
    pub sha256: String,
    pub size_bytes: u64,
    /// `name` from the component's `info` export.
    pub info_name: String,
    /// `version` from the component's `info` export.
    pub info_version: String,
    /// `sdk-version` from the component's `info` export.
    pub sdk_version: String,
    pub installed_at: OffsetDateTime,
}

/// A rotator to install: its description and its component bytes.
#[derive(Debug, Clone)]
pub struct NewInstalledRotator {
    pub rotator: InstalledRotator,
    pub component: Vec<u8>,
}
