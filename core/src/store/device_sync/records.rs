//! The merge state of synced records in SQLite (`sync_records`) and [`merge`], which runs
//! [`crate::sync::merge::apply`] against it, as [`crate::sync::Replica::apply`] does in memory.
//!
//! A record's state is one packed value per record (`packed`, [`super::packed`]: one read and one
//! write per change, whatever the number of fields, each change's stamp and id once). Files
//! written before migration 16 hold JSON bodies (two formats, below); they are still read, and a
//! record moves to the packed form the next time its state is written. Field values are kept here
//! too, not only in the tables: a record can be live without its row (an edit pulled before its
//! create, a field pair that merges into a state a CHECK refuses), and the merge must still hold
//! every field with its stamp.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::sync::merge::{self, Skip};
use crate::sync::packed;
use crate::sync::replica::{FieldVersion, RecordState};
use crate::sync::{known_entity, Applied, Change, EntitySpec, Fields, HlcTimestamp};
use crate::{CoreError, CoreResult};

/// One field's version in the first format (`{field: {"v", "h", "c"}}`): still read, for files
/// written before the compact one.
#[derive(Debug, Clone, Deserialize)]
struct Stored {
    v: Value,
    h: HlcTimestamp,
    c: Uuid,
}

/// A live record's versions in the second JSON format (before migration 16): each change that
/// still sets a field once (`s`: stamp and change id), and each field as its value and the index of
/// its change (`f`). Still read, for files written before the packed one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Compact {
    s: Vec<(HlcTimestamp, Uuid)>,
    f: BTreeMap<String, (Value, usize)>,
}

impl Compact {
    fn fields(self) -> CoreResult<BTreeMap<String, FieldVersion>> {
        self.f
            .into_iter()
            .map(|(name, (value, i))| {
                let (hlc, change_id) = *self
                    .s
                    .get(i)
                    .ok_or_else(|| corrupt(format!("field {name}: no version {i}")))?;
                Ok((
                    name,
                    FieldVersion {
                        value,
                        hlc,
                        change_id,
                    },
                ))
            })
            .collect()
    }
}

/// A live record's JSON body, in either format.
fn decode_live(body: &str) -> CoreResult<BTreeMap<String, FieldVersion>> {
    if let Ok(compact) = serde_json::from_str::<Compact>(body) {
        return compact.fields();
    }
    let stored: BTreeMap<String, Stored> = serde_json::from_str(body).map_err(corrupt)?;
    Ok(stored
        .into_iter()
        .map(|(k, s)| {
            (
                k,
                FieldVersion {
                    value: s.v,
                    hlc: s.h,
                    change_id: s.c,
                },
            )
        })
        .collect())
}

/// The spec of an entity, or `unknown_entity`.
pub fn spec(name: &str) -> CoreResult<&'static EntitySpec> {
    known_entity(name, "entity")
}

fn corrupt(what: impl std::fmt::Display) -> CoreError {
    CoreError::storage(format!("sync_records: {what}"))
}

fn parse_hlc(s: Option<String>) -> CoreResult<HlcTimestamp> {
    let s = s.ok_or_else(|| corrupt("missing hlc"))?;
    HlcTimestamp::decode(&s, "sync_records.hlc")
}

fn parse_id(s: Option<String>) -> CoreResult<Uuid> {
    let s = s.ok_or_else(|| corrupt("missing change_id"))?;
    Uuid::try_parse(&s).map_err(corrupt)
}

/// The columns of `sync_records` a record's state is read from, in the order [`decode`] takes
/// them.
pub const STATE_COLUMNS: &str = "state, hlc, change_id, body, packed";

/// Decodes a record's state from the [`STATE_COLUMNS`] of a row, starting at column `first`.
pub fn decode(spec: &EntitySpec, r: &Row<'_>, first: usize) -> CoreResult<RecordState> {
    let state: String = r.get(first)?;
    let bytes: Option<Vec<u8>> = r.get(first + 4)?;
    if let Some(bytes) = bytes.as_deref() {
        return packed::unpack_stored(spec, &state, bytes);
    }
    decode_json(
        &state,
        r.get(first + 1)?,
        r.get(first + 2)?,
        r.get(first + 3)?,
    )
}

