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
//! the stamps. The price is one push at a time per database; each push is a fixed number of round
//! trips whatever its size (the batch is read and written with array parameters), so the lock is
//! held for about a millisecond per push on loopback.

use std::collections::{BTreeMap, HashMap, HashSet};

use deadpool_postgres::Transaction;
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

use donghaeng_core::sync::entity::entity;
use donghaeng_core::sync::validate::{effective_limit, validate_pull, validate_push};
use donghaeng_core::sync::{
    decide, Change, Current, Decision, FieldVersion, HlcTimestamp, Op, PullRequest, PullResponse,
    PushRequest, PushResponse, RecordState, RejectedChange, SeqChange, SkewPolicy,
};
use donghaeng_core::{CoreError, CoreResult, ErrorCode};

use super::{pg_error, PgStore};
use crate::store::{ChangeStore, StoreFuture};

/// (entity, record id): the key of a merged record, ordered as the canonical dump orders it.
type RecordKey = (String, Uuid);

impl ChangeStore for PgStore {
    fn push(&self, req: PushRequest, now_ms: i64) -> StoreFuture<'_, PushResponse> {
        Box::pin(async move {
            // Structural validation needs no storage: refuse a bad batch before taking a connection.
            validate_push(&req)?;
            let mut client = self.client().await?;
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::ReadCommitted)
                .start()
                .await
                .map_err(pg_error)?;
            let resp = push_tx(&tx, &self.skew, &req, now_ms).await?;
            tx.commit().await.map_err(pg_error)?;
            Ok(resp)
        })
    }

    fn pull(&self, req: PullRequest, now_ms: i64) -> StoreFuture<'_, PullResponse> {
        Box::pin(async move {
            validate_pull(&req)?;
            let limit = effective_limit(&req) as usize;
            let after = i64::try_from(req.after_seq).unwrap_or(i64::MAX);
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT seq, body FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .await
                .map_err(pg_error)?;
            // One row more than the page tells whether more wait, in the same statement (snapshot).
            let rows = client
                .query(&stmt, &[&after, &((limit + 1) as i64)])
                .await
                .map_err(pg_error)?;
            let has_more = rows.len() > limit;
            let mut changes = Vec::with_capacity(rows.len().min(limit));
            for r in rows.iter().take(limit) {
                let seq: i64 = r.get(0);
                let body: &str = r.get(1);
                let change: Change = serde_json::from_str(body)
                    .map_err(|e| CoreError::storage(format!("corrupt change at seq {seq}: {e}")))?;
                changes.push(SeqChange {
                    seq: u64::try_from(seq).unwrap_or(0),
                    change,
                });
            }
            let next_seq = changes.last().map_or(req.after_seq, |c| c.seq);
            Ok(PullResponse {
                changes,
                next_seq,
                has_more,
                purge: Vec::new(),
                server_time_ms: now_ms,
            })
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

    fn canonical_dump(&self) -> StoreFuture<'_, String> {
        Box::pin(async move {
            let mut client = self.client().await?;
            // One snapshot for both tables.
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(pg_error)?;
            let records = load_records(&tx, None).await?;
            tx.commit().await.map_err(pg_error)?;
            dump(&records)
        })
    }
}

