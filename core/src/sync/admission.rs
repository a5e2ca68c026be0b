//! Admitting a pushed change (푸시 수락 규칙): what every server store does with each change of a push
//! before it merges it — one id, one content (idempotency) and the skew limit — and the tally that
//! becomes the push's answer. The stores (the in-memory reference, the server's SQLite and
//! PostgreSQL) only look up what they hold and write what is accepted.
//!
//! For each change, in order:
//! - an id already stored with the same content → duplicate (a retried push);
//! - an id already stored with other content → rejected `change_id_reused`;
//! - a stamp further ahead of the server clock than the skew limit → rejected `clock_ahead`;
//! - otherwise merged and stored under the next sequence number — even when the merge changes
//!   nothing (an edit of a deleted record), so that the log is the set of accepted changes and a
//!   re-push is recognised. A merge error that is not a storage failure (a change that does not fit
//!   its entity, which validation rules out) rejects that change alone.

use uuid::Uuid;

use super::change::Change;
use super::hlc::SkewPolicy;
use super::protocol::{PushResponse, RejectedChange};
use crate::{CoreError, CoreResult, ErrorCode};

/// What the store holds under a pushed change's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredId {
    /// Nothing: a new change.
    New,
    /// The same change (a retried push).
    Same,
    /// Another change under the same id.
    Other,
}

impl StoredId {
    /// Compares a stored change with a pushed one by value, not by bytes (key order or number
    /// formatting of the stored JSON must not make a retry look like a reuse). A stored body that
    /// does not parse is not the same change.
    pub fn of_body(stored: Option<&str>, change: &Change) -> StoredId {
        match stored.map(serde_json::from_str::<Change>) {
            None => StoredId::New,
            Some(Ok(c)) => Self::of(Some(&c), change),
            Some(Err(_)) => StoredId::Other,
        }
    }

    /// As [`Self::of_body`], for a store that holds parsed changes.
    pub fn of(stored: Option<&Change>, change: &Change) -> StoredId {
        match stored {
            None => StoredId::New,
            Some(c) if c == change => StoredId::Same,
            Some(_) => StoredId::Other,
        }
    }
}

/// The answer to a push, built change by change.
#[derive(Debug)]
pub struct PushTally {
    resp: PushResponse,
}

impl PushTally {
    pub fn new(now_ms: i64) -> Self {
        PushTally {
            resp: PushResponse {
                server_time_ms: now_ms,
                ..PushResponse::default()
            },
        }
    }

    /// Whether the `index`-th change of the push is to be merged: if not, it is answered here (a
    /// duplicate or a refusal).
    pub fn admit(
        &mut self,
        index: usize,
        change: &Change,
        stored: StoredId,
        skew: &SkewPolicy,
    ) -> bool {
        match stored {
            StoredId::Same => {
                self.resp.duplicates.push(change.id);
                return false;
            }
            StoredId::Other => {
                let e = change_id_reused(change.id, index);
                self.reject(change, &e);
                return false;
            }
            StoredId::New => {}
        }
        match skew.check(
            &change.hlc,
            self.resp.server_time_ms,
            &format!("changes[{index}].hlc"),
        ) {
            Ok(()) => true,
            Err(e) => {
                self.reject(change, &e);
                false
            }
        }
    }

    /// Takes the merge of an admitted change: `Ok(true)` when it is accepted (the store then logs
    /// it), `Ok(false)` when the merge refused it alone; a storage failure aborts the push.
    pub fn merged(&mut self, change: &Change, merge: CoreResult<()>) -> CoreResult<bool> {
        match merge {
            Ok(()) => {
                self.resp.accepted.push(change.id);
                Ok(true)
            }
            Err(e) if e.kind != ErrorCode::Storage => {
                self.reject(change, &e);
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The changes accepted so far.
    pub fn accepted(&self) -> &[Uuid] {
        &self.resp.accepted
    }

    /// The answer, with the log's end after the push.
    pub fn finish(mut self, server_seq: u64) -> PushResponse {
        self.resp.server_seq = server_seq;
        self.resp
    }

    fn reject(&mut self, change: &Change, e: &CoreError) {
        self.resp
            .rejected
            .push(RejectedChange::from_error(change.id, e));
    }
}

fn change_id_reused(id: Uuid, index: usize) -> CoreError {
    CoreError::conflict(
        "change_id_reused",
        format!("이미 다른 내용으로 저장된 변경 ID입니다: {id} (changes[{index}])"),
        format!("change id {id} was already stored with different content (changes[{index}])"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{HlcTimestamp, Op};
    use serde_json::json;

    fn change(wall_ms: u64) -> Change {
        let device = Uuid::from_u128(9);
        Change {
            id: Uuid::from_u128(1),
            entity: "households".into(),
            record_id: Uuid::from_u128(2),
            op: Op::Upsert {
                fields: [("phone".to_owned(), json!("010"))].into_iter().collect(),
            },
            hlc: HlcTimestamp {
                wall_ms,
                counter: 0,
                node: device,
            },
            device_id: device,
        }
    }

    #[test]
    fn a_stored_body_is_compared_by_value() {
        let c = change(1_000);
        let body = serde_json::to_string(&c).unwrap();
        // The same JSON with its keys in another order and spaces is the same change.
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let reordered = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(StoredId::of_body(Some(&reordered), &c), StoredId::Same);
        assert_eq!(
            StoredId::of_body(Some(&body), &change(2_000)),
            StoredId::Other
        );
        assert_eq!(StoredId::of_body(Some("{not json"), &c), StoredId::Other);
        assert_eq!(StoredId::of_body(None, &c), StoredId::New);
    }

    #[test]
    fn the_tally_answers_each_change_once_in_its_list() {
        let skew = SkewPolicy::default();
        let now: u64 = 1_000_000;
        let mut t = PushTally::new(now as i64);
        let ok = change(now);
        assert!(t.admit(0, &ok, StoredId::New, &skew));
        assert!(t.merged(&ok, Ok(())).unwrap());
        let dup = change(now);
        assert!(!t.admit(1, &dup, StoredId::Same, &skew));
        let reused = change(now);
        assert!(!t.admit(2, &reused, StoredId::Other, &skew));
        let ahead = change(now + skew.max_future_drift_ms + 1);
        assert!(!t.admit(3, &ahead, StoredId::New, &skew));
        let unfit = change(now);
        let refusal = CoreError::invalid("op_not_allowed", "op", "ko", "en");
        assert!(!t.merged(&unfit, Err(refusal)).unwrap());
        assert!(t.merged(&ok, Err(CoreError::storage("disk"))).is_err());
        let resp = t.finish(7);
        assert_eq!(resp.server_seq, 7);
        assert_eq!(resp.server_time_ms, now as i64);
        assert_eq!(resp.accepted, vec![ok.id]);
        assert_eq!(resp.duplicates, vec![dup.id]);
        let codes: Vec<&str> = resp.rejected.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["change_id_reused", "clock_ahead", "op_not_allowed"]);
        assert!(resp.rejected[0].en.contains("changes[2]"), "{resp:?}");
    }
}