/// Decodes a `sync_records` row written before migration 16 (JSON body, text stamp and id).
fn decode_json(
    state: &str,
    hlc: Option<String>,
    change_id: Option<String>,
    body: Option<String>,
) -> CoreResult<RecordState> {
    match state {
        "live" => {
            let body = body.ok_or_else(|| corrupt("live record without body"))?;
            Ok(RecordState::Live {
                fields: decode_live(&body)?,
            })
        }
        "deleted" => Ok(RecordState::Deleted {
            hlc: parse_hlc(hlc)?,
            change_id: parse_id(change_id)?,
        }),
        "appended" => {
            let body = body.ok_or_else(|| corrupt("appended record without body"))?;
            Ok(RecordState::Appended {
                record: serde_json::from_str(&body).map_err(corrupt)?,
                hlc: parse_hlc(hlc)?,
                change_id: parse_id(change_id)?,
            })
        }
        other => Err(corrupt(format!("unknown state {other:?}"))),
    }
}

/// The merge state of one record, if any.
pub fn load(
    conn: &Connection,
    spec: &EntitySpec,
    record_id: Uuid,
) -> CoreResult<Option<RecordState>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {STATE_COLUMNS} FROM sync_records WHERE entity = ?1 AND record_id = ?2"
    ))?;
    let mut rows = st.query(params![spec.name, record_id.to_string()])?;
    match rows.next()? {
        Some(r) => decode(spec, r, 0).map(Some),
        None => Ok(None),
    }
}

/// Writes one record's merge state (packed; the JSON columns of older files are cleared).
pub fn store(
    conn: &Connection,
    spec: &EntitySpec,
    record_id: Uuid,
    st: &RecordState,
) -> CoreResult<()> {
    let bytes = packed::pack(spec, st)?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sync_records
             (entity, record_id, state, hlc, change_id, body, packed)
         VALUES (?1, ?2, ?3, NULL, NULL, NULL, ?4)",
    )?
    .execute(params![
        spec.name,
        record_id.to_string(),
        packed::state_name(st),
        bytes
    ])?;
    Ok(())
}

/// Removes a record's merge state (a purge: no tombstone).
pub fn remove(conn: &Connection, entity: &str, record_id: Uuid) -> CoreResult<()> {
    conn.prepare_cached("DELETE FROM sync_records WHERE entity = ?1 AND record_id = ?2")?
        .execute(params![entity, record_id.to_string()])?;
    Ok(())
}

/// What a merge did to a record, for the caller to bring the row in line.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing changed.
    Unchanged(Skip),
    /// The record is live; these are all its fields now (the row is written from them).
    Live(Fields),
    /// The record became a tombstone: remove its row.
    Deleted,
    /// An append-only record was stored (or replaced by an earlier copy).
    Appended(Fields),
}

impl Outcome {
    pub fn applied(&self) -> Applied {
        match self {
            Outcome::Unchanged(why) => Applied::Unchanged(*why),
            _ => Applied::Changed,
        }
    }
}

/// Merges one change into the record's state with the shared merge function and stores the new
/// state: loading and saving are all this does ([`crate::sync::merge::apply`] merges).
pub fn merge(conn: &Connection, change: &Change) -> CoreResult<Outcome> {
    let spec = spec(&change.entity)?;
    let mut held = load(conn, spec, change.record_id)?;
    if let Applied::Unchanged(why) = merge::apply(spec, &mut held, change)? {
        return Ok(Outcome::Unchanged(why));
    }
    let Some(state) = held else {
        return Err(corrupt("a merge that changed a record left no state"));
    };
    store(conn, spec, change.record_id, &state)?;
    Ok(match state {
        RecordState::Live { fields } => {
            Outcome::Live(fields.into_iter().map(|(k, v)| (k, v.value)).collect())
        }
        RecordState::Deleted { .. } => Outcome::Deleted,
        RecordState::Appended { record, .. } => Outcome::Appended(record),
    })
}

/// Replaces the stamp and id of a re-stamped change in its record's state (the SQLite twin of
/// [`crate::sync::Replica::restamp`], for one record).
pub fn restamp(
    conn: &Connection,
    entity: &str,
    record_id: Uuid,
    old: Uuid,
    new_id: Uuid,
    new_hlc: HlcTimestamp,
) -> CoreResult<()> {
    let spec = spec(entity)?;
    let Some(mut st) = load(conn, spec, record_id)? else {
        return Ok(());
    };
    match &mut st {
        RecordState::Live { fields } => {
            for v in fields.values_mut() {
                if v.change_id == old {
                    v.change_id = new_id;
                    v.hlc = new_hlc;
                }
            }
        }
        RecordState::Deleted { hlc, change_id } | RecordState::Appended { hlc, change_id, .. } => {
            if *change_id == old {
                *change_id = new_id;
                *hlc = new_hlc;
            }
        }
    }
    store(conn, spec, record_id, &st)
}