async fn push_tx(
    tx: &Transaction<'_>,
    skew: &SkewPolicy,
    req: &PushRequest,
    now_ms: i64,
) -> CoreResult<PushResponse> {
    // First statement of the transaction: from here on no other push, on any node, can commit.
    let last: i64 = tx
        .query_one("SELECT last_seq FROM seq_counter FOR UPDATE", &[])
        .await
        .map_err(pg_error)?
        .get(0);
    let last = u64::try_from(last).map_err(|_| CoreError::storage("negative sequence counter"))?;
    let mut next_seq = last;
    let mut resp = PushResponse {
        server_time_ms: now_ms,
        ..PushResponse::default()
    };

    // Change ids are unique within a batch (validation), so one lookup serves the whole batch.
    let ids: Vec<Uuid> = req.changes.iter().map(|c| c.id).collect();
    let stored: HashMap<Uuid, String> = tx
        .query("SELECT id, body FROM changes WHERE id = ANY($1)", &[&ids])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let touched: Vec<Uuid> = req.changes.iter().map(|c| c.record_id).collect();
    let mut held = load_records(tx, Some(&touched)).await?;
    let mut dirty: HashSet<RecordKey> = HashSet::new();
    let mut log = ChangeRows::default();

    for (i, change) in req.changes.iter().enumerate() {
        if let Some(body) = stored.get(&change.id) {
            // Same id: the same content is a retried push; other content breaks "one id, one
            // content". Compare parsed values, not bytes, exactly as the reference does.
            let same = serde_json::from_str::<Change>(body).is_ok_and(|c| c == *change);
            if same {
                resp.duplicates.push(change.id);
            } else {
                let e = change_id_reused(change.id, i);
                resp.rejected
                    .push(RejectedChange::from_error(change.id, &e));
            }
            continue;
        }
        if let Err(e) = skew.check(&change.hlc, now_ms, &format!("changes[{i}].hlc")) {
            resp.rejected
                .push(RejectedChange::from_error(change.id, &e));
            continue;
        }
        match merge(&mut held, change) {
            Ok(Some(key)) => {
                dirty.insert(key);
            }
            Ok(None) => {}
            // Only a change that does not fit its entity fails here (validation rules it out); it is
            // rejected alone, as in the reference, and nothing of it was merged.
            Err(e) if e.kind != ErrorCode::Storage => {
                resp.rejected
                    .push(RejectedChange::from_error(change.id, &e));
                continue;
            }
            Err(e) => return Err(e),
        }
        next_seq += 1;
        log.push(next_seq, change)?;
        resp.accepted.push(change.id);
    }

    if next_seq != last {
        log.insert(tx).await?;
        write_records(tx, &held, &dirty).await?;
        tx.execute(
            "UPDATE seq_counter SET last_seq = $1",
            &[&i64::try_from(next_seq).unwrap_or(i64::MAX)],
        )
        .await
        .map_err(pg_error)?;
    }
    resp.server_seq = next_seq;
    Ok(resp)
}

/// Merges one change into the in-memory working set with the shared `decide`, changing exactly
/// what the SQLite store writes. Returns the record's key when its state changed.
fn merge(
    held: &mut BTreeMap<RecordKey, RecordState>,
    change: &Change,
) -> CoreResult<Option<RecordKey>> {
    let spec = entity(&change.entity).ok_or_else(|| {
        CoreError::invalid(
            "unknown_entity",
            "entity",
            format!("동기화할 수 없는 종류의 기록입니다: {:?}", change.entity),
            format!("unknown entity: {:?}", change.entity),
        )
    })?;
    let key = (spec.name.to_owned(), change.record_id);
    let current = match held.get(&key) {
        None => Current::Absent,
        Some(RecordState::Live { fields }) => Current::Live(fields),
        Some(RecordState::Deleted { hlc, .. }) => Current::Deleted(hlc),
        Some(RecordState::Appended { hlc, .. }) => Current::Appended(hlc),
    };
    match (decide(spec, current, change)?, &change.op) {
        (Decision::Skip(_), _) => return Ok(None),
        (Decision::SetFields(names), Op::Upsert { fields }) => {
            let state = held
                .entry(key.clone())
                .or_insert_with(|| RecordState::Live {
                    fields: BTreeMap::new(),
                });
            // `decide` sets fields only on an absent or live record.
            let RecordState::Live { fields: stored } = state else {
                return Err(CoreError::storage(
                    "fields set on a record that is not live",
                ));
            };
            for name in names {
                if let Some(value) = fields.get(name) {
                    stored.insert(
                        name.to_owned(),
                        FieldVersion {
                            value: value.clone(),
                            hlc: change.hlc,
                            change_id: change.id,
                        },
                    );
                }
            }
        }
        (Decision::Tombstone, _) => {
            held.insert(
                key.clone(),
                RecordState::Deleted {
                    hlc: change.hlc,
                    change_id: change.id,
                },
            );
        }
        (Decision::Insert, Op::Append { record }) => {
            held.insert(
                key.clone(),
                RecordState::Appended {
                    record: record.clone(),
                    hlc: change.hlc,
                    change_id: change.id,
                },
            );
        }
        // `decide` returns SetFields only for an upsert and Insert only for an append.
        (_, op) => {
            return Err(CoreError::invalid(
                "op_not_allowed",
                "op",
                format!("병합할 수 없는 작업입니다: {}", op.name()),
                format!("cannot merge operation {}", op.name()),
            ))
        }
    }
    Ok(Some(key))
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
}

