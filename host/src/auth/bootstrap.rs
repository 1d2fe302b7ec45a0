//! The administrator key created on the first start of `tumbler serve`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::keys::{AccessKeyError, AccessKeys, CreatedKey};

/// File in the data directory that receives the first administrator key, in
/// the AWS shared credentials format (usable as `AWS_SHARED_CREDENTIALS_FILE`).
pub const ADMIN_CREDENTIALS_FILE: &str = "admin-credentials";

/// Name of the administrator key created on first start.
pub const ADMIN_KEY_NAME: &str = "admin";

/// Creates an administrator key when none exists and writes its id and secret
/// to `<data_dir>/admin-credentials` with mode 0600, replacing an older file.
/// Returns the new key, or `None` when an administrator key exists already.
/// The key id is logged; the secret is only in the file.
pub async fn bootstrap_admin_key(
    keys: &AccessKeys,
    data_dir: &Path,
) -> Result<Option<CreatedKey>, AccessKeyError> {
    let Some(created) = keys.create_admin_if_none(ADMIN_KEY_NAME).await? else {
        return Ok(None);
    };
    let path = data_dir.join(ADMIN_CREDENTIALS_FILE);
    write_credentials_file(&path, &created)?;
    tracing::warn!(
        access_key_id = %created.record.id,
        credentials_file = %path.display(),
        "created the administrator access key; its secret access key is only in the \
         credentials file"
    );
    Ok(Some(created))
}

/// Writes `[default]` credentials to a new private file next to `path` and
/// renames it over `path`, so no reader sees a partial file.
fn write_credentials_file(path: &Path, created: &CreatedKey) -> Result<(), AccessKeyError> {
    let io_error = |path: &Path| {
        let path: PathBuf = path.to_owned();
        move |source| AccessKeyError::Io { path, source }
    };
    let contents = zeroize::Zeroizing::new(format!(
        "# Administrator access key of Tumbler, created on first start.\n\
         [default]\n\
         aws_access_key_id = {}\n\
         aws_secret_access_key = {}\n",
        created.record.id,
        created.secret_access_key.as_str()
    ));

    let temporary = path.with_file_name(format!(
        ".{ADMIN_CREDENTIALS_FILE}.tmp-{}",
        created.record.id
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary).map_err(io_error(&temporary))?;
    let written = file
        .write_all(contents.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(AccessKeyError::Io {
            path: temporary,
            source,
        });
    }
    std::fs::rename(&temporary, path).map_err(io_error(path))
}
