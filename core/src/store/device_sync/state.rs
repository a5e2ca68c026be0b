//! The device's sync state (기기 동기화 상태): one row of `sync_state`.

use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::model::new_id;
pub use crate::sync::device::SnapshotProgress;
use crate::sync::{ClockOffset, HlcTimestamp, HybridClock, PullResume};
use crate::{CoreError, CoreResult};

/// What the device keeps between syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    /// This device's id (UUID v7, made when the store was first opened).
    pub device_id: Uuid,
    /// The last stamp the clock issued or received (`HybridClock::resume`).
    pub last_hlc: Option<HlcTimestamp>,
    /// Server time − local time, learnt from every response.
    pub offset: ClockOffset,
    /// The last server sequence number applied.
    pub cursor: u64,
    /// The greatest stamp ever received in a pull (re-stamp floor).
    pub received_max: Option<HlcTimestamp>,
    /// The greatest own stamp the server acknowledged (re-stamp floor).
    pub acked_max: Option<HlcTimestamp>,
    /// Where the last page stopped inside a backfill, sent back with the next pull (kept with the
    /// cursor: both move in the transaction that applies a page).
    pub resume: Option<PullResume>,
    /// A snapshot initial sync under way: where its next page starts (kept with each page's
    /// records). `None` when none is.
    pub snapshot: Option<SnapshotProgress>,
}

impl SyncState {
    /// The clock, resumed where it stopped.
    pub fn clock(&self) -> HybridClock {
        match self.last_hlc {
            Some(last) => HybridClock::resume(self.device_id, last),
            None => HybridClock::new(self.device_id),
        }
    }
}

fn opt_hlc(s: Option<String>, field: &str) -> CoreResult<Option<HlcTimestamp>> {
    s.map(|s| HlcTimestamp::decode(&s, field)).transpose()
}

/// Creates the state row with a new device id if there is none (a new file, or one migrated from
/// before sync). Returns whether it did.
pub fn ensure(conn: &Connection) -> CoreResult<bool> {
    let n = conn.execute(
        "INSERT INTO sync_state (id, device_id) VALUES (1, ?1) ON CONFLICT(id) DO NOTHING",
        [new_id().to_string()],
    )?;
    Ok(n > 0)
}

pub fn load(conn: &Connection) -> CoreResult<SyncState> {
    let row = conn
        .prepare_cached(
            "SELECT device_id, last_hlc, clock_offset_ms, cursor, received_max, acked_max,
                    pull_resume, snapshot_progress
               FROM sync_state WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .optional()?;
    let Some((device, last, offset_ms, cursor, received, acked, resume, snapshot)) = row else {
        return Err(CoreError::storage("sync_state row missing"));
    };
    Ok(SyncState {
        device_id: Uuid::try_parse(&device)
            .map_err(|e| CoreError::storage(format!("sync_state.device_id: {e}")))?,
        last_hlc: opt_hlc(last, "sync_state.last_hlc")?,
        offset: ClockOffset { offset_ms },
        cursor: u64::try_from(cursor).unwrap_or(0),
        received_max: opt_hlc(received, "sync_state.received_max")?,
        acked_max: opt_hlc(acked, "sync_state.acked_max")?,
        resume: resume
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| CoreError::storage(format!("sync_state.pull_resume: {e}")))?,
        snapshot: snapshot
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| CoreError::storage(format!("sync_state.snapshot_progress: {e}")))?,
    })
}

pub fn save(conn: &Connection, s: &SyncState) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE sync_state SET last_hlc = ?1, clock_offset_ms = ?2, cursor = ?3, received_max = ?4,
             acked_max = ?5, pull_resume = ?6, snapshot_progress = ?7 WHERE id = 1",
    )?
    .execute(params![
        s.last_hlc.map(|h| h.encode()),
        s.offset.offset_ms,
        i64::try_from(s.cursor).unwrap_or(i64::MAX),
        s.received_max.map(|h| h.encode()),
        s.acked_max.map(|h| h.encode()),
        s.resume
            .map(|r| serde_json::to_string(&r))
            .transpose()
            .map_err(|e| CoreError::storage(format!("cannot encode the pull resume point: {e}")))?,
        s.snapshot
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| CoreError::storage(format!("cannot encode the snapshot progress: {e}")))?,
    ])?;
    Ok(())
}