impl ChangeRows {
    fn push(&mut self, seq: u64, change: &Change) -> CoreResult<()> {
        let body = serde_json::to_string(change)
            .map_err(|e| CoreError::storage(format!("cannot encode change: {e}")))?;
        self.seq.push(i64::try_from(seq).unwrap_or(i64::MAX));
        self.id.push(change.id);
        self.entity.push(change.entity.clone());
        self.record_id.push(change.record_id);
        self.hlc.push(change.hlc.encode());
        self.device_id.push(change.device_id);
        self.body.push(body);
        Ok(())
    }

    async fn insert(&self, tx: &Transaction<'_>) -> CoreResult<()> {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO changes (seq, id, entity, record_id, hlc, device_id, body)
                 SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::uuid[],
                                      $5::text[], $6::uuid[], $7::text[])",
            )
            .await
            .map_err(pg_error)?;
        tx.execute(
            &stmt,
            &[
                &self.seq,
                &self.id,
                &self.entity,
                &self.record_id,
                &self.hlc,
                &self.device_id,
                &self.body,
            ],
        )
        .await
        .map_err(pg_error)?;
        Ok(())
    }
}

/// Writes the final state of every record the push changed: its row in `merged_records` and, for
/// a live record, all its fields (a tombstone drops them).
async fn write_records(
    tx: &Transaction<'_>,
    held: &BTreeMap<RecordKey, RecordState>,
    dirty: &HashSet<RecordKey>,
) -> CoreResult<()> {
    let mut r_entity = Vec::new();
    let mut r_id = Vec::new();
    let mut r_state = Vec::new();
    let mut r_hlc: Vec<Option<String>> = Vec::new();
    let mut r_cid: Vec<Option<Uuid>> = Vec::new();
    let mut r_record: Vec<Option<String>> = Vec::new();
    let mut f_entity = Vec::new();
    let mut f_id = Vec::new();
    let mut f_field = Vec::new();
    let mut f_value = Vec::new();
    let mut f_hlc = Vec::new();
    let mut f_cid = Vec::new();
    for key in dirty {
        let Some(state) = held.get(key) else { continue };
        let (name, hlc, cid, record) = match state {
            RecordState::Live { fields } => {
                for (field, v) in fields {
                    f_entity.push(key.0.clone());
                    f_id.push(key.1);
                    f_field.push(field.clone());
                    f_value.push(v.value.to_string());
                    f_hlc.push(v.hlc.encode());
                    f_cid.push(v.change_id);
                }
                ("live", None, None, None)
            }
            RecordState::Deleted { hlc, change_id } => {
                ("deleted", Some(hlc.encode()), Some(*change_id), None)
            }
            RecordState::Appended {
                record,
                hlc,
                change_id,
            } => {
                let body = serde_json::to_string(record)
                    .map_err(|e| CoreError::storage(format!("cannot encode record: {e}")))?;
                ("appended", Some(hlc.encode()), Some(*change_id), Some(body))
            }
        };
        r_entity.push(key.0.clone());
        r_id.push(key.1);
        r_state.push(name.to_owned());
        r_hlc.push(hlc);
        r_cid.push(cid);
        r_record.push(record);
    }
    if r_entity.is_empty() {
        return Ok(());
    }
    let delete = tx
        .prepare_cached(
            "DELETE FROM merged_fields f USING unnest($1::text[], $2::uuid[]) AS d(entity, record_id)
             WHERE f.entity = d.entity AND f.record_id = d.record_id",
        )
        .await
        .map_err(pg_error)?;
    tx.execute(&delete, &[&r_entity, &r_id])
        .await
        .map_err(pg_error)?;
    let upsert = tx
        .prepare_cached(
            "INSERT INTO merged_records (entity, record_id, state, hlc, change_id, record)
             SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::uuid[],
                                  $6::text[])
             ON CONFLICT (entity, record_id) DO UPDATE SET state = EXCLUDED.state,
                 hlc = EXCLUDED.hlc, change_id = EXCLUDED.change_id, record = EXCLUDED.record",
        )
        .await
        .map_err(pg_error)?;
    tx.execute(
        &upsert,
        &[&r_entity, &r_id, &r_state, &r_hlc, &r_cid, &r_record],
    )
    .await
    .map_err(pg_error)?;
    if !f_entity.is_empty() {
        let insert = tx
            .prepare_cached(
                "INSERT INTO merged_fields (entity, record_id, field, value, hlc, change_id)
                 SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                                      $6::uuid[])",
            )
            .await
            .map_err(pg_error)?;
        tx.execute(
            &insert,
            &[&f_entity, &f_id, &f_field, &f_value, &f_hlc, &f_cid],
        )
        .await
        .map_err(pg_error)?;
    }
    Ok(())
}

