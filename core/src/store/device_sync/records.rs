//! The merge state of synced records in SQLite (`sync_records`) and [`merge`], which runs
//! [`crate::sync::merge::apply`] against it, as [`crate::sync::Replica::apply`] does in memory.
//!
//! A live mutable record keeps its per-field versions as one JSON object per record (one read and
//! one write per change, whatever the number of fields), each change's stamp and id once; a tombstone and an append-only record keep
//! the stamp and change id of the change kept. Field values are kept here too, not only in the
//! tables: a record can be live without its row (an edit pulled before its create, a field pair that
//! merges into a state a CHECK refuses), and the merge must still hold every field with its stamp.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::sync::merge::{self, Skip};
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

/// A live record's versions as stored: each change that still sets a field once (`s`: stamp and
/// change id), and each field as its value and the index of its change (`f`). A stamp and an id are
/// 88 characters of JSON; a record set by one change holds them once instead of once per field
/// (a 동's phone file went from 227 MB to 80 MB with the snapshot, docs/sync.md "Costs").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Compact {
    s: Vec<(HlcTimestamp, Uuid)>,
    f: BTreeMap<String, (Value, usize)>,
}

impl Compact {
    fn of(fields: &BTreeMap<String, FieldVersion>) -> Compact {
        let mut s: Vec<(HlcTimestamp, Uuid)> = Vec::new();
        let mut f = BTreeMap::new();
        for (name, v) in fields {
            let key = (v.hlc, v.change_id);
            let i = match s.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    s.push(key);
                    s.len() - 1
                }
            };
            f.insert(name.clone(), (v.value.clone(), i));
        }
        Compact { s, f }
    }

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

/// A live record's body, in either format.
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

/// Decodes one `sync_records` row into the reference model's record state.
pub fn decode(
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
pub fn load(conn: &Connection, entity: &str, record_id: Uuid) -> CoreResult<Option<RecordState>> {
    let row = conn
        .prepare_cached(
            "SELECT state, hlc, change_id, body FROM sync_records WHERE entity = ?1 AND record_id = ?2",
        )?
        .query_row(params![entity, record_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    row.map(|(s, h, c, b)| decode(&s, h, c, b)).transpose()
}

/// Writes one record's merge state.
pub fn store(conn: &Connection, entity: &str, record_id: Uuid, st: &RecordState) -> CoreResult<()> {
    let (state, hlc, change_id, body) = match st {
        RecordState::Live { fields } => {
            let body = serde_json::to_string(&Compact::of(fields)).map_err(corrupt)?;
            ("live", None, None, Some(body))
        }
        RecordState::Deleted { hlc, change_id } => (
            "deleted",
            Some(hlc.encode()),
            Some(change_id.to_string()),
            None,
        ),
        RecordState::Appended {
            record,
            hlc,
            change_id,
        } => (
            "appended",
            Some(hlc.encode()),
            Some(change_id.to_string()),
            Some(serde_json::to_string(record).map_err(corrupt)?),
        ),
    };
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sync_records (entity, record_id, state, hlc, change_id, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        entity,
        record_id.to_string(),
        state,
        hlc,
        change_id,
        body
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
    let mut held = load(conn, spec.name, change.record_id)?;
    if let Applied::Unchanged(why) = merge::apply(spec, &mut held, change)? {
        return Ok(Outcome::Unchanged(why));
    }
    let Some(state) = held else {
        return Err(corrupt("a merge that changed a record left no state"));
    };
    store(conn, spec.name, change.record_id, &state)?;
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
    let Some(mut st) = load(conn, entity, record_id)? else {
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
    store(conn, entity, record_id, &st)
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
    let mut st = conn.prepare(
        "SELECT entity, record_id, state, hlc, change_id, body FROM sync_records
          ORDER BY entity, record_id",
    )?;
    let mut rows = st.query([])?;
    let mut out = String::new();
    while let Some(r) = rows.next()? {
        let entity: String = r.get(0)?;
        let id: String = r.get(1)?;
        let state = decode(&r.get::<_, String>(2)?, r.get(3)?, r.get(4)?, r.get(5)?)?;
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

    #[test]
    fn the_compact_body_holds_each_change_once_and_reads_like_the_first_format() {
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
        let old = decode("live", None, None, Some(first_format.clone())).unwrap();
        let RecordState::Live { fields } = &old else {
            panic!("live");
        };
        let compact = serde_json::to_string(&Compact::of(fields)).unwrap();
        assert_eq!(compact.matches(&h1.encode()).count(), 1, "{compact}");
        assert!(compact.len() < first_format.len(), "{compact}");
        assert_eq!(decode("live", None, None, Some(compact)).unwrap(), old);
        // A version index that points nowhere is a storage error, not a panic.
        let broken = json!({"s": [[h1.encode(), c1]], "f": {"phone": [null, 3]}}).to_string();
        assert_eq!(
            decode("live", None, None, Some(broken)).unwrap_err().kind,
            crate::ErrorCode::Storage
        );
    }
}
