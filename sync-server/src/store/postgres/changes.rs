//! The change log and merged state in PostgreSQL: [`ChangeStore`] with the exact behaviour of
//! `donghaeng_core::sync::MemoryServer` (the tests compare the two, and with the SQLite store).
//!
//! ## Sequence numbers across nodes
//!
//! Every push transaction starts with `SELECT last_seq FROM seq_counter FOR UPDATE`. The row lock is
//! held until COMMIT or ROLLBACK, so pushes from every node run one after the other at the
//! database: the next push reads the counter only after the previous one is committed and visible.
//! Hence sequence numbers are gap-free and **commit in order**, and a puller that saw seq *n* can
//! never later find a change below *n* appear (which a plain `SEQUENCE` or `MAX(seq) + 1` without a
//! lock would allow: numbers taken by a slow transaction that commits after a faster one, or given
//! out twice).
//!
//! Why a counter row rather than `pg_advisory_xact_lock`: both serialise in the same way, but the
//! row lock needs no magic key shared with every other application on the database, shows up by
//! table name in `pg_locks` for an operator, and the counter answers `last_seq` without a scan. The
//! same lock also serialises the merge itself (read the stored state, decide, write), which must not
//! interleave between nodes either: two nodes merging edits of one record at once under READ
//! COMMITTED could otherwise both read the old stamps and the later writer would win regardless of
//! the stamps. The price is one push at a time per database; while the lock is held a push makes
//! three round trips whatever its size (see [`push_tx`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use deadpool_postgres::{Object, Transaction};
use serde::Serialize;
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Row, Statement};
use uuid::Uuid;

use donghaeng_core::sync::admission::{PushTally, StoredId};
use donghaeng_core::sync::merge;
use donghaeng_core::sync::packed::StoredState;
use donghaeng_core::sync::validate::{
    effective_limit, validate_pull, validate_push, PageBudget, PAGE_ENTRY_OVERHEAD,
};
use donghaeng_core::sync::{
    known_entity, packed, Applied, Change, PullRequest, PullResponse, PushResponse, RecordRef,
    RecordState, SeqChange, SkewPolicy,
};
use donghaeng_core::{CoreError, CoreResult};

use super::{pg_error, PgStore};
use crate::store::{
    attached_refused, attached_to_store, check_judged_at, entity_page, ChangeStore, Feed,
    KeyedPush, StoreFuture,
};

/// (entity, record id): the key of a merged record, ordered as the canonical dump orders it.
type RecordKey = (String, Uuid);

