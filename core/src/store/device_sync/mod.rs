//! The device's side of sync (기기 동기화) in the local store: change capture into an outbox, the
//! per-record merge state, applying pulled pages, and the push acknowledgement with re-stamping.
//! See `docs/sync.md`, "Device side".
//!
//! - [`state`]: device id, persisted clock, clock offset, cursor, re-stamp floor;
//! - [`status`]: the last sync's outcome and what is waiting (the sync screen);
//! - [`capture`]: a repository write and its change(s) in one transaction;
//! - [`outbox`]: changes not yet acknowledged;
//! - [`records`]: the merge state (`sync_records`) and the merge against it;
//! - [`rows`]: the tables' rows as a projection of the merge state;
//! - [`apply`]: a pulled page, whole or not at all;
//! - [`values`]: column values ↔ sync JSON.

pub mod apply;
pub mod capture;
pub mod outbox;
pub mod records;
pub mod rows;
pub mod state;
pub mod status;
pub mod values;
pub mod verify;

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

pub use crate::sync::device::{FeedPosition, PushOutcome, SyncStorage};
pub use apply::ApplyStats;
pub use capture::Capture;
pub use state::{SnapshotProgress, SyncState};
pub use status::SyncStatus;

use super::{Durability, Store};
use crate::sync::protocol::{PullResponse, PullResume, PushResponse, RejectedChange};
use crate::sync::SnapshotResponse;
use crate::sync::{restamp, Change, HlcTimestamp};
use crate::CoreResult;

/// The code of a refusal that re-stamping cures.
const CLOCK_AHEAD: &str = "clock_ahead";

impl Store {
    fn now_ms(&self) -> i64 {
        self.clock().now().timestamp_millis()
    }