/// Reads merged records with their fields: those with one of `record_ids`, or all of them.
async fn load_records(
    tx: &Transaction<'_>,
    record_ids: Option<&[Uuid]>,
) -> CoreResult<BTreeMap<RecordKey, RecordState>> {
    let (records, fields) = match record_ids {
        Some(ids) => {
            let ids: Vec<Uuid> = {
                let mut v = ids.to_vec();
                v.sort_unstable();
                v.dedup();
                v
            };
            let r = tx
                .query(
                    "SELECT entity, record_id, state, hlc, change_id, record FROM merged_records
                     WHERE record_id = ANY($1)",
                    &[&ids],
                )
                .await
                .map_err(pg_error)?;
            let f = tx
                .query(
                    "SELECT entity, record_id, field, value, hlc, change_id FROM merged_fields
                     WHERE record_id = ANY($1)",
                    &[&ids],
                )
                .await
                .map_err(pg_error)?;
            (r, f)
        }
        None => {
            let r = tx
                .query(
                    "SELECT entity, record_id, state, hlc, change_id, record FROM merged_records",
                    &[],
                )
                .await
                .map_err(pg_error)?;
            let f = tx
                .query(
                    "SELECT entity, record_id, field, value, hlc, change_id FROM merged_fields",
                    &[],
                )
                .await
                .map_err(pg_error)?;
            (r, f)
        }
    };
    let mut out = BTreeMap::new();
    for r in &records {
        let key: RecordKey = (r.get(0), r.get(1));
        let state: &str = r.get(2);
        let hlc: Option<&str> = r.get(3);
        let change_id: Option<Uuid> = r.get(4);
        let record: Option<&str> = r.get(5);
        let stamp = || -> CoreResult<HlcTimestamp> {
            decode_stamp(hlc.ok_or_else(|| CoreError::storage("merged record without a stamp"))?)
        };
        let cid = || change_id.ok_or_else(|| CoreError::storage("merged record without a change"));
        let state = match state {
            "live" => RecordState::Live {
                fields: BTreeMap::new(),
            },
            "deleted" => RecordState::Deleted {
                hlc: stamp()?,
                change_id: cid()?,
            },
            "appended" => RecordState::Appended {
                record: serde_json::from_str(record.unwrap_or("{}"))
                    .map_err(|e| CoreError::storage(format!("corrupt record: {e}")))?,
                hlc: stamp()?,
                change_id: cid()?,
            },
            other => {
                return Err(CoreError::storage(format!(
                    "unknown record state {other:?}"
                )))
            }
        };
        out.insert(key, state);
    }
    for f in &fields {
        let key: RecordKey = (f.get(0), f.get(1));
        // Fields of a record that is not live cannot exist (a tombstone deletes them); skip any.
        let Some(RecordState::Live { fields }) = out.get_mut(&key) else {
            continue;
        };
        let value: &str = f.get(3);
        let value: Value = serde_json::from_str(value)
            .map_err(|e| CoreError::storage(format!("corrupt field value: {e}")))?;
        fields.insert(
            f.get(2),
            FieldVersion {
                value,
                hlc: decode_stamp(f.get(4))?,
                change_id: f.get(5),
            },
        );
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

fn decode_stamp(s: &str) -> CoreResult<HlcTimestamp> {
    HlcTimestamp::decode(s, "hlc").map_err(|e| CoreError::storage(format!("corrupt stamp: {e}")))
}

fn change_id_reused(id: Uuid, index: usize) -> CoreError {
    CoreError::conflict(
        "change_id_reused",
        format!("이미 다른 내용으로 저장된 변경 ID입니다: {id} (changes[{index}])"),
        format!("change id {id} was already stored with different content (changes[{index}])"),
    )
}