impl ChangeStore for PgStore {
    fn push_keyed(&self, push: KeyedPush, now_ms: i64) -> StoreFuture<'_, PushResponse> {
        Box::pin(async move {
            // Structural validation needs no storage: refuse a bad batch before taking a connection.
            validate_push(&push.req)?;
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::ReadCommitted)
                .start()
                .await
                .map_err(pg_error)?;
            let resp = push_tx(&tx, &self.skew, &push, now_ms).await?;
            tx.commit().await.map_err(pg_error)?;
            Ok(resp)
        })
    }

    /// One statement (one snapshot), as the SQLite store's: the sizes and running sum of up to
    /// limit + 1 changes (`octet_length` reads a stored value's header, never detoasts it), and the
    /// bodies of only those that fit core's [`PageBudget`]; with a feed, the rows come from the key
    /// index, and the same statement reads the log's end.
    fn pull_feed(
        &self,
        req: PullRequest,
        feed: Feed,
        max_bytes: usize,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        Box::pin(async move {
            validate_pull(&req)?;
            let mut budget = PageBudget::for_pull(&req, max_bytes);
            let limit = i64::from(effective_limit(&req));
            let after = i64::try_from(req.after_seq).unwrap_or(i64::MAX);
            let max = i64::try_from(max_bytes).unwrap_or(i64::MAX);
            let overhead = PAGE_ENTRY_OVERHEAD as i64;
            let rows = match feed.keys {
                None => {
                    "SELECT seq, octet_length(body)::bigint + $4::bigint AS cost
                       FROM changes WHERE seq > $1::bigint AND device_id IS DISTINCT FROM $5::uuid
                      ORDER BY seq LIMIT $2::bigint + 1"
                }
                Some(_) => {
                    "SELECT c.seq, octet_length(c.body)::bigint + $4::bigint AS cost
                       FROM (SELECT DISTINCT seq FROM change_scopes
                              WHERE scope = ANY($6::uuid[]) AND seq > $1::bigint) AS k
                       JOIN changes c ON c.seq = k.seq
                      WHERE c.device_id IS DISTINCT FROM $5::uuid
                      ORDER BY c.seq LIMIT $2::bigint + 1"
                }
            };
            let sql = format!(
                "SELECT w.seq, w.cost,
                        CASE WHEN w.rn = 1 OR (w.rn <= $2::bigint AND w.before + w.cost <= $3::bigint)
                             THEN c.body END
                   FROM (SELECT seq, cost, ROW_NUMBER() OVER win AS rn,
                                (SUM(cost) OVER win)::bigint - cost AS before
                           FROM ({rows}) AS s
                         WINDOW win AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)) AS w
                   JOIN changes c ON c.seq = w.seq
                  WHERE w.rn <= 2 OR w.before <= $3::bigint
                  ORDER BY w.seq"
            );
            let mut client = self.client().await?;
            // The page and the log's end of one snapshot (pushes commit in sequence order, see
            // above): nothing the feed reads can commit between them unseen.
            let tx = read_snapshot(&mut client).await?;
            let stmt = tx.prepare_cached(&sql).await.map_err(pg_error)?;
            let except = feed.except_device;
            let rows = match &feed.keys {
                None => {
                    tx.query(&stmt, &[&after, &limit, &max, &overhead, &except])
                        .await
                }
                Some(keys) => {
                    tx.query(&stmt, &[&after, &limit, &max, &overhead, &except, keys])
                        .await
                }
            }
            .map_err(pg_error)?;
            let mut changes = Vec::new();
            let mut has_more = false;
            for r in &rows {
                let seq: i64 = r.get(0);
                let cost: i64 = r.get(1);
                if !budget.admit(usize::try_from(cost).unwrap_or(usize::MAX)) {
                    has_more = true;
                    break;
                }
                let body: Option<&str> = r.get(2);
                let body = body.ok_or_else(|| {
                    CoreError::storage(format!(
                        "page rule disagrees with the statement at seq {seq}"
                    ))
                })?;
                let change: Change = serde_json::from_str(body)
                    .map_err(|e| CoreError::storage(format!("corrupt change at seq {seq}: {e}")))?;
                changes.push(SeqChange {
                    seq: u64::try_from(seq).unwrap_or(0),
                    change,
                });
            }
            let next_seq = match changes.last() {
                // Everything the feed reads is in the page: the cursor goes to the log's end.
                _ if !has_more && feed != Feed::default() => {
                    let end: i64 = tx
                        .query_one("SELECT last_seq FROM seq_counter", &[])
                        .await
                        .map_err(pg_error)?
                        .get(0);
                    u64::try_from(end).unwrap_or(0).max(req.after_seq)
                }
                Some(last) => last.seq,
                None => req.after_seq,
            };
            tx.commit().await.map_err(pg_error)?;
            Ok(PullResponse::page(changes, next_seq, has_more, now_ms))
        })
    }

    fn pull_entity(
        &self,
        entity: &'static str,
        after_seq: u64,
        limit: u32,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        Box::pin(async move {
            let mut client = self.client().await?;
            // One snapshot: the page and the log's end as of one moment.
            let tx = read_snapshot(&mut client).await?;
            let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
            let rows = tx
                .query(
                    "SELECT seq, body FROM changes WHERE entity = $1 AND seq > $2
                      ORDER BY seq LIMIT $3",
                    &[&entity, &after, &(i64::from(limit) + 1)],
                )
                .await
                .map_err(pg_error)?;
            let end: i64 = tx
                .query_one("SELECT last_seq FROM seq_counter", &[])
                .await
                .map_err(pg_error)?
                .get(0);
            tx.commit().await.map_err(pg_error)?;
            let rows = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            entity_page(
                rows,
                after_seq,
                limit,
                u64::try_from(end).unwrap_or(0),
                now_ms,
            )
        })
    }

    fn last_seq(&self) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let client = self.client().await?;
            let seq: i64 = client
                .query_one("SELECT last_seq FROM seq_counter", &[])
                .await
                .map_err(pg_error)?
                .get(0);
            Ok(u64::try_from(seq).unwrap_or(0))
        })
    }

    fn records(&self, keys: Vec<RecordRef>) -> StoreFuture<'_, Vec<(RecordRef, StoredState)>> {
        Box::pin(async move {
            let mut client = self.client().await?;
            // One statement whatever the page size.
            let tx = read_snapshot(&mut client).await?;
            let entities: Vec<&str> = keys.iter().map(|k| k.entity.as_str()).collect();
            let ids: Vec<Uuid> = keys.iter().map(|k| k.record_id).collect();
            let records = tx
                .query(SELECT_RECORDS_OF, &[&entities, &ids])
                .await
                .map_err(pg_error)?;
            tx.commit().await.map_err(pg_error)?;
            let mut held = BTreeMap::new();
            for r in &records {
                let key: RecordKey = (r.get(0), r.get(1));
                let state = StoredState {
                    state: r.get(2),
                    packed: r.get(3),
                };
                held.insert(key, state);
            }
            Ok(keys
                .into_iter()
                .filter_map(|k| {
                    let state = held.remove(&(k.entity.clone(), k.record_id))?;
                    Some((k, state))
                })
                .collect())
        })
    }

    fn canonical_dump(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = read_snapshot(&mut client).await?;
            let records = load_all_records(&tx).await?;
            tx.commit().await.map_err(pg_error)?;
            dump(&records)
        })
    }
}