    /// Runs `f` in one write transaction with a change-capture context: the rows `f` writes and the
    /// changes it records commit together, with the clock's new state.
    pub(crate) fn write_synced<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &mut Capture) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let now = self.now_ms();
        let on = self.captures();
        self.write(|tx| {
            let mut cap = if on {
                Capture::begin(tx, now)?
            } else {
                Capture::disabled()
            };
            let out = f(tx, &mut cap)?;
            cap.finish(tx)?;
            Ok(out)
        })
    }

    /// The device's sync state (device id, clock, cursor …).
    pub fn sync_state(&self) -> CoreResult<SyncState> {
        self.read(|tx| state::load(tx))
    }

    /// This device's id (made when the store was first opened).
    pub fn device_id(&self) -> CoreResult<Uuid> {
        Ok(self.sync_state()?.device_id)
    }

    /// The enrolment retry key (`crate::sync::enrolment::new_retry_key`): the one kept, or a new one
    /// made and saved now, before the enrolment request that will carry it is sent.
    pub fn enrol_retry_key(&self) -> CoreResult<String> {
        let fresh = crate::sync::enrolment::new_retry_key()?;
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE sync_state SET enrol_retry_key = COALESCE(enrol_retry_key, ?1) WHERE id = 1",
            )?
            .execute([&fresh])?;
            let key: Option<String> = tx
                .prepare_cached("SELECT enrol_retry_key FROM sync_state WHERE id = 1")?
                .query_row([], |r| r.get(0))
                .optional()?
                .flatten();
            key.ok_or_else(|| crate::CoreError::storage("sync_state row missing"))
        })
    }

    /// Forgets the enrolment retry key: the credential is known to have reached the app.
    pub fn forget_enrol_retry_key(&self) -> CoreResult<()> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE sync_state SET enrol_retry_key = NULL WHERE id = 1")?
                .execute([])?;
            Ok(())
        })
    }

    /// At most `limit` outbox changes, oldest stamp first: the next push batch.
    pub fn outbox(&self, limit: usize) -> CoreResult<Vec<Change>> {
        self.read(|tx| outbox::list(tx, Some(limit)))
    }

    /// Number of changes waiting to be pushed.
    pub fn outbox_len(&self) -> CoreResult<u64> {
        self.read(|tx| outbox::len(tx))
    }

    /// The canonical dump of the sync state, in the format of
    /// [`crate::sync::Replica::canonical_dump`]: equal to the server's when both hold the same.
    pub fn sync_dump(&self) -> CoreResult<String> {
        self.read(|tx| records::canonical_dump(tx))
    }

    /// Where the tables' rows disagree with the merge state (empty when they agree): a check for
    /// tests and support staff.
    pub fn sync_mismatches(&self) -> CoreResult<Vec<String>> {
        self.read(|tx| verify::mismatches(tx))
    }

    /// Learns the clock offset from a server's time (e.g. from an error body).
    pub fn learn_server_time(&self, server_time_ms: i64) -> CoreResult<()> {
        let now = self.now_ms();
        self.write_durable(Durability::Replayable, |tx| {
            tx.prepare_cached("UPDATE sync_state SET clock_offset_ms = ?1 WHERE id = 1")?
                .execute([server_time_ms.saturating_sub(now)])?;
            Ok(())
        })
    }

    /// Takes a push response in one transaction: drops accepted and duplicate changes from the
    /// outbox, learns the clock offset, re-stamps the changes refused as `clock_ahead` (and every
    /// later one, `docs/sync.md` "Clock skew"), and sets aside changes refused for other reasons.
    /// Idempotent: a response seen twice finds nothing more to drop.
    pub fn acknowledge(&self, resp: &PushResponse) -> CoreResult<PushOutcome> {
        let now = self.now_ms();
        self.write_durable(acknowledgement_durability(resp), |tx| {
            let mut st = state::load(tx)?;
            st.offset.learn(resp.server_time_ms, now);
            let mut out = PushOutcome::default();
            let acked: HashSet<Uuid> = resp
                .accepted
                .iter()
                .chain(&resp.duplicates)
                .copied()
                .collect();
            for id in &acked {
                let hlc: Option<String> = tx
                    .prepare_cached("SELECT hlc FROM sync_outbox WHERE change_id = ?1")?
                    .query_row([id.to_string()], |r| r.get(0))
                    .optional()?;
                if let Some(h) = hlc {
                    let h = HlcTimestamp::decode(&h, "sync_outbox.hlc")?;
                    st.acked_max = st.acked_max.max(Some(h));
                    outbox::remove(tx, *id)?;
                    out.acknowledged += 1;
                }
            }
            let mut ahead = HashSet::new();
            for r in &resp.rejected {
                if r.code == CLOCK_AHEAD {
                    ahead.insert(r.id);
                    continue;
                }
                if set_aside_one(tx, r, now)? {
                    out.refused.push(r.clone());
                }
            }
            if !ahead.is_empty() {
                out.restamped = restamp_outbox(tx, &mut st, &ahead, &acked, now)?;
            }
            state::save(tx, &st)?;
            Ok(out)
        })
    }

    /// Sets aside the changes of a push the server refused whole because these may not be written
    /// (`out_of_scope`, HTTP 403): each moves from the outbox to `sync_refused` with its reason, in
    /// one transaction, so the rest of the outbox can be pushed again. Returns those that were still
    /// in the outbox (a second call finds none).
    pub fn set_aside(&self, refused: &[RejectedChange]) -> CoreResult<Vec<RejectedChange>> {
        let now = self.now_ms();
        self.write(|tx| {
            let mut moved = Vec::new();
            for r in refused {
                if set_aside_one(tx, r, now)? {
                    moved.push(r.clone());
                }
            }
            Ok(moved)
        })
    }

    /// Applies one pulled page — its changes, in any order, then moves the cursor to `next_seq` — in
    /// one transaction. Idempotent: a page applied twice changes nothing the second time.
    pub fn apply_page(&self, changes: &[Change], next_seq: u64) -> CoreResult<ApplyStats> {
        self.apply(changes.iter(), &[], next_seq, None, None)
    }

    /// Applies a whole pull response: its changes and purges, the server's time, the cursor and
    /// its resume point (kept for the next pull).
    pub fn apply_pull(&self, page: &PullResponse) -> CoreResult<ApplyStats> {
        self.apply(
            page.changes.iter().map(|c| &c.change),
            &page.purge,
            page.next_seq,
            page.resume,
            Some(page.server_time_ms),
        )
    }

    /// Applies one snapshot page (docs/sync.md "Snapshot") in one transaction: its records, the
    /// server's time, the clock's receipt of the page's greatest stamp, and the snapshot's progress
    /// — or, after the last page, the cursor at the snapshot's position. A page that fails half way
    /// commits nothing, progress included.
    pub fn apply_snapshot(&self, page: &SnapshotResponse) -> CoreResult<ApplyStats> {
        let now = self.now_ms();
        self.write_relaxed(|tx| {
            let mut st = state::load(tx)?;
            st.offset.learn(page.server_time_ms, now);
            let mut stats = ApplyStats::default();
            let mut derived = apply::Derived::default();
            for rec in &page.records {
                apply::apply_snapshot_record(tx, rec, &mut derived, &mut stats)?;
            }
            derived.refresh(tx)?;
            if let Some(max) = page
                .records
                .iter()
                .filter_map(|r| r.state.max_stamp())
                .max()
            {
                let mut clock = st.clock();
                clock.receive(&max, st.offset.corrected(now));
                st.last_hlc = Some(clock.last());
                st.received_max = st.received_max.max(Some(max));
            }
            if page.has_more {
                st.snapshot = Some(SnapshotProgress {
                    after: page
                        .after
                        .clone()
                        .or_else(|| st.snapshot.as_ref().and_then(|p| p.after.clone())),
                    feed_from: page.feed_from,
                    order: page.order,
                });
            } else {
                st.snapshot = None;
                if page.feed_from > st.cursor {
                    st.cursor = page.feed_from;
                    st.resume = None;
                }
            }
            state::save(tx, &st)?;
            Ok(stats)
        })
    }

    fn apply<'a>(
        &self,
        changes: impl Iterator<Item = &'a Change> + Clone,
        purge: &[crate::sync::RecordRef],
        next_seq: u64,
        resume: Option<PullResume>,
        server_time_ms: Option<i64>,
    ) -> CoreResult<ApplyStats> {
        let now = self.now_ms();
        // Foreign keys are not enforced while applying (see `write_relaxed`): a partial replica
        // cannot hold every record its records point at.
        self.write_relaxed(|tx| {
            let mut st = state::load(tx)?;
            if let Some(server) = server_time_ms {
                st.offset.learn(server, now);
            }
            let mut stats = ApplyStats::default();
            let mut derived = apply::Derived::default();
            for change in changes.clone() {
                apply::apply_one(tx, change, &mut derived, &mut stats)?;
            }
            for p in purge {
                apply::purge(tx, &p.entity, p.record_id, &mut derived)?;
                stats.purged += 1;
            }
            derived.refresh(tx)?;
            if let Some(max) = apply::max_stamp(changes) {
                let mut clock = st.clock();
                clock.receive(&max, st.offset.corrected(now));
                st.last_hlc = Some(clock.last());
                st.received_max = st.received_max.max(Some(max));
            }
            // Pages come in order; a late duplicate of an older page must not move the cursor back,
            // nor a backfill's resume point (at one cursor, further into the backfill is later).
            if next_seq > st.cursor {
                st.cursor = next_seq;
                st.resume = resume;
            } else if next_seq == st.cursor {
                st.resume = st.resume.max(resume);
            }
            state::save(tx, &st)?;
            Ok(stats)
        })
    }
}

