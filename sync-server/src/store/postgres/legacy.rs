//! Schema step 7: the merged state packed (`merged_records.packed`, `donghaeng_core::sync::packed`),
//! as in the SQLite store (`sqlite/legacy.rs`).
//!
//! Before it, a live record kept a row per field in `merged_fields` and a tombstone or an
//! append-only record its stamp, change id and record in columns of `merged_records`. The step
//! reads every record in that form, chunk by chunk in key order, writes it packed, then drops the
//! old table and columns — in the step's one transaction, under the migration lock: a node finds
//! the old form whole or the new one whole, and only this module reads the old.

use std::collections::BTreeMap;

use deadpool_postgres::Transaction;
use uuid::Uuid;

use donghaeng_core::sync::{known_entity, packed, RecordState};
use donghaeng_core::CoreResult;

use super::pg_error;
use crate::store::legacy_state;

/// Records converted per round trip (bounded memory whatever the city's size).
const CHUNK: i64 = 10_000;

/// Packs every merged record and drops the per-field form.
pub async fn pack_merged_state(tx: &Transaction<'_>) -> CoreResult<()> {
    let mut after: Option<(String, Uuid)> = None;
    loop {
        let rows = match &after {
            None => {
                tx.query(
                    "SELECT entity, record_id, state, hlc, change_id, record FROM merged_records
                      ORDER BY entity, record_id LIMIT $1",
                    &[&CHUNK],
                )
                .await
            }
            Some((entity, id)) => {
                tx.query(
                    "SELECT entity, record_id, state, hlc, change_id, record FROM merged_records
                      WHERE (entity, record_id) > ($1, $2)
                      ORDER BY entity, record_id LIMIT $3",
                    &[entity, id, &CHUNK],
                )
                .await
            }
        }
        .map_err(pg_error)?;
        let Some(last) = rows.last() else { break };
        after = Some((last.get(0), last.get(1)));
        let entities: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let ids: Vec<Uuid> = rows.iter().map(|r| r.get(1)).collect();
        let fields = tx
            .query(
                "SELECT f.entity, f.record_id, f.field, f.value, f.hlc, f.change_id
                   FROM unnest($1::text[], $2::uuid[]) AS k(entity, record_id)
                   JOIN merged_fields f
                     ON f.entity = k.entity COLLATE \"C\" AND f.record_id = k.record_id",
                &[&entities, &ids],
            )
            .await
            .map_err(pg_error)?;
        let states = states_of(&rows, &fields)?;
        let mut packed_rows = Vec::with_capacity(states.len());
        for ((entity, _), state) in &states {
            packed_rows.push(packed::pack(known_entity(entity, "entity")?, state)?);
        }
        let keys_entity: Vec<&str> = states.keys().map(|k| k.0.as_str()).collect();
        let keys_id: Vec<Uuid> = states.keys().map(|k| k.1).collect();
        tx.execute(
            "UPDATE merged_records r SET packed = u.packed
               FROM unnest($1::text[], $2::uuid[], $3::bytea[]) AS u(entity, record_id, packed)
              WHERE r.entity = u.entity COLLATE \"C\" AND r.record_id = u.record_id",
            &[&keys_entity, &keys_id, &packed_rows],
        )
        .await
        .map_err(pg_error)?;
    }
    tx.batch_execute(
        "DROP TABLE merged_fields;
         ALTER TABLE merged_records DROP COLUMN hlc, DROP COLUMN change_id, DROP COLUMN record;
         ALTER TABLE merged_records ALTER COLUMN packed SET NOT NULL;",
    )
    .await
    .map_err(pg_error)?;
    Ok(())
}

/// Records in the per-field form, from rows of `merged_records` and `merged_fields`.
fn states_of(
    records: &[tokio_postgres::Row],
    fields: &[tokio_postgres::Row],
) -> CoreResult<BTreeMap<(String, Uuid), RecordState>> {
    let mut out = BTreeMap::new();
    for r in records {
        let state = legacy_state::record_state(r.get(2), r.get(3), r.get(4), r.get(5))?;
        out.insert((r.get(0), r.get(1)), state);
    }
    for f in fields {
        if let Some(state) = out.get_mut(&(f.get(0), f.get(1))) {
            legacy_state::add_field(state, f.get(2), f.get(3), f.get(4), f.get(5))?;
        }
    }
    Ok(out)
}
