//! Schema step 7: the merged state packed (`merged_records.packed`, `donghaeng_core::sync::packed`).
//!
//! Before it, a live record kept a row per field in `merged_fields` (value as JSON, stamp as text)
//! and a tombstone or an append-only record its stamp, change id and record in columns of
//! `merged_records`: a snapshot page read two statements and parsed a stamp per field for each
//! record. The step reads every record in that form, writes it packed, then drops the old table
//! and columns, in the step's one transaction: a server either finds the old form whole or the new
//! one whole, and only this module reads the old.

use rusqlite::{params, Transaction};

use donghaeng_core::sync::{known_entity, packed, RecordState};
use donghaeng_core::CoreResult;

use super::uuid_from;
use crate::store::legacy_state;

/// Records converted per statement of the walk (bounded memory whatever the city's size).
const CHUNK: i64 = 10_000;

/// Packs every merged record and drops the per-field form.
pub fn pack_merged_state(tx: &Transaction<'_>) -> CoreResult<()> {
    let mut after: Option<(String, Vec<u8>)> = None;
    loop {
        let chunk = read_chunk(tx, after.as_ref())?;
        let Some(last) = chunk.last() else { break };
        after = Some((last.0.clone(), last.1.clone()));
        let mut update = tx.prepare_cached(
            "UPDATE merged_records SET packed = ?3 WHERE entity = ?1 AND record_id = ?2",
        )?;
        for (entity, rid, state) in &chunk {
            let spec = known_entity(entity, "entity")?;
            update.execute(params![entity, rid, packed::pack(spec, state)?])?;
        }
    }
    tx.execute_batch(
        "DROP TABLE merged_fields;
         ALTER TABLE merged_records DROP COLUMN hlc;
         ALTER TABLE merged_records DROP COLUMN change_id;
         ALTER TABLE merged_records DROP COLUMN record;",
    )?;
    Ok(())
}

type Legacy = (String, Vec<u8>, RecordState);