/// How an acknowledgement commits. Dropping acknowledged changes can be undone by a power cut: they
/// are pushed again and the server answers "duplicate". A `clock_ahead` refusal makes re-stamped
/// changes, new outbox entries that may be pushed before the next commit: those must reach the
/// disk first.
fn acknowledgement_durability(resp: &PushResponse) -> Durability {
    if resp.rejected.iter().any(|r| r.code == CLOCK_AHEAD) {
        Durability::Disk
    } else {
        Durability::Replayable
    }
}

/// Moves one outbox change to `sync_refused` with the server's reason; false if it is not in the
/// outbox (already settled).
fn set_aside_one(tx: &Transaction, r: &RejectedChange, now: i64) -> CoreResult<bool> {
    let moved = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO sync_refused (change_id, body, code, ko, en, refused_at)
             SELECT change_id, body, ?2, ?3, ?4, ?5 FROM sync_outbox WHERE change_id = ?1",
        )?
        .execute(params![r.id.to_string(), r.code, r.ko, r.en, now])?;
    if moved > 0 {
        outbox::remove(tx, r.id)?;
    }
    Ok(moved > 0)
}

/// The re-stamp procedure of `docs/sync.md` on the outbox, in the caller's transaction. Returns how
/// many changes were rewritten.
fn restamp_outbox(
    tx: &Transaction<'_>,
    st: &mut SyncState,
    ahead: &HashSet<Uuid>,
    acked: &HashSet<Uuid>,
    now: i64,
) -> CoreResult<usize> {
    let mut all = outbox::list(tx, None)?;
    let selected = restamp::select(&all, ahead, acked);
    if selected.is_empty() {
        return Ok(0);
    }
    let floor = restamp::floor(st.received_max, st.acked_max, &all, &selected)
        .unwrap_or(HlcTimestamp::zero(st.device_id));
    let mut clock = st.clock();
    let map = restamp::restamp(
        &mut all,
        &selected,
        &floor,
        &mut clock,
        st.offset.corrected(now),
        capture::v7_at,
    );
    let by_id: std::collections::HashMap<Uuid, &Change> = all.iter().map(|c| (c.id, c)).collect();
    for (old, (new_id, new_hlc)) in &map {
        if let Some(change) = by_id.get(new_id) {
            outbox::replace(tx, *old, change)?;
            records::restamp(
                tx,
                &change.entity,
                change.record_id,
                *old,
                *new_id,
                *new_hlc,
            )?;
        }
    }
    st.last_hlc = Some(clock.last());
    Ok(map.len())
}

