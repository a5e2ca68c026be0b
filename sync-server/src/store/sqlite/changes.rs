//! The change log and merged state in SQLite: [`ChangeStore`] with the exact behaviour of
//! `donghaeng_core::sync::MemoryServer` (tests compare the two).

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::sync::admission::{PushTally, StoredId};
use donghaeng_core::sync::packed::StoredState;
use donghaeng_core::sync::validate::{
    effective_limit, validate_pull, validate_push, PageBudget, PAGE_ENTRY_OVERHEAD,
};
use donghaeng_core::sync::{
    known_entity, merge, packed, Applied, Change, EntitySpec, PullRequest, PullResponse,
    PushResponse, RecordRef, RecordState, SeqChange, SkewPolicy,
};
use donghaeng_core::{CoreError, CoreResult};

use super::{uuid_from, SqliteStore};
use crate::store::{
    attached_refused, attached_to_store, check_judged_at, entity_page, ChangeStore, Feed,
    KeyedPush, StoreFuture,
};

impl ChangeStore for SqliteStore {
    fn push_keyed(&self, push: KeyedPush, now_ms: i64) -> StoreFuture<'_, PushResponse> {
        // Structural validation needs no storage: refuse a bad batch before queueing for the writer.
        if let Err(e) = validate_push(&push.req) {
            return Box::pin(async move { Err(e) });
        }
        self.write(move |conn, skew| push_blocking(conn, skew, &push, now_ms))
    }

    fn pull_feed(
        &self,
        req: PullRequest,
        feed: Feed,
        max_bytes: usize,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        if let Err(e) = validate_pull(&req) {
            return Box::pin(async move { Err(e) });
        }
        self.read(move |conn| pull_blocking(conn, &req, &feed, max_bytes, now_ms))
    }

    fn last_seq(&self) -> StoreFuture<'_, u64> {
        self.read(last_seq)
    }

    fn pull_entity(
        &self,
        entity: &'static str,
        after_seq: u64,
        limit: u32,
        now_ms: i64,
    ) -> StoreFuture<'_, PullResponse> {
        self.read(move |conn| {
            // One read transaction: the page and the log's end are of one snapshot.
            let tx = conn.unchecked_transaction()?;
            let rows = {
                let mut stmt = tx.prepare_cached(
                    "SELECT seq, body FROM changes WHERE entity = ?1 AND seq > ?2
                      ORDER BY seq LIMIT ?3",
                )?;
                let rows = stmt.query_map(
                    params![
                        entity,
                        i64::try_from(after_seq).unwrap_or(i64::MAX),
                        i64::from(limit) + 1
                    ],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                )?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
            let end = last_seq(&tx)?;
            entity_page(rows, after_seq, limit, end, now_ms)
        })
    }

    fn records(&self, keys: Vec<RecordRef>) -> StoreFuture<'_, Vec<(RecordRef, StoredState)>> {
        self.read(move |conn| records_blocking(conn, &keys))
    }

    fn canonical_dump(&self) -> StoreFuture<'_, String> {
        self.read(dump_blocking)
    }
}

fn records_blocking(
    conn: &Connection,
    keys: &[RecordRef],
) -> CoreResult<Vec<(RecordRef, StoredState)>> {
    // One read transaction: every record as of one moment.
    let tx = conn.unchecked_transaction()?;
    let mut out = Vec::with_capacity(keys.len());
    {
        let mut stmt = tx.prepare_cached(SELECT_STATE)?;
        for key in keys {
            let spec = known_entity(&key.entity, "entity")?;
            let mut rows = stmt.query(params![spec.name, key.record_id.as_bytes()])?;
            if let Some(r) = rows.next()? {
                let state = StoredState {
                    state: r.get(0)?,
                    packed: r.get(1)?,
                };
                out.push((key.clone(), state));
            }
        }
    }
    tx.commit()?;
    Ok(out)
}

const SELECT_STATE: &str =
    "SELECT state, packed FROM merged_records WHERE entity = ?1 AND record_id = ?2";

/// A record's merged state, if the store holds it (one row, packed).
pub(super) fn load_state(
    conn: &Connection,
    spec: &EntitySpec,
    record_id: &[u8],
) -> CoreResult<Option<RecordState>> {
    let mut stmt = conn.prepare_cached(SELECT_STATE)?;
    let mut rows = stmt.query(params![spec.name, record_id])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    decode_state(spec, r.get_ref(0)?, r.get_ref(1)?).map(Some)
}

