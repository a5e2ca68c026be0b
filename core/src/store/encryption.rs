//! Encryption at rest (저장 데이터 암호화): the store file encrypted with SQLCipher.
//!
//! - The key is 32 random bytes kept by the platform (Android Keystore wraps it, iOS Keychain holds
//!   it) and handed to [`super::Store::open_encrypted`] as bytes. It is applied as a **raw key**
//!   (`PRAGMA key = "x'…'"`): SQLCipher then skips its PBKDF2 step (256,000 iterations of
//!   HMAC-SHA512 by default), which exists to stretch a low-entropy passphrase and adds nothing to
//!   256 random bits, while costing a noticeable fraction of a second on every open on a phone.
//! - A wrong key is [`wrong_key`] (`store_key_wrong`), never SQLite's "file is not a database".
//! - A plain (unencrypted) file from an earlier version is migrated by [`encrypt_plain_file`]: exported
//!   with `sqlcipher_export` into `<file>.encrypting`, fsynced, renamed over the plain file (atomic),
//!   directory fsynced. A crash before the rename leaves the plain file intact and the next keyed open
//!   deletes the half-written copy and starts again; after the rename only the encrypted file exists.
//!   No plain `-wal` / `-shm` is left behind: the plain file leaves WAL mode before the export.
//! - Copies of the key made here (the hex literal) are wiped from memory when dropped ([`zeroize`]).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode as SqliteCode, OpenFlags};
use zeroize::{Zeroize, Zeroizing};

use super::migrations;
use crate::{CoreError, CoreResult, ErrorCode};

/// Length of a database key in bytes (AES-256).
pub const KEY_LEN: usize = 32;

/// The first 16 bytes of every plain SQLite file. An SQLCipher file starts with its random salt.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Suffix of the temporary encrypted copy made while migrating a plain file.
pub const MIGRATION_SUFFIX: &str = ".encrypting";

/// A database key: 32 bytes, wiped from memory on drop, never printed.
#[derive(Clone)]
pub struct StoreKey([u8; KEY_LEN]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl StoreKey {
    /// Exactly [`KEY_LEN`] bytes, else `store_key_invalid` (the length only is named, never the bytes).
    pub fn from_bytes(bytes: &[u8]) -> CoreResult<StoreKey> {
        let raw: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            CoreError::invalid(
                "store_key_invalid",
                "key",
                format!(
                    "데이터 암호 키는 {KEY_LEN}바이트여야 합니다 (입력: {}바이트)",
                    bytes.len()
                ),
                format!(
                    "the database key must be {KEY_LEN} bytes (got {})",
                    bytes.len()
                ),
            )
        })?;
        Ok(StoreKey(raw))
    }

    /// SQLCipher's raw-key literal `x'<64 hex digits>'` (only hex digits: safe inside SQL quotes).
    fn literal(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = Zeroizing::new(String::with_capacity(3 + 2 * KEY_LEN));
        s.push_str("x'");
        for b in self.0 {
            s.push(HEX[usize::from(b >> 4)] as char);
            s.push(HEX[usize::from(b & 0xf)] as char);
        }
        s.push('\'');
        s
    }
}

/// The code of [`wrong_key`].
pub const WRONG_KEY: &str = "store_key_wrong";

/// `store_key_wrong`: the key does not open this file (or the file is not a database at all; SQLCipher
/// cannot tell the two apart).
pub fn wrong_key() -> CoreError {
    CoreError {
        kind: ErrorCode::Invalid,
        code: WRONG_KEY,
        field: Some("key".to_owned()),
        ko: "데이터 암호 키가 맞지 않아 파일을 열 수 없습니다. 파일은 변경하지 않았습니다.".to_owned(),
        en: "The database key does not match this file, so it cannot be opened. The file was left untouched."
            .to_owned(),
    }
}

/// `store_key_required`: a file opened without a key that is encrypted (or not a database).
pub fn key_required() -> CoreError {
    CoreError {
        kind: ErrorCode::Storage,
        code: "store_key_required",
        field: None,
        ko: "암호화된 데이터 파일이거나 데이터 파일이 아닙니다. 암호 키로 여세요. 파일은 변경하지 않았습니다."
            .to_owned(),
        en: "The data file is encrypted or is not a database; open it with its key. The file was left untouched."
            .to_owned(),
    }
}

/// `store_not_encrypted`: re-keying a store opened without a key.
pub fn not_encrypted() -> CoreError {
    CoreError::conflict(
        "store_not_encrypted",
        "암호화되지 않은 저장소는 키를 바꿀 수 없습니다. 암호 키로 다시 여세요.",
        "a store opened without a key cannot be re-keyed; open it with a key",
    )
}

pub(crate) fn not_a_database(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(SqliteCode::NotADatabase)
}