/// The sync client's view of the store: each method is the store's own of the same name.
impl SyncStorage for Store {
    fn device_id(&self) -> CoreResult<Uuid> {
        Store::device_id(self)
    }
    fn now_ms(&self) -> i64 {
        Store::now_ms(self)
    }
    fn enrol_retry_key(&self) -> CoreResult<String> {
        Store::enrol_retry_key(self)
    }
    fn forget_enrol_retry_key(&self) -> CoreResult<()> {
        Store::forget_enrol_retry_key(self)
    }
    fn record_sync_outcome(&self, at_ms: i64, error: Option<&str>) -> CoreResult<()> {
        Store::record_sync_outcome(self, at_ms, error)
    }
    fn outbox(&self, limit: usize) -> CoreResult<Vec<Change>> {
        Store::outbox(self, limit)
    }
    fn outbox_len(&self) -> CoreResult<u64> {
        Store::outbox_len(self)
    }
    fn set_aside(&self, refused: &[RejectedChange]) -> CoreResult<Vec<RejectedChange>> {
        Store::set_aside(self, refused)
    }
    fn acknowledge(&self, resp: &PushResponse) -> CoreResult<PushOutcome> {
        Store::acknowledge(self, resp)
    }
    fn feed_position(&self) -> CoreResult<FeedPosition> {
        let st = self.sync_state()?;
        Ok(FeedPosition {
            cursor: st.cursor,
            resume: st.resume,
            snapshot: st.snapshot,
        })
    }
    fn apply_snapshot(&self, page: &SnapshotResponse) -> CoreResult<()> {
        Store::apply_snapshot(self, page).map(|_| ())
    }
    fn apply_pull(&self, page: &PullResponse) -> CoreResult<()> {
        Store::apply_pull(self, page).map(|_| ())
    }
    fn learn_server_time(&self, server_time_ms: i64) -> CoreResult<()> {
        Store::learn_server_time(self, server_time_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str) -> RejectedChange {
        RejectedChange {
            id: Uuid::from_u128(9),
            code: code.into(),
            ko: String::new(),
            en: String::new(),
        }
    }

    #[test]
    fn only_an_acknowledgement_that_re_stamps_waits_for_the_disk() {
        let mut resp = PushResponse {
            accepted: vec![Uuid::from_u128(1)],
            duplicates: vec![Uuid::from_u128(2)],
            rejected: vec![refused("change_id_reused")],
            server_seq: 7,
            server_time_ms: 0,
        };
        assert_eq!(acknowledgement_durability(&resp), Durability::Replayable);
        resp.rejected.push(refused(CLOCK_AHEAD));
        assert_eq!(acknowledgement_durability(&resp), Durability::Disk);
    }
}
