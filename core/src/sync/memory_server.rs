//! The server's side of the protocol, in memory (서버 참조 모델): idempotent push by change id, the skew
//! rule, a sequence number per stored change, and pull pages by sequence number. The `sync-server`
//! storage implementations (SQLite, PostgreSQL) must behave exactly like this; tests drive devices
//! against it.
//!
//! Scopes (which device may see and push what) are the real server's (`sync-server/src/scope`, `docs/scopes.md`): this reference serves everything, so `purge` is always empty.

use std::collections::HashMap;

use uuid::Uuid;

use super::admission::{PushTally, StoredId};
use super::change::Change;
use super::hlc::SkewPolicy;
use super::protocol::{PullRequest, PullResponse, PushRequest, PushResponse, SeqChange};
use super::replica::Replica;
use super::snapshot::{SnapshotRecord, SnapshotRequest, SnapshotResponse};
use super::validate::{
    encoded_len, validate_pull, validate_push, PageBudget, DEFAULT_PULL_PAGE_BYTES,
};
use crate::CoreResult;

/// One server (or the shared storage of several server nodes).
#[derive(Debug, Clone)]
pub struct MemoryServer {
    skew: SkewPolicy,
    /// The byte budget of a pull page ([`PageBudget`]).
    page_bytes: usize,
    /// Every accepted change; its sequence number is its index + 1.
    log: Vec<Change>,
    /// Change id → sequence number, for idempotency.
    by_id: HashMap<Uuid, u64>,
    state: Replica,
}

impl Default for MemoryServer {
    fn default() -> Self {
        MemoryServer {
            skew: SkewPolicy::default(),
            page_bytes: DEFAULT_PULL_PAGE_BYTES,
            log: Vec::new(),
            by_id: HashMap::new(),
            state: Replica::default(),
        }
    }
}

impl MemoryServer {
    pub fn new(skew: SkewPolicy) -> Self {
        MemoryServer {
            skew,
            ..Self::default()
        }
    }

    /// The same server with pull pages of at most `page_bytes` (the server's `pull_page_bytes`).
    pub fn with_page_bytes(mut self, page_bytes: usize) -> Self {
        self.page_bytes = page_bytes;
        self
    }

    /// The merged state of everything accepted.
    pub fn state(&self) -> &Replica {
        &self.state
    }

    /// The highest sequence number given out (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.log.len() as u64
    }

    /// Handles a push at server time `now_ms`. A structurally bad batch is refused whole (`Err`,
    /// nothing stored); otherwise each change is admitted by the one rule of [`super::admission`]
    /// and, if admitted, merged and stored under the next sequence number.
    pub fn push(&mut self, req: &PushRequest, now_ms: i64) -> CoreResult<PushResponse> {
        validate_push(req)?;
        let mut tally = PushTally::new(now_ms);
        for (i, change) in req.changes.iter().enumerate() {
            let stored = self
                .by_id
                .get(&change.id)
                .and_then(|seq| usize::try_from(seq.saturating_sub(1)).ok())
                .and_then(|ix| self.log.get(ix));
            if !tally.admit(i, change, StoredId::of(stored, change), &self.skew) {
                continue;
            }
            let merged = self.state.apply(change).map(|_| ());
            if tally.merged(change, merged)? {
                self.log.push(change.clone());
                self.by_id.insert(change.id, self.last_seq());
            }
        }
        Ok(tally.finish(self.last_seq()))
    }

    /// A snapshot page of everything (the reference has no scopes): records after `after` in
    /// the order asked for, within the pull's count and byte budget; the position is the
    /// log's end when the first page is made (docs/sync.md "Snapshot").
    pub fn snapshot(&self, req: &SnapshotRequest, now_ms: i64) -> CoreResult<SnapshotResponse> {
        req.validate()?;
        let feed_from = req
            .feed_from
            .map_or(self.last_seq(), |f| f.min(self.last_seq()));
        let order = req.order;
        let mut held: Vec<_> = self
            .state
            .records()
            .filter(|(entity, id, _)| order.follows(entity, *id, req.after.as_ref()))
            .collect();
        held.sort_unstable_by(|a, b| order.key(a.0, a.1).cmp(&order.key(b.0, b.1)));
        let mut budget = PageBudget::new(req.effective_limit(), self.page_bytes);
        let mut records = Vec::new();
        let mut has_more = false;
        for (entity, id, state) in held {
            let rec = SnapshotRecord::of(entity, id, state);
            if !budget.admit(PageBudget::cost(encoded_len(&rec))) {
                has_more = true;
                break;
            }
            records.push(rec);
        }
        Ok(SnapshotResponse {
            after: records
                .last()
                .map(SnapshotRecord::record_ref)
                .or(req.after.clone()),
            records,
            has_more,
            feed_from,
            server_time_ms: now_ms,
            order,
        })
    }

    /// Handles a pull at server time `now_ms`: the changes after `after_seq`, ascending, as many as
    /// the [`PageBudget`] of the effective limit and the page byte budget admits (at least one).
    pub fn pull(&self, req: &PullRequest, now_ms: i64) -> CoreResult<PullResponse> {
        self.pull_except(None, req, now_ms)
    }
}

impl MemoryServer {
    /// A device's pull: as [`MemoryServer::pull`] over the log without the device's own changes
    /// (it holds them; the server never sends them back). When the page holds every change left
    /// for it, `next_seq` is the log's end.
    pub fn pull_for(
        &self,
        device: Uuid,
        req: &PullRequest,
        now_ms: i64,
    ) -> CoreResult<PullResponse> {
        self.pull_except(Some(device), req, now_ms)
    }

    /// One page rule for both: the whole log is the log without nobody's changes.
    fn pull_except(
        &self,
        device: Option<Uuid>,
        req: &PullRequest,
        now_ms: i64,
    ) -> CoreResult<PullResponse> {
        validate_pull(req)?;
        let mut budget = PageBudget::for_pull(req, self.page_bytes);
        let start = usize::try_from(req.after_seq)
            .unwrap_or(usize::MAX)
            .min(self.log.len());
        let mut changes = Vec::new();
        let mut has_more = false;
        for (i, c) in self.log.iter().enumerate().skip(start) {
            if Some(c.device_id) == device {
                continue;
            }
            if !budget.admit(PageBudget::cost(encoded_len(c))) {
                has_more = true;
                break;
            }
            changes.push(SeqChange {
                seq: i as u64 + 1,
                change: c.clone(),
            });
        }
        let next_seq = match changes.last() {
            Some(last) if has_more => last.seq,
            _ => (self.log.len() as u64).max(req.after_seq),
        };
        Ok(PullResponse::page(changes, next_seq, has_more, now_ms))
    }
}