/// A read-only transaction that sees one snapshot of the database for all its statements.
async fn read_snapshot(client: &mut Object) -> CoreResult<Transaction<'_>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_error)
}

/// The statements of a push, prepared once per connection (deadpool caches them).
struct PushStatements {
    lock: Statement,
    stored: Statement,
    records: Statement,
    insert_changes: Statement,
    upsert_records: Statement,
    set_counter: Statement,
    insert_keys: Statement,
}

impl PushStatements {
    async fn prepare(tx: &Transaction<'_>) -> CoreResult<Self> {
        let (lock, stored, records, insert_changes) = tokio::try_join!(
            tx.prepare_cached("SELECT last_seq FROM seq_counter FOR UPDATE"),
            tx.prepare_cached("SELECT id, body FROM changes WHERE id = ANY($1)"),
            tx.prepare_cached(SELECT_RECORDS_OF),
            tx.prepare_cached(
                "INSERT INTO changes (seq, id, entity, record_id, hlc, device_id, body)
                 SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::uuid[],
                                      $5::text[], $6::uuid[], $7::text[])",
            ),
        )
        .map_err(pg_error)?;
        let (upsert_records, set_counter, insert_keys) = tokio::try_join!(
            tx.prepare_cached(
                "INSERT INTO merged_records (entity, record_id, state, packed)
                 SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bytea[])
                 ON CONFLICT (entity, record_id) DO UPDATE SET state = EXCLUDED.state,
                     packed = EXCLUDED.packed",
            ),
            tx.prepare_cached("UPDATE seq_counter SET last_seq = $1"),
            tx.prepare_cached(
                "INSERT INTO change_scopes (scope, seq)
                 SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING",
            ),
        )
        .map_err(pg_error)?;
        Ok(PushStatements {
            lock,
            stored,
            records,
            insert_changes,
            upsert_records,
            set_counter,
            insert_keys,
        })
    }
}

// By (entity, record id) pairs, so that the primary keys are used: a filter on the record id alone
// would scan the whole table on every push.
const SELECT_RECORDS_OF: &str = "SELECT r.entity, r.record_id, r.state, r.packed
     FROM unnest($1::text[], $2::uuid[]) AS k(entity, record_id)
     JOIN merged_records r ON r.entity = k.entity COLLATE \"C\" AND r.record_id = k.record_id";