/// Applies `key` to a freshly opened connection and proves it opens the file. Must be the first
/// statement on the connection.
pub(crate) fn apply_key(conn: &Connection, key: &StoreKey) -> CoreResult<()> {
    // Without SQLCipher compiled in, `PRAGMA key` is silently ignored and the file would be written in
    // plain text: refuse rather than pretend.
    let cipher: Option<String> = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .ok();
    if cipher.is_none_or(|v| v.is_empty()) {
        return Err(CoreError::storage(
            "this build has no SQLCipher; refusing to write unencrypted data",
        ));
    }
    let sql = Zeroizing::new(format!("PRAGMA key = \"{}\";", key.literal().as_str()));
    conn.execute_batch(&sql)?;
    // The key is only checked when a page is read: read the schema now.
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(e) if not_a_database(&e) => return Err(wrong_key()),
        Err(e) => return Err(e.into()),
    }
    // A page read again from the OS cache is no longer free: it is decrypted and its HMAC checked
    // each time. SQLite's default 2 MiB page cache is smaller than what one busy household's history
    // touches (about 750 pages for 500 visits), which made paging through it 6× slower than on the
    // plain file; 8 MiB of decrypted pages keeps it in memory (docs/security-device.md).
    conn.pragma_update(None, "cache_size", ENCRYPTED_CACHE_KIB)?;
    Ok(())
}

/// `PRAGMA cache_size` of an encrypted store: negative = KiB (8 MiB).
const ENCRYPTED_CACHE_KIB: i64 = -8192;

/// Re-encrypts the open database with `new_key` (every page rewritten in one transaction), then
/// checkpoints so that no page under the old key stays in the WAL.
pub(crate) fn rekey(conn: &Connection, new_key: &StoreKey) -> CoreResult<()> {
    let sql = Zeroizing::new(format!(
        "PRAGMA rekey = \"{}\";",
        new_key.literal().as_str()
    ));
    conn.execute_batch(&sql)?;
    checkpoint(conn)
}

fn checkpoint(conn: &Connection) -> CoreResult<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy != 0 {
        return Err(CoreError::storage(
            "checkpoint blocked by another connection",
        ));
    }
    Ok(())
}

/// Whether the file at `path` is a plain SQLite database (by its header). A missing or empty file is
/// not: it becomes an encrypted database when first keyed.
pub fn is_plain_database(path: &Path) -> CoreResult<bool> {
    let mut header = [0u8; 16];
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(CoreError::storage(format!(
                "cannot read the data file: {e}"
            )))
        }
    };
    match f.read_exact(&mut header) {
        Ok(()) => Ok(&header == PLAIN_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(CoreError::storage(format!(
            "cannot read the data file: {e}"
        ))),
    }
}

/// `<path><suffix>`, e.g. `phone.db-wal`.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The temporary encrypted copy of a migration in progress.
pub fn migration_temp_path(path: &Path) -> PathBuf {
    with_suffix(path, MIGRATION_SUFFIX)
}

fn remove_if_exists(path: &Path) -> CoreResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CoreError::storage(format!(
            "cannot remove a leftover file: {e}"
        ))),
    }
}

/// Removes a half-written copy left by a migration that was interrupted (with its journal files).
fn remove_migration_leftovers(path: &Path) -> CoreResult<()> {
    let tmp = migration_temp_path(path);
    for suffix in ["", "-journal", "-wal", "-shm"] {
        remove_if_exists(&with_suffix(&tmp, suffix))?;
    }
    Ok(())
}

fn sync_dir_of(path: &Path) -> CoreResult<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Directories can be opened and fsynced on Unix (Android, iOS); elsewhere this is a no-op.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CoreError::storage(format!("cannot sync the data directory: {e}")))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Migrates a plain database file into an encrypted one under `key`, in place, without loss; returns
/// whether it did (`false`: the file is missing, empty or already encrypted). Crash-safe (see the
/// module documentation). Also clears the leftovers of an interrupted earlier attempt.
pub fn encrypt_plain_file(path: &Path, key: &StoreKey) -> CoreResult<bool> {
    remove_migration_leftovers(path)?;
    if !is_plain_database(path)? {
        return Ok(false);
    }
    let tmp = migration_temp_path(path);
    let tmp_str = tmp
        .to_str()
        .ok_or_else(|| CoreError::storage("the data file path is not valid UTF-8"))?;
    {
        // CREATE: an attached database is opened with the main one's flags, and the copy is new.
        let plain = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        plain.busy_timeout(super::BUSY_TIMEOUT)?;
        // A foreign or newer file is refused untouched, never encrypted.
        migrations::check_openable(&plain)?;
        // Everything into the main file and out of WAL mode, so that no plain -wal / -shm file stays
        // next to the encrypted file after the rename (SQLite would try to replay it).
        checkpoint(&plain)?;
        let mode: String = plain.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(CoreError::storage(format!(
                "cannot leave WAL mode before encrypting (got {mode})"
            )));
        }
        let mut literal = key.literal();
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![tmp_str, literal.as_str()],
        )?;
        literal.zeroize();
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        // Not copied by the export: the schema version and the file's application id.
        let version = migrations::current_version(&plain)?;
        let app_id: i64 = plain.query_row("PRAGMA main.application_id", [], |r| r.get(0))?;
        plain.execute_batch(&format!(
            "PRAGMA encrypted.user_version = {version}; PRAGMA encrypted.application_id = {app_id};"
        ))?;
        plain.execute_batch("DETACH DATABASE encrypted;")?;
        // `plain` closes here, before the rename.
    }
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| CoreError::storage(format!("cannot sync the encrypted copy: {e}")))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| CoreError::storage(format!("cannot replace the plain file: {e}")))?;
    sync_dir_of(path)?;
    // Left by nothing above, but a plain journal must never meet the encrypted file.
    for suffix in ["-journal", "-wal", "-shm"] {
        remove_if_exists(&with_suffix(path, suffix))?;
    }
    Ok(true)
}
