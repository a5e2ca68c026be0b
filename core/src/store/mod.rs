//! The local store: one SQLite file on the phone (bundled SQLCipher through rusqlite).
//!
//! - Encrypted at rest on the phone: [`Store::open_encrypted`] with the 32-byte key from the platform
//!   keystore ([`encryption`]); a plain file from an earlier version is migrated on that open.
//!   [`Store::open`] (no key) stays for tests, benchmarks, the command line and the sync server.
//! - WAL journal, `synchronous = FULL`: every committed transaction survives a crash or a dead battery,
//!   and a transaction interrupted mid-way leaves nothing behind (SQLite's atomic commit). Only what
//!   the server can give again (applied pages, acknowledgements) commits without waiting for the
//!   disk ([`Durability`]).
//! - Foreign keys on; a busy timeout so a background sync and the UI never fail on a lock.
//! - Forward-only migrations ([`migrations`]); a file from a newer app version is refused untouched.
//! - Every write is one transaction ([`Store::write`]); repositories validate before they write, so a
//!   rejected input writes nothing.

pub mod agenda;
pub mod audit;
pub mod cases;
pub mod config_docs;
pub mod conv;
pub mod crisis_reports;
pub mod device_sync;
pub mod discharge;
pub mod due;
pub mod eligibility;
pub mod encryption;
pub mod history;
pub mod households;
pub mod import;
pub mod import_csv;
pub mod incidents;
pub mod migrations;
pub mod notes;
pub mod org;
pub mod outreach;
pub mod persons;
pub mod phone_safety;
pub mod records;
pub mod referrals;
pub mod safety_events;
pub mod services;
pub mod visits;
pub mod volunteers;
pub mod wellness;
pub mod workers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::clock::{Clock, SystemClock};
use crate::{CoreError, CoreResult};

/// How long a write waits for another connection's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

/// An open local database. Cheap to share across threads (`Send + Sync`); calls are serialised.
pub struct Store {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    clock: Arc<dyn Clock>,
    /// Whether repository writes record changes (always, except in the capture-overhead benchmark).
    capture: std::sync::atomic::AtomicBool,
    /// Opened with a key (SQLCipher); only such a store can be re-keyed.
    encrypted: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> CoreResult<Store> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    /// As [`Store::open`], with an injected clock (tests, simulations).
    pub fn open_with_clock(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> CoreResult<Store> {
        let path = path.as_ref();
        let conn = Self::connect(path)?;
        // An encrypted file read without its key looks like "file is not a database": say what it is.
        match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(e) if encryption::not_a_database(&e) => return Err(encryption::key_required()),
            Err(e) => return Err(e.into()),
        }
        Self::init(conn, Some(path.to_path_buf()), clock, false)
    }

    /// Opens (creating if needed) and migrates the **encrypted** database file at `path` with `key`,
    /// 32 raw bytes from the platform keystore ([`encryption`]). A plain file from an earlier version
    /// is first encrypted in place without loss ([`encryption::encrypt_plain_file`]). A wrong key is
    /// `store_key_wrong`, a key of another length `store_key_invalid`; the file is left untouched.
    pub fn open_encrypted(path: impl AsRef<Path>, key: &[u8]) -> CoreResult<Store> {
        Self::open_encrypted_with_clock(path, key, Arc::new(SystemClock))
    }

    /// As [`Store::open_encrypted`], with an injected clock.
    pub fn open_encrypted_with_clock(
        path: impl AsRef<Path>,
        key: &[u8],
        clock: Arc<dyn Clock>,
    ) -> CoreResult<Store> {
        let path = path.as_ref();
        let key = encryption::StoreKey::from_bytes(key)?;
        Self::check_path(path)?;
        encryption::encrypt_plain_file(path, &key)?;
        let conn = Self::connect(path)?;
        encryption::apply_key(&conn, &key)?;
        Self::init(conn, Some(path.to_path_buf()), clock, true)
    }

    /// Re-encrypts the whole file with `new_key` (32 bytes); the old key stops working. Only for a
    /// store opened with a key (`store_not_encrypted` otherwise). On failure the old key still opens
    /// the file (the rewrite is one transaction).
    pub fn rekey(&self, new_key: &[u8]) -> CoreResult<()> {
        let key = encryption::StoreKey::from_bytes(new_key)?;
        if !self.encrypted {
            return Err(encryption::not_encrypted());
        }
        encryption::rekey(&self.lock(), &key)
    }

