//! Checkpoints of the scope index (범위 색인 체크포인트): the index as of a sequence number, saved in
//! the database beside the log (`log_checkpoints`), so a node starts from the newest checkpoint and
//! reads only the log after it instead of the whole log (docs/sync.md, "Costs").
//!
//! The index is a function of the log (values follow the merge rule), so every node that saves a
//! checkpoint at sequence number *n* saves the same state, and one node's checkpoint serves all.
//! A checkpoint is only as right as the code that made it: its kind carries a fingerprint of this
//! index's source, so a server whose index rules differ ignores it and replays the log (and then
//! saves its own). One that does not decode, or that is ahead of the log (a database restored
//! from an older backup than its checkpoint table), is ignored the same way: the log is the truth.

use super::index::ScopeIndex;
use crate::store::ChangeStore;
use donghaeng_core::{CoreError, CoreResult};

/// Changes read between two checkpoints by default (our choice; `ServerConfig`). A node reads at
/// most this many at start on top of the checkpoint: under half a second at the measured replay
/// speed (docs/sync.md, "Costs").
pub const CHECKPOINT_EVERY: u64 = 50_000;

/// The format of the body; bump it when the encoding (not the index) changes.
const FORMAT: u32 = 1;

/// The index's rules as compiled into this server: its source, hashed (FNV-1a, 64 bits).
fn fingerprint() -> u64 {
    let sources = [
        include_str!("index.rs"),
        include_str!("placement.rs"),
        include_str!("publish.rs"),
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sources
        .iter()
        .flat_map(|s| s.bytes())
        .chain(FORMAT.to_le_bytes())
    {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The kind under which this server's index checkpoints are saved.
pub fn kind() -> String {
    format!("scope_index/{:016x}", fingerprint())
}

/// The index as bytes.
pub fn encode(ix: &ScopeIndex) -> CoreResult<Vec<u8>> {
    postcard::to_stdvec(ix)
        .map_err(|e| CoreError::storage(format!("cannot encode the scope index: {e}")))
}

/// An index from a checkpoint, if it is one of this server's rules and no further than the log.
pub fn decode(seq: u64, body: &[u8], log_end: u64) -> Option<ScopeIndex> {
    if seq > log_end {
        return None;
    }
    let ix: ScopeIndex = postcard::from_bytes(body).ok()?;
    (ix.last_seq() == seq).then_some(ix)
}

/// What starting from a checkpoint did, for the start-up log line (counts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    /// The checkpoint's sequence number (0: none was usable).
    pub from_seq: u64,
}

/// The newest usable checkpoint, or an empty index.
pub async fn restore(store: &dyn ChangeStore) -> CoreResult<(ScopeIndex, Restored)> {
    let log_end = store.last_seq().await?;
    let found = store.load_checkpoint(kind()).await?;
    let ix = found.and_then(|(seq, body)| decode(seq, &body, log_end));
    Ok(match ix {
        Some(ix) => {
            let from_seq = ix.last_seq();
            (ix, Restored { from_seq })
        }
        None => (ScopeIndex::default(), Restored { from_seq: 0 }),
    })
}

/// Saves the index as a checkpoint.
pub async fn save(store: &dyn ChangeStore, seq: u64, body: Vec<u8>) -> CoreResult<()> {
    store.save_checkpoint(kind(), seq, body).await
}

/// Whether an index at `seq` whose last checkpoint was at `saved` is due a new one, `every`
/// changes apart (0: never).
pub fn due(seq: u64, saved: u64, every: u64) -> bool {
    every > 0 && seq >= saved.saturating_add(every)
}

#[cfg(test)]
mod tests {
    use super::*;
    use donghaeng_core::sync::{Change, HybridClock, Op, SeqChange};
    use serde_json::json;
    use uuid::Uuid;

    fn upsert(
        clock: &mut HybridClock,
        entity: &str,
        id: Uuid,
        fields: serde_json::Value,
    ) -> Change {
        let hlc = clock.send(1_767_225_600_000);
        Change {
            id: Uuid::now_v7(),
            entity: entity.into(),
            record_id: id,
            op: Op::Upsert {
                fields: serde_json::from_value(fields).unwrap(),
            },
            hlc,
            device_id: hlc.node,
        }
    }

    #[test]
    fn a_decoded_checkpoint_answers_as_the_index_it_was_made_of() {
        let device = Uuid::now_v7();
        let mut clock = HybridClock::new(device);
        let (dong, household, visit, worker) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let changes = [
            upsert(
                &mut clock,
                "households",
                household,
                json!({"dong_id": dong}),
            ),
            upsert(
                &mut clock,
                "visits",
                visit,
                json!({"household_id": household}),
            ),
            upsert(
                &mut clock,
                "visit_workers",
                visit,
                json!({worker.to_string(): true}),
            ),
        ];
        let mut ix = ScopeIndex::default();
        for (i, c) in changes.into_iter().enumerate() {
            ix.apply(&SeqChange {
                seq: i as u64 + 1,
                change: c,
            });
        }
        let body = encode(&ix).unwrap();
        let back = decode(0, &body, 3).expect("decodes");
        assert_eq!(back.dong_of_household(household), Some(dong));
        assert_eq!(back.household_of("visits", visit), Some(household));
        assert!(back.assigned(worker, household));
        assert_eq!(back.household_seqs_upto(household, 3), vec![1, 2, 3]);
        assert!(back.has_writer(device));
        // A later stamp still replaces a restored value (the stamps came back whole).
        let mut back = back;
        let other = Uuid::now_v7();
        back.apply(&SeqChange {
            seq: 4,
            change: upsert(
                &mut clock,
                "households",
                household,
                json!({"dong_id": other}),
            ),
        });
        assert_eq!(back.dong_of_household(household), Some(other));
    }

    #[test]
    fn a_checkpoint_ahead_of_the_log_or_broken_is_ignored() {
        let ix = ScopeIndex::default();
        let body = encode(&ix).unwrap();
        assert!(decode(0, &body, 0).is_some());
        // The body says seq 0: under another seq it is not this checkpoint.
        assert!(decode(5, &body, 10).is_none());
        assert!(decode(11, &body, 10).is_none());
        assert!(decode(0, &[0xff, 0xff, 0xff], 10).is_none());
        assert!(kind().starts_with("scope_index/"));
        assert!(due(CHECKPOINT_EVERY, 0, CHECKPOINT_EVERY));
        assert!(!due(CHECKPOINT_EVERY - 1, 0, CHECKPOINT_EVERY));
        assert!(!due(u64::MAX, 0, 0));
    }
}