/// The canonical dump of every record's merge state, in the very format of
/// [`crate::sync::Replica::canonical_dump`]: equal dumps mean equal states.
pub fn canonical_dump(conn: &Connection) -> CoreResult<String> {
    #[derive(Serialize)]
    struct Line<'a> {
        entity: &'a str,
        id: Uuid,
        #[serde(flatten)]
        state: &'a RecordState,
    }
    let mut st = conn.prepare(&format!(
        "SELECT entity, record_id, {STATE_COLUMNS} FROM sync_records ORDER BY entity, record_id"
    ))?;
    let mut rows = st.query([])?;
    let mut out = String::new();
    while let Some(r) = rows.next()? {
        let entity: String = r.get(0)?;
        let id: String = r.get(1)?;
        let state = decode(spec(&entity)?, r, 2)?;
        let line = Line {
            entity: &entity,
            id: Uuid::try_parse(&id).map_err(corrupt)?,
            state: &state,
        };
        out.push_str(&serde_json::to_string(&line).map_err(corrupt)?);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `sync_records` as migrations 4 and 16 leave it.
    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE sync_records (
                 entity TEXT NOT NULL, record_id TEXT NOT NULL,
                 state TEXT NOT NULL CHECK (state IN ('live', 'deleted', 'appended')),
                 hlc TEXT, change_id TEXT, body TEXT,
                 PRIMARY KEY (entity, record_id)
             ) STRICT, WITHOUT ROWID;
             ALTER TABLE sync_records ADD COLUMN packed BLOB;",
        )
        .unwrap();
        conn
    }

    #[test]
    fn bodies_of_both_json_formats_are_read_and_rewritten_packed() {
        let node = Uuid::from_u128(7);
        let (h1, h2) = (
            HlcTimestamp {
                wall_ms: 1_767_225_600_000,
                counter: 0,
                node,
            },
            HlcTimestamp {
                wall_ms: 1_767_225_600_500,
                counter: 1,
                node,
            },
        );
        let (c1, c2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let first_format = json!({
            "head_name": {"v": "김영수", "h": h1.encode(), "c": c1},
            "phone": {"v": null, "h": h1.encode(), "c": c1},
            "crisis_level": {"v": 5, "h": h2.encode(), "c": c2},
        })
        .to_string();
        let second_format = json!({
            "s": [[h1.encode(), c1], [h2.encode(), c2]],
            "f": {"head_name": ["김영수", 0], "phone": [null, 0], "crisis_level": [5, 1]},
        })
        .to_string();
        let households = spec("households").unwrap();
        let conn = table();
        let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(11));
        for (id, body) in [(a, &first_format), (b, &second_format)] {
            conn.execute(
                "INSERT INTO sync_records (entity, record_id, state, body)
                 VALUES ('households', ?1, 'live', ?2)",
                params![id.to_string(), body],
            )
            .unwrap();
        }
        let old = load(&conn, households, a).unwrap().unwrap();
        assert_eq!(load(&conn, households, b).unwrap().unwrap(), old);
        let RecordState::Live { fields } = &old else {
            panic!("live");
        };
        assert_eq!(fields["crisis_level"].hlc, h2);
        assert_eq!(fields["phone"].change_id, c1);
        // Written again, the record is packed, its JSON columns cleared, and reads the same.
        store(&conn, households, a, &old).unwrap();
        let (body, packed_len): (Option<String>, i64) = conn
            .query_row(
                "SELECT body, length(packed) FROM sync_records WHERE record_id = ?1",
                [a.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(body, None);
        assert!(
            (packed_len as usize) < second_format.len() / 2,
            "{packed_len}"
        );
        assert_eq!(load(&conn, households, a).unwrap().unwrap(), old);
        // A version index that points nowhere is a storage error, not a panic.
        let broken = json!({"s": [[h1.encode(), c1]], "f": {"phone": [null, 3]}}).to_string();
        assert_eq!(
            decode_json("live", None, None, Some(broken))
                .unwrap_err()
                .kind,
            crate::ErrorCode::Storage
        );
        // A packed body of another state than the row names is refused.
        conn.execute(
            "UPDATE sync_records SET state = 'deleted' WHERE record_id = ?1",
            [a.to_string()],
        )
        .unwrap();
        assert_eq!(
            load(&conn, households, a).unwrap_err().kind,
            crate::ErrorCode::Storage
        );
    }
}
