//! Recovery of a device whose clock ran ahead (시계 보정 후 재기록).
//!
//! The server refuses a change stamped further ahead of its clock than the skew limit
//! (`clock_ahead`), and stores nothing of it. The device then:
//!
//! 1. corrects its clock offset from `server_time_ms` ([`super::hlc::ClockOffset::learn`]);
//! 2. [`select`]s the changes to re-stamp: every outbox change stamped at or above the smallest
//!    refused stamp (the refused ones and everything it made after them), minus the ones the same
//!    response acknowledged;
//! 3. computes the [`floor`] — the greatest of: every stamp it ever received in a pull, the highest
//!    of its own stamps the server acknowledged, and the rest of its outbox — and [`restamp`]s: the
//!    clock is rebased to max(floor, corrected now) and each selected change, in its original order,
//!    becomes a new change (new id, new stamp, same content);
//! 4. replaces the old stamps in its local state ([`super::replica::Replica::restamp`]) and the old
//!    changes in its outbox, in one transaction, and pushes again.
//!
//! Why this is safe: a selected change exists nowhere but on this device (the server refused it, or
//! it was never pushed), and its new stamp is greater than everything else the device knows, just as
//! if the device's clock had been right when it was made. Its own order is kept. Every field the old
//! stamp won locally, the new one wins too. A new id (instead of the old one with a new stamp) keeps
//! "one id = one content" even if a delayed copy of the old request reaches the server later: both
//! changes are then stored and merge by stamp on every replica alike.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::change::Change;
use super::hlc::{HlcTimestamp, HybridClock};

/// The ids of the outbox changes to re-stamp, given the ids the server refused as `clock_ahead` and
/// the ids the same response accepted or reported as duplicates.
pub fn select(
    outbox: &[Change],
    refused_ahead: &HashSet<Uuid>,
    acknowledged: &HashSet<Uuid>,
) -> HashSet<Uuid> {
    let Some(threshold) = outbox
        .iter()
        .filter(|c| refused_ahead.contains(&c.id))
        .map(|c| c.hlc)
        .min()
    else {
        return HashSet::new();
    };
    outbox
        .iter()
        .filter(|c| c.hlc >= threshold && !acknowledged.contains(&c.id))
        .map(|c| c.id)
        .collect()
}

/// The floor to rebase the clock on before re-stamping: the greatest of `received_max` (every stamp
/// the device ever received in a pull — including ones its local state no longer holds because one
/// of its own too-far-ahead edits overwrote them), `acked_max` (the highest of its own stamps the
/// server acknowledged) and the outbox changes that are not `selected`. Both maxima are persisted by
/// the device next to its cursor. `None` when the device knows no stamp at all.
pub fn floor(
    received_max: Option<HlcTimestamp>,
    acked_max: Option<HlcTimestamp>,
    outbox: &[Change],
    selected: &HashSet<Uuid>,
) -> Option<HlcTimestamp> {
    outbox
        .iter()
        .filter(|c| !selected.contains(&c.id))
        .map(|c| c.hlc)
        .chain(received_max)
        .chain(acked_max)
        .max()
}

/// Re-stamps the selected changes of `outbox` in place, in stamp order (their original order).
/// `floor` comes from [`floor`]; `now_ms` the
/// corrected clock; `new_id` makes a fresh UUID v7 for the given wall-clock ms.
/// Returns old id → (new id, new stamp), for [`super::replica::Replica::restamp`].
pub fn restamp(
    outbox: &mut [Change],
    selected: &HashSet<Uuid>,
    floor: &HlcTimestamp,
    clock: &mut HybridClock,
    now_ms: i64,
    mut new_id: impl FnMut(u64) -> Uuid,
) -> HashMap<Uuid, (Uuid, HlcTimestamp)> {
    clock.rebase(floor, now_ms);
    let mut order: Vec<usize> = (0..outbox.len())
        .filter(|&i| selected.contains(&outbox[i].id))
        .collect();
    order.sort_by_key(|&i| outbox[i].hlc);
    let mut map = HashMap::with_capacity(order.len());
    for i in order {
        let change = &mut outbox[i];
        let hlc = clock.send(now_ms);
        let id = new_id(hlc.wall_ms);
        map.insert(change.id, (id, hlc));
        change.id = id;
        change.hlc = hlc;
    }
    map
}