fn read_chunk(tx: &Transaction<'_>, after: Option<&(String, Vec<u8>)>) -> CoreResult<Vec<Legacy>> {
    const COLUMNS: &str =
        "SELECT entity, record_id, state, hlc, change_id, record FROM merged_records";
    let row = |r: &rusqlite::Row<'_>| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<Vec<u8>>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    };
    let rows = match after {
        None => tx
            .prepare_cached(&format!("{COLUMNS} ORDER BY entity, record_id LIMIT ?1"))?
            .query_map(params![CHUNK], row)?
            .collect::<Result<Vec<_>, _>>()?,
        Some((entity, rid)) => tx
            .prepare_cached(&format!(
                "{COLUMNS} WHERE (entity, record_id) > (?1, ?2) ORDER BY entity, record_id LIMIT ?3"
            ))?
            .query_map(params![entity, rid, CHUNK], row)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut fields = tx.prepare_cached(
        "SELECT field, value, hlc, change_id FROM merged_fields
          WHERE entity = ?1 AND record_id = ?2",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (entity, rid, state, hlc, change_id, record) in rows {
        let change_id = change_id
            .map(|c| uuid_from(&c, "merged_records"))
            .transpose()?;
        let mut state =
            legacy_state::record_state(&state, hlc.as_deref(), change_id, record.as_deref())?;
        let mut q = fields.query(params![entity, rid])?;
        while let Some(f) = q.next()? {
            let change_id: Vec<u8> = f.get(3)?;
            legacy_state::add_field(
                &mut state,
                f.get(0)?,
                &f.get::<_, String>(1)?,
                &f.get::<_, String>(2)?,
                uuid_from(&change_id, "merged_fields")?,
            )?;
        }
        out.push((entity, rid, state));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use serde_json::json;
    use uuid::Uuid;

    use std::collections::BTreeMap;

    use donghaeng_core::sync::{FieldVersion, HlcTimestamp};

    use super::super::{changes::load_state, schema};
    use super::*;

    fn stamp(ms: u64) -> HlcTimestamp {
        HlcTimestamp {
            wall_ms: ms,
            counter: 1,
            node: Uuid::from_u128(0xd),
        }
    }

    /// A database as step 6 left it, with records in the per-field form.
    #[test]
    fn step_7_packs_every_record_of_the_per_field_form_and_drops_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &schema::MIGRATIONS[..schema::PACK_STEP] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", schema::PACK_STEP as i64)
            .unwrap();
        let (c1, c2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let household = Uuid::from_u128(10);
        let visit = Uuid::from_u128(11);
        let check = Uuid::from_u128(12);
        let put = |entity: &str,
                   id: Uuid,
                   state: &str,
                   hlc: Option<String>,
                   cid: Option<Uuid>,
                   record: Option<String>| {
            conn.execute(
                "INSERT INTO merged_records (entity, record_id, state, hlc, change_id, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    entity,
                    id.as_bytes().to_vec(),
                    state,
                    hlc,
                    cid.map(|c| c.as_bytes().to_vec()),
                    record
                ],
            )
            .unwrap();
        };
        let field = |id: Uuid, name: &str, value: &str, ms: u64, cid: Uuid| {
            conn.execute(
                "INSERT INTO merged_fields (entity, record_id, field, value, hlc, change_id)
                 VALUES ('households', ?1, ?2, ?3, ?4, ?5)",
                params![
                    id.as_bytes().to_vec(),
                    name,
                    value,
                    stamp(ms).encode(),
                    cid.as_bytes().to_vec()
                ],
            )
            .unwrap();
        };
        put("households", household, "live", None, None, None);
        field(household, "head_name", "\"김영수\"", 1, c1);
        field(household, "crisis_level", "4", 2, c2);
        put(
            "visits",
            visit,
            "deleted",
            Some(stamp(3).encode()),
            Some(c1),
            None,
        );
        put(
            "wellness_checks",
            check,
            "appended",
            Some(stamp(4).encode()),
            Some(c2),
            Some(json!({"household_id": household, "checked_at": 5}).to_string()),
        );
        // More records than one chunk of the walk: none is skipped between chunks.
        for i in 0..CHUNK + 50 {
            let id = Uuid::from_u128(1_000_000 + i as u128);
            put("households", id, "live", None, None, None);
            field(id, "head_name", &format!("\"{i}\""), 5, c1);
        }

        schema::migrate(&mut conn).unwrap();

        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, schema::MIGRATIONS.len());
        let gone: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'merged_fields'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(gone, 0);
        let unpacked: i64 = conn
            .query_row(
                "SELECT count(*) FROM merged_records WHERE packed IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unpacked, 0);
        let spec = |e: &str| known_entity(e, "entity").unwrap();
        let live = load_state(&conn, spec("households"), household.as_bytes()).unwrap();
        let mut fields = BTreeMap::new();
        fields.insert(
            "head_name".to_owned(),
            FieldVersion {
                value: json!("김영수"),
                hlc: stamp(1),
                change_id: c1,
            },
        );
        fields.insert(
            "crisis_level".to_owned(),
            FieldVersion {
                value: json!(4),
                hlc: stamp(2),
                change_id: c2,
            },
        );
        assert_eq!(live, Some(RecordState::Live { fields }));
        assert_eq!(
            load_state(&conn, spec("visits"), visit.as_bytes()).unwrap(),
            Some(RecordState::Deleted {
                hlc: stamp(3),
                change_id: c1
            })
        );
        let Some(RecordState::Appended {
            record,
            hlc,
            change_id,
        }) = load_state(&conn, spec("wellness_checks"), check.as_bytes()).unwrap()
        else {
            panic!("appended");
        };
        assert_eq!(
            (record["checked_at"].clone(), hlc, change_id),
            (json!(5), stamp(4), c2)
        );
        let last = Uuid::from_u128(1_000_000 + (CHUNK + 49) as u128);
        let Some(RecordState::Live { fields }) =
            load_state(&conn, spec("households"), last.as_bytes()).unwrap()
        else {
            panic!("live");
        };
        assert_eq!(fields["head_name"].value, json!((CHUNK + 49).to_string()));
    }
}
