//! Detects commits to the database file by any connection or process.
//!
//! SQLite's `PRAGMA data_version` returns a number that changes whenever
//! another connection commits to the database, including connections in other
//! processes such as a CLI command next to a running server. The watcher keeps
//! one raw connection of its own that never writes, so every commit made
//! through the pool or from outside changes the number it reads. A reading
//! opens a read transaction (two `fcntl` lock calls and an `fstat` on Linux)
//! and costs a few microseconds, so a request takes one reading and checks
//! all its cached reads against it.
//!
//! sqlx runs each connection on a worker thread and returns results over a
//! channel, which costs tens of microseconds per statement. This one
//! statement therefore goes through the C API directly.
#![allow(unsafe_code)]

use std::ffi::{CString, c_int};
use std::path::Path;
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use libsqlite3_sys as ffi;

use crate::store::StoreError;

/// A private connection and its prepared `PRAGMA data_version` statement.
struct RawConnection {
    db: *mut ffi::sqlite3,
    statement: *mut ffi::sqlite3_stmt,
}

// SAFETY: the handles are used only while the surrounding `Mutex` is held,
// so no two threads touch them at once; SQLite connections opened with
// SQLITE_OPEN_NOMUTEX may move between threads when access is serialized.
unsafe impl Send for RawConnection {}

impl Drop for RawConnection {
    fn drop(&mut self) {
        // SAFETY: `db` is the handle that open returned, which must be closed
        // even after a failed open (close accepts null too). `statement` is
        // null or prepared, and finalize accepts both. Drop runs once.
        unsafe {
            ffi::sqlite3_finalize(self.statement);
            ffi::sqlite3_close(self.db);
        }
    }
}

/// Source of [`ChangeWatch::id`].
static NEXT_WATCH_ID: AtomicU64 = AtomicU64::new(1);

/// Reports a number that changes after every commit to the database file.
pub struct ChangeWatch {
    connection: Mutex<RawConnection>,
    /// Process-unique id. Data versions of two connections are unrelated
    /// numbers, so a version is meaningful only with the watcher that read it.
    id: u64,
}

impl std::fmt::Debug for ChangeWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeWatch").finish_non_exhaustive()
    }
}

impl ChangeWatch {
    /// Opens a watcher on the database file at `path`, which must exist.
    pub fn open(path: &Path) -> Result<ChangeWatch, StoreError> {
        let failed = |reason: String| StoreError::Watch {
            path: path.display().to_string(),
            reason,
        };
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| failed("the path contains a NUL byte".into()))?;
        let sql = c"PRAGMA data_version";

        let mut db: *mut ffi::sqlite3 = ptr::null_mut();
        // SAFETY: `c_path` is a valid NUL-terminated string and `db` a valid
        // out-pointer. SQLite sets `db` even on failure, and the handle is
        // closed below or by `RawConnection::drop`.
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                c_path.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX,
                ptr::null(),
            )
        };
        let mut connection = RawConnection {
            db,
            statement: ptr::null_mut(),
        };
        if rc != ffi::SQLITE_OK {
            return Err(failed(error_message(connection.db, rc)));
        }
        // SAFETY: `connection.db` is an open connection, `sql` is
        // NUL-terminated (length -1 reads up to the NUL), and `statement` is a
        // valid out-pointer that `RawConnection::drop` finalizes.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                connection.db,
                sql.as_ptr(),
                -1,
                &mut connection.statement,
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(failed(error_message(connection.db, rc)));
        }
        let watch = ChangeWatch {
            connection: Mutex::new(connection),
            id: NEXT_WATCH_ID.fetch_add(1, Ordering::Relaxed),
        };
        watch.version().map_err(failed)?;
        Ok(watch)
    }

    /// Returns the process-unique id of this watcher.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Reads the current data version. Two equal readings mean that nothing
    /// was committed in between.
    pub fn version(&self) -> Result<u64, String> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // SAFETY: the statement belongs to the open connection and the mutex
        // serializes every use of both. The statement is reset after each
        // step, so the next call starts a new read of the database header.
        unsafe {
            let rc = ffi::sqlite3_step(connection.statement);
            let result = if rc == ffi::SQLITE_ROW {
                Ok(ffi::sqlite3_column_int64(connection.statement, 0) as u64)
            } else {
                Err(error_message(connection.db, rc))
            };
            ffi::sqlite3_reset(connection.statement);
            result
        }
    }
}

/// SQLite's message for the last error on `db`, or the code's generic text.
fn error_message(db: *mut ffi::sqlite3, rc: c_int) -> String {
    // SAFETY: `sqlite3_errmsg` accepts any handle that open returned, also
    // after a failed open, and `sqlite3_errstr` accepts any code. Both return
    // NUL-terminated strings that stay valid until the copy below.
    unsafe {
        let message = if db.is_null() {
            ffi::sqlite3_errstr(rc)
        } else {
            ffi::sqlite3_errmsg(db)
        };
        if message.is_null() {
            return format!("SQLite error code {rc}");
        }
        std::ffi::CStr::from_ptr(message).to_string_lossy().into_owned()
    }
}