    /// Whether the store was opened with a key (its file is encrypted).
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    fn check_path(path: &Path) -> CoreResult<()> {
        // SQLite reads an empty name as "a temporary database", which would silently lose everything.
        if path.as_os_str().is_empty() {
            return Err(CoreError::invalid(
                "path_required",
                "path",
                "데이터 파일 경로를 지정하세요",
                "a database file path is required",
            ));
        }
        Ok(())
    }

    fn connect(path: &Path) -> CoreResult<Connection> {
        Self::check_path(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Connection::open_with_flags(path, flags)
            .map_err(|e| CoreError::storage(format!("cannot open {}: {e}", path.display())))
    }

    /// A private in-memory database (tests, previews).
    pub fn open_in_memory() -> CoreResult<Store> {
        Self::open_in_memory_with_clock(Arc::new(SystemClock))
    }

    pub fn open_in_memory_with_clock(clock: Arc<dyn Clock>) -> CoreResult<Store> {
        Self::init(Connection::open_in_memory()?, None, clock, false)
    }

    fn init(
        mut conn: Connection,
        path: Option<PathBuf>,
        clock: Arc<dyn Clock>,
        encrypted: bool,
    ) -> CoreResult<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Repositories, change capture and apply use well over rusqlite's default 16 cached
        // statements (one per entity and column set); re-preparing on every write would cost more
        // than the write itself.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Read-only checks first: a file we must refuse is never written to (not even the WAL switch).
        migrations::check_openable(&conn)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if path.is_some() {
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(CoreError::storage(format!(
                    "cannot switch to WAL (got {mode})"
                )));
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        let now_ms = clock.now().timestamp_millis();
        migrations::migrate_to(&mut conn, migrations::latest_version(), now_ms)?;
        // A new file, or one from before sync, gets its device id now (UUID v7); the records of a
        // file from before sync are captured once, so that they reach the server.
        if device_sync::state::ensure(&conn)? {
            run_in_transaction(&mut conn, |tx| {
                let mut cap = device_sync::Capture::begin(tx, now_ms)?;
                cap.existing(tx)?;
                cap.finish(tx)
            })?;
        }
        Ok(Store {
            conn: Mutex::new(conn),
            path,
            clock,
            capture: std::sync::atomic::AtomicBool::new(true),
            encrypted,
        })
    }

    /// **Benchmarks only**: turns change capture off, to measure its cost against the same write
    /// without it. Writes made meanwhile never reach the server. Hidden from the documentation.
    #[doc(hidden)]
    pub fn set_change_capture_for_benchmarks(&self, on: bool) {
        self.capture.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn captures(&self) -> bool {
        self.capture.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Closes the store and deletes its file with SQLite's side files (`-wal`, `-shm`,
    /// `-journal`): a revoked phone's wipe. Opening the path again makes a new, empty store with a
    /// new device id. An in-memory store is just closed.
    pub fn wipe(self) -> CoreResult<()> {
        let path = self.path.clone();
        let conn = self.conn.into_inner().unwrap_or_else(|p| p.into_inner());
        conn.close().map_err(|(_, e)| CoreError::from(e))?;
        let Some(path) = path else { return Ok(()) };
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(CoreError::storage(format!(
                        "cannot delete {}: {e}",
                        std::path::Path::new(&file).display()
                    )))
                }
            }
        }
        Ok(())
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn schema_version(&self) -> CoreResult<i64> {
        migrations::current_version(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written transaction (SQLite rolls an
        // unfinished one back when its Transaction drops), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`): all of it commits, or none of it.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        run_in_transaction(&mut self.lock(), f)
    }

    /// As [`Store::write`], with foreign keys not enforced and [`Durability::Replayable`]: for
    /// applying pulled changes only. A partial replica cannot hold every record its records point
    /// at (a volunteer's phone holds a visit but not the colleague from another team assigned to
    /// it; a person may be added on one phone to a household deleted on another), and a page that
    /// could never commit would stop the device's sync for ever. The server is the authority on
    /// references; queries join, so a dangling reference only hides a row. (`PRAGMA foreign_keys`
    /// cannot change inside a transaction, hence around it.)
    pub(crate) fn write_relaxed<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        self.write_with(false, Durability::Replayable, f)
    }

    /// As [`Store::write`], committed as `durability` says.
    pub(crate) fn write_durable<T>(
        &self,
        durability: Durability,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        self.write_with(true, durability, f)
    }

    /// One write transaction with foreign keys on or off and the given durability; the
    /// connection's defaults (foreign keys on, `synchronous = FULL`) are restored after it, even
    /// when it fails. (Neither pragma can change inside a transaction, hence around it.)
    fn write_with<T>(
        &self,
        foreign_keys: bool,
        durability: Durability,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let mut conn = self.lock();
        if !foreign_keys {
            conn.pragma_update(None, "foreign_keys", "OFF")?;
        }
        let relaxed = durability == Durability::Replayable;
        let set = if relaxed {
            conn.pragma_update(None, "synchronous", "NORMAL")
        } else {
            Ok(())
        };
        let out = set
            .map_err(CoreError::from)
            .and_then(|()| run_in_transaction(&mut conn, f));
        let fk = if foreign_keys {
            Ok(())
        } else {
            conn.pragma_update(None, "foreign_keys", "ON")
        };
        let sync = if relaxed {
            conn.pragma_update(None, "synchronous", "FULL")
        } else {
            Ok(())
        };
        let out = out?;
        fk?;
        sync?;
        Ok(out)
    }

    /// Runs `f` in one read transaction, so that several queries see one consistent snapshot.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&tx)
    }

    /// `PRAGMA integrity_check` — "ok" for a healthy file.
    pub fn integrity_check(&self) -> CoreResult<String> {
        Ok(self
            .lock()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn households(&self) -> households::Households<'_> {
        households::Households(self)
    }
    pub fn persons(&self) -> persons::Persons<'_> {
        persons::Persons(self)
    }
    pub fn org(&self) -> org::OrgUnits<'_> {
        org::OrgUnits(self)
    }
    pub fn workers(&self) -> workers::Workers<'_> {
        workers::Workers(self)
    }
    pub fn visits(&self) -> visits::Visits<'_> {
        visits::Visits(self)
    }
    pub fn wellness(&self) -> wellness::WellnessChecks<'_> {
        wellness::WellnessChecks(self)
    }
    pub fn notes(&self) -> notes::CaseNotes<'_> {
        notes::CaseNotes(self)
    }
    pub fn cases(&self) -> cases::Cases<'_> {
        cases::Cases(self)
    }
    pub fn referrals(&self) -> referrals::Referrals<'_> {
        referrals::Referrals(self)
    }
    pub fn crisis_reports(&self) -> crisis_reports::CrisisReports<'_> {
        crisis_reports::CrisisReports(self)
    }
    pub fn volunteers(&self) -> volunteers::VolunteerActivities<'_> {
        volunteers::VolunteerActivities(self)
    }
    pub fn incidents(&self) -> incidents::Incidents<'_> {
        incidents::Incidents(self)
    }
    pub fn discharge_referrals(&self) -> discharge::DischargeReferrals<'_> {
        discharge::DischargeReferrals(self)
    }
    pub fn outreach(&self) -> outreach::Outreach<'_> {
        outreach::Outreach(self)
    }
    pub fn services(&self) -> services::ServiceProvisions<'_> {
        services::ServiceProvisions(self)
    }
    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit(self)
    }
    pub fn safety_events(&self) -> safety_events::SafetyEvents<'_> {
        safety_events::SafetyEvents(self)
    }
    pub fn agenda(&self) -> agenda::Agenda<'_> {
        agenda::Agenda(self)
    }
    pub fn history(&self) -> history::History<'_> {
        history::History(self)
    }
}

/// How long a commit waits for the disk (WAL journal either way: the file stays consistent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// The commit returns once the disk holds it (`synchronous = FULL`): whatever only this phone
    /// holds — a worker's record, the outbox, the device credential. Every write by default.
    Disk,
    /// The commit returns once the system holds it (`synchronous = NORMAL`): what the server can
    /// give again — an applied pull or snapshot page, a push acknowledgement that re-stamps
    /// nothing, the last sync's outcome. A power cut may undo the last such commits (never an app
    /// crash, and never half of one); the next sync then pulls or pushes them again, and merge
    /// and push are idempotent. The next [`Durability::Disk`] commit makes them durable too (the
    /// WAL is synced in order). What goes to the disk is the costliest part of a small commit.
    Replayable,
}

/// One `BEGIN IMMEDIATE` transaction: commits if `f` succeeds, rolls back (on drop) otherwise.
fn run_in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> CoreResult<T>,
) -> CoreResult<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}