/// One push inside its transaction. The time between taking the counter lock and COMMIT is what
/// bounds the pushes per second of the whole city, so that stretch is three round trips whatever
/// the batch size: the reads are pipelined (sent together, answered in order), the merge runs in
/// memory, and the writes are pipelined. Reads and writes within each group are independent of
/// one another, so their order on the wire does not matter.
async fn push_tx(
    tx: &Transaction<'_>,
    skew: &SkewPolicy,
    push: &KeyedPush,
    now_ms: i64,
) -> CoreResult<PushResponse> {
    let req = &push.req;
    let st = PushStatements::prepare(tx).await?;
    // The lock is a statement of its own: statements after it take their snapshot once it is held,
    // so they see everything the previous holder committed (one statement combining the lock with
    // the reads would read an older snapshot).
    let last: i64 = tx.query_one(&st.lock, &[]).await.map_err(pg_error)?.get(0);
    let last = u64::try_from(last).map_err(|_| CoreError::storage("negative sequence counter"))?;
    check_judged_at(push, last)?;
    let mut next_seq = last;
    let mut tally = PushTally::new(now_ms);

    // Change ids are unique within a batch (validation), so one lookup serves the whole batch.
    let ids: Vec<Uuid> = req.changes.iter().map(|c| c.id).collect();
    let touched: Vec<(&str, Uuid)> = {
        let mut v: Vec<(&str, Uuid)> = req
            .changes
            .iter()
            .map(|c| (c.entity.as_str(), c.record_id))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let touched_entity: Vec<&str> = touched.iter().map(|k| k.0).collect();
    let touched_id: Vec<Uuid> = touched.iter().map(|k| k.1).collect();
    let by_id: [&(dyn ToSql + Sync); 1] = [&ids];
    let by_record: [&(dyn ToSql + Sync); 2] = [&touched_entity, &touched_id];
    let (stored, records) = tokio::try_join!(
        tx.query(&st.stored, &by_id),
        tx.query(&st.records, &by_record),
    )
    .map_err(pg_error)?;
    let stored: HashMap<Uuid, String> = stored.iter().map(|r| (r.get(0), r.get(1))).collect();
    let mut held = records_from_rows(&records)?;
    let mut dirty: HashSet<RecordKey> = HashSet::new();
    let mut log = ChangeRows::default();

    for (i, (change, keys)) in req.changes.iter().zip(&push.keys).enumerate() {
        let seen = StoredId::of_body(stored.get(&change.id).map(String::as_str), change);
        if !tally.admit(i, change, seen, skew) {
            continue;
        }
        let merged = merge(&mut held, change).map(|key| dirty.extend(key));
        if tally.merged(change, merged)? {
            next_seq += 1;
            log.push(next_seq, change, keys)?;
        }
    }
    // The server's records of the push (fresh ids of its own: nothing stored to compare with).
    for a in attached_to_store(&push.attached, tally.accepted()) {
        dirty.extend(merge(&mut held, &a.change).map_err(attached_refused)?);
        next_seq += 1;
        log.push(next_seq, &a.change, &a.keys)?;
    }

    if next_seq != last {
        let w = RecordRows::of(&held, &dirty)?;
        let seq = i64::try_from(next_seq).unwrap_or(i64::MAX);
        let changes: [&(dyn ToSql + Sync); 7] = [
            &log.seq,
            &log.id,
            &log.entity,
            &log.record_id,
            &log.hlc,
            &log.device_id,
            &log.body,
        ];
        let records: [&(dyn ToSql + Sync); 4] = [&w.entity, &w.id, &w.state, &w.packed];
        let counter: [&(dyn ToSql + Sync); 1] = [&seq];
        let keys: [&(dyn ToSql + Sync); 2] = [&log.key_scope, &log.key_seq];
        tokio::try_join!(
            tx.execute(&st.insert_changes, &changes),
            tx.execute(&st.insert_keys, &keys),
            tx.execute(&st.upsert_records, &records),
            tx.execute(&st.set_counter, &counter),
        )
        .map_err(pg_error)?;
    }
    Ok(tally.finish(next_seq))
}

/// Merges one change into the in-memory working set with the shared merge. Returns the record's
/// key when its state changed.
fn merge(
    held: &mut BTreeMap<RecordKey, RecordState>,
    change: &Change,
) -> CoreResult<Option<RecordKey>> {
    let spec = known_entity(&change.entity, "entity")?;
    let key = (spec.name.to_owned(), change.record_id);
    let mut state = held.remove(&key);
    let applied = merge::apply(spec, &mut state, change);
    if let Some(state) = state {
        held.insert(key.clone(), state);
    }
    Ok(match applied? {
        Applied::Changed => Some(key),
        Applied::Unchanged(_) => None,
    })
}

/// The rows of accepted changes, as column arrays for one `INSERT … SELECT FROM unnest(…)`.
#[derive(Default)]
struct ChangeRows {
    seq: Vec<i64>,
    id: Vec<Uuid>,
    entity: Vec<String>,
    record_id: Vec<Uuid>,
    hlc: Vec<String>,
    device_id: Vec<Uuid>,
    body: Vec<String>,
    /// Feed keys, one row per (key, seq).
    key_scope: Vec<Uuid>,
    key_seq: Vec<i64>,
}

impl ChangeRows {
    fn push(&mut self, seq: u64, change: &Change, keys: &[Uuid]) -> CoreResult<()> {
        let body = serde_json::to_string(change)
            .map_err(|e| CoreError::storage(format!("cannot encode change: {e}")))?;
        self.seq.push(i64::try_from(seq).unwrap_or(i64::MAX));
        self.id.push(change.id);
        self.entity.push(change.entity.clone());
        self.record_id.push(change.record_id);
        self.hlc.push(change.hlc.encode());
        self.device_id.push(change.device_id);
        self.body.push(body);
        for key in keys {
            self.key_scope.push(*key);
            self.key_seq.push(i64::try_from(seq).unwrap_or(i64::MAX));
        }
        Ok(())
    }
}

/// The final state of every record the push changed, as column arrays for one upsert of
/// `merged_records` (each state packed).
#[derive(Default)]
struct RecordRows {
    entity: Vec<String>,
    id: Vec<Uuid>,
    state: Vec<&'static str>,
    packed: Vec<Vec<u8>>,
}

impl RecordRows {
    fn of(held: &BTreeMap<RecordKey, RecordState>, dirty: &HashSet<RecordKey>) -> CoreResult<Self> {
        let mut w = RecordRows::default();
        for key in dirty {
            let Some(state) = held.get(key) else { continue };
            let spec = known_entity(&key.0, "entity")?;
            w.entity.push(key.0.clone());
            w.id.push(key.1);
            w.state.push(packed::state_name(state));
            w.packed.push(packed::pack(spec, state)?);
        }
        Ok(w)
    }
}

/// Reads every merged record (for the dump).
async fn load_all_records(tx: &Transaction<'_>) -> CoreResult<BTreeMap<RecordKey, RecordState>> {
    let records = tx
        .query(
            "SELECT entity, record_id, state, packed FROM merged_records",
            &[],
        )
        .await
        .map_err(pg_error)?;
    records_from_rows(&records)
}

/// Merged records from rows of `merged_records` (columns in the order of [`SELECT_RECORDS_OF`]).
fn records_from_rows(records: &[Row]) -> CoreResult<BTreeMap<RecordKey, RecordState>> {
    let mut out = BTreeMap::new();
    for r in records {
        let key: RecordKey = (r.get(0), r.get(1));
        let name: &str = r.get(2);
        let bytes: &[u8] = r.get(3);
        let state = packed::unpack_stored(known_entity(&key.0, "entity")?, name, bytes)?;
        out.insert(key, state);
    }
    Ok(out)
}

/// The same format as `Replica::canonical_dump`: records by (entity, record id) — the map's order,
/// string bytes then UUID bytes — each with its fields sorted by name.
fn dump(records: &BTreeMap<RecordKey, RecordState>) -> CoreResult<String> {
    #[derive(Serialize)]
    struct Line<'a> {
        entity: &'a str,
        id: Uuid,
        #[serde(flatten)]
        state: &'a RecordState,
    }
    let mut out = String::new();
    for ((entity_name, id), state) in records {
        let line = Line {
            entity: entity_name,
            id: *id,
            state,
        };
        let s = serde_json::to_string(&line)
            .map_err(|e| CoreError::storage(format!("cannot encode dump: {e}")))?;
        out.push_str(&s);
        out.push('\n');
    }
    Ok(out)
}
