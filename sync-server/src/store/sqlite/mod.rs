//! The embedded SQLite store (내장 SQLite), the default: `cargo run` creates and migrates the file.
//!
//! Concurrency: one writer connection behind a mutex — SQLite allows one writer at a time anyway, and
//! serialising pushes here is what makes **sequence numbers commit strictly in order** (a push takes
//! the next numbers inside its write transaction, and no other push can commit in between). Pulls
//! read through a small pool of reader connections in WAL mode, each seeing a committed snapshot, so
//! a pull never sees seq *n* without every seq below it. All calls run on tokio's blocking pool, off
//! the async workers.

mod auth;
mod changes;
mod directory;
mod legacy;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::{CoreError, CoreResult};

use super::StoreFuture;

/// Reader connections kept open for reuse (more are opened under load and closed after).
const MAX_IDLE_READERS: usize = 8;

/// The embedded SQLite implementation of [`super::ChangeStore`] and [`super::AuthStore`].
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    skew: SkewPolicy,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database file at `path`.
    pub fn open(path: &Path, skew: SkewPolicy) -> CoreResult<Self> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        schema::migrate(&mut writer)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                skew,
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Runs `f` with the writer connection on the blocking pool.
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, &SkewPolicy) -> CoreResult<T> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = lock(&inner.writer);
                f(&mut conn, &inner.skew)
            })
            .await
            .map_err(|e| CoreError::storage(format!("blocking task failed: {e}")))?
        })
    }

    /// Runs `f` with a reader connection on the blocking pool.
    fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> CoreResult<T> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let pooled = lock(&inner.readers).pop();
                let conn = match pooled {
                    Some(c) => c,
                    None => open_reader(&inner.path)?,
                };
                let out = f(&conn);
                let mut idle = lock(&inner.readers);
                if idle.len() < MAX_IDLE_READERS {
                    idle.push(conn);
                }
                out
            })
            .await
            .map_err(|e| CoreError::storage(format!("blocking task failed: {e}")))?
        })
    }
}

/// A poisoned lock only means another request panicked while holding it; the connection itself is
/// still sound (an open transaction was rolled back when it was dropped).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn configure(conn: &Connection) -> CoreResult<()> {
    // WAL: readers never block the writer. synchronous=FULL: a push is acknowledged only once it is
    // on disk, because the device then deletes it from its outbox (NORMAL could lose the last
    // acknowledged pushes on power loss — lost records).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

fn open_reader(path: &Path) -> CoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// A UUID from a 16-byte BLOB column.
fn uuid_from(bytes: &[u8], what: &str) -> CoreResult<uuid::Uuid> {
    uuid::Uuid::from_slice(bytes)
        .map_err(|e| CoreError::storage(format!("corrupt id in {what}: {e}")))
}