/// The state of a `merged_records` row from its `state` and `packed` columns.
fn decode_state(
    spec: &EntitySpec,
    state: rusqlite::types::ValueRef<'_>,
    packed: rusqlite::types::ValueRef<'_>,
) -> CoreResult<RecordState> {
    let column =
        |e: rusqlite::types::FromSqlError| CoreError::storage(format!("merged_records: {e}"));
    packed::unpack_stored(
        spec,
        state.as_str().map_err(column)?,
        packed.as_blob().map_err(column)?,
    )
}

/// Writes a record's merged state.
fn store_state(
    tx: &Transaction<'_>,
    spec: &EntitySpec,
    record_id: &[u8],
    state: &RecordState,
) -> CoreResult<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO merged_records (entity, record_id, state, packed)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        spec.name,
        record_id,
        packed::state_name(state),
        packed::pack(spec, state)?
    ])?;
    Ok(())
}

fn last_seq(conn: &Connection) -> CoreResult<u64> {
    // Asked on every request: the statement is kept with the connection.
    let seq: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM changes")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

fn push_blocking(
    conn: &mut Connection,
    skew: &SkewPolicy,
    push: &KeyedPush,
    now_ms: i64,
) -> CoreResult<PushResponse> {
    // IMMEDIATE takes the write lock now: the sequence numbers read below cannot be taken by another
    // writer (another process on the same file) before this transaction commits.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut next_seq = last_seq(&tx)?;
    check_judged_at(push, next_seq)?;
    let mut tally = PushTally::new(now_ms);
    for (i, (change, keys)) in push.req.changes.iter().zip(&push.keys).enumerate() {
        let stored = StoredId::of_body(stored_body(&tx, change.id)?.as_deref(), change);
        if tally.admit(i, change, stored, skew) && tally.merged(change, merge(&tx, change))? {
            log_change(&tx, change, keys, &mut next_seq)?;
        }
    }
    // The server's records of the push (fresh ids of its own: nothing stored to compare with).
    for a in attached_to_store(&push.attached, tally.accepted()) {
        merge(&tx, &a.change).map_err(attached_refused)?;
        log_change(&tx, &a.change, &a.keys, &mut next_seq)?;
    }
    tx.commit()?;
    Ok(tally.finish(next_seq))
}

/// The body of the change stored under `id`, if any.
fn stored_body(tx: &Transaction<'_>, id: Uuid) -> CoreResult<Option<String>> {
    Ok(tx
        .prepare_cached("SELECT body FROM changes WHERE id = ?1")?
        .query_row([id.as_bytes().as_slice()], |r| r.get(0))
        .optional()?)
}

/// Logs one merged change under the next sequence number and its feed keys.
fn log_change(
    tx: &Transaction<'_>,
    change: &Change,
    keys: &[Uuid],
    next_seq: &mut u64,
) -> CoreResult<()> {
    *next_seq += 1;
    let seq = i64::try_from(*next_seq).unwrap_or(i64::MAX);
    let body = serde_json::to_string(change)
        .map_err(|e| CoreError::storage(format!("cannot encode change: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO changes (seq, id, entity, record_id, hlc, device_id, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        seq,
        change.id.as_bytes().as_slice(),
        change.entity,
        change.record_id.as_bytes().as_slice(),
        change.hlc.encode(),
        change.device_id.as_bytes().as_slice(),
        body,
    ])?;
    let mut key_stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO change_scopes (scope, seq) VALUES (?1, ?2)")?;
    for key in keys {
        key_stmt.execute(params![key.as_bytes().as_slice(), seq])?;
    }
    Ok(())
}

/// Merges one change into the stored state with the shared merge (`merge::apply`): this only loads
/// and saves.
fn merge(tx: &Transaction<'_>, change: &Change) -> CoreResult<()> {
    let spec = known_entity(&change.entity, "entity")?;
    let rid = change.record_id.as_bytes().as_slice();
    let mut held = load_state(tx, spec, rid)?;
    if let Applied::Changed = merge::apply(spec, &mut held, change)? {
        let state =
            held.ok_or_else(|| CoreError::storage("a merge that changed a record left no state"))?;
        store_state(tx, spec, rid, &state)?;
    }
    Ok(())
}

/// The page: the sizes of up to limit + 1 changes after the cursor and their running sum come from
/// one windowed statement that never reads a body (`octet_length` reads the record header only),
/// and only the bodies of the changes that fit are read — plus the size of the first one that does
/// not, which tells whether more wait, in the same statement (snapshot). The rule itself is core's
/// [`PageBudget`], as in the reference; the statement only narrows the rows to it.
fn pull_blocking(
    conn: &Connection,
    req: &PullRequest,
    feed: &Feed,
    max_bytes: usize,
    now_ms: i64,
) -> CoreResult<PullResponse> {
    // One read transaction: the page and the log's end are of one snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut budget = PageBudget::for_pull(req, max_bytes);
    let limit = i64::from(effective_limit(req));
    let after = i64::try_from(req.after_seq).unwrap_or(i64::MAX);
    let max = i64::try_from(max_bytes).unwrap_or(i64::MAX);
    let except = feed.except_device.map(|d| d.as_bytes().to_vec());
    // The rows a page may hold: the whole log, or the changes under the feed's keys (read from
    // the key index, so a device's page costs its share, not the city's log).
    let rows = match &feed.keys {
        None => {
            "SELECT seq, octet_length(body) + ?5 AS cost FROM changes
                  WHERE seq > ?1 AND device_id IS NOT ?6 ORDER BY seq LIMIT ?4 + 1"
        }
        Some(_) => {
            "SELECT c.seq, octet_length(c.body) + ?5 AS cost
               FROM (SELECT DISTINCT seq FROM change_scopes
                      WHERE scope IN (SELECT unhex(value) FROM json_each(?7)) AND seq > ?1) AS k
               JOIN changes c ON c.seq = k.seq
              WHERE c.device_id IS NOT ?6
              ORDER BY c.seq LIMIT ?4 + 1"
        }
    };
    let keys = feed.keys.as_ref().map(|keys| {
        serde_json::to_string(
            &keys
                .iter()
                .map(|k| k.simple().to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    });
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT w.seq, w.cost,
                CASE WHEN w.rn = 1 OR (w.rn <= ?4 AND w.before + w.cost <= ?3) THEN c.body END
           FROM (SELECT seq, cost, ROW_NUMBER() OVER win AS rn, SUM(cost) OVER win - cost AS before
                   FROM ({rows})
                 WINDOW win AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)) AS w
           JOIN changes c ON c.seq = w.seq
          WHERE w.rn <= 2 OR w.before <= ?3
          ORDER BY w.seq"
    ))?;
    let overhead = PAGE_ENTRY_OVERHEAD as i64;
    let mut rows = match &keys {
        None => stmt.query(params![after, limit, max, limit, overhead, except])?,
        Some(keys) => stmt.query(params![after, limit, max, limit, overhead, except, keys])?,
    };
    let mut changes = Vec::new();
    let mut has_more = false;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let cost: i64 = r.get(1)?;
        if !budget.admit(usize::try_from(cost).unwrap_or(usize::MAX)) {
            has_more = true;
            break;
        }
        let body: Option<String> = r.get(2)?;
        let body = body.ok_or_else(|| {
            CoreError::storage(format!(
                "page rule disagrees with the statement at seq {seq}"
            ))
        })?;
        let change: Change = serde_json::from_str(&body)
            .map_err(|e| CoreError::storage(format!("corrupt change at seq {seq}: {e}")))?;
        changes.push(SeqChange {
            seq: u64::try_from(seq).unwrap_or(0),
            change,
        });
    }
    drop(rows);
    drop(stmt);
    let next_seq = match changes.last() {
        // Everything the feed reads is in the page: the cursor goes to the log's end.
        _ if !has_more && *feed != Feed::default() => last_seq(&tx)?.max(req.after_seq),
        Some(last) => last.seq,
        None => req.after_seq,
    };
    Ok(PullResponse::page(changes, next_seq, has_more, now_ms))
}

/// The same format as `Replica::canonical_dump`: records by (entity, record id) — BLOB order of a
/// UUID is its byte order, as `Uuid`'s `Ord` — each with its fields sorted by name.
fn dump_blocking(conn: &Connection) -> CoreResult<String> {
    #[derive(Serialize)]
    struct Line<'a> {
        entity: &'a str,
        id: Uuid,
        #[serde(flatten)]
        state: &'a RecordState,
    }
    let mut stmt = conn.prepare(
        "SELECT entity, record_id, state, packed FROM merged_records ORDER BY entity, record_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = String::new();
    while let Some(r) = rows.next()? {
        let entity_name: String = r.get(0)?;
        let rid: Vec<u8> = r.get(1)?;
        let spec = known_entity(&entity_name, "entity")?;
        let state = decode_state(spec, r.get_ref(2)?, r.get_ref(3)?)?;
        let line = Line {
            entity: &entity_name,
            id: uuid_from(&rid, "merged_records")?,
            state: &state,
        };
        let s = serde_json::to_string(&line)
            .map_err(|e| CoreError::storage(format!("cannot encode dump: {e}")))?;
        out.push_str(&s);
        out.push('\n');
    }
    Ok(out)
}
