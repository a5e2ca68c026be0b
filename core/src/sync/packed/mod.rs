//! A record's merge state in binary (압축 병합 상태): what the phone's file (`sync_records.packed`,
//! docs/store.md "Merge state on disk") and the server's database (`merged_records.packed`) hold
//! for each synced record.
//!
//! JSON spelled each stamp as 50 characters and each change id as 36, and every field's name, in
//! every record: over half of a 동's phone file was merge state (80 MB file, 31 MB of rows,
//! docs/sync.md "Costs"), and the server read a row per field. Here a stamp and its change id are
//! 42 bytes at most (variable-length integers and raw ids, postcard), a field named in its entity's
//! field list one or two bytes, a worker id used as a field name 16, and a value stays its JSON
//! text. One record is one value: one read and one write per change, whatever its fields.
//!
//! The layout starts with a version byte, so a later layout can be told apart; bytes that do not
//! decode are a storage error, never a panic.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::sync::entity::FieldSet;
use crate::sync::replica::{FieldVersion, RecordState};
use crate::sync::{EntitySpec, Fields, HlcTimestamp};
use crate::{CoreError, CoreResult};

mod record;

pub use record::PackedRecord;

/// The first byte of every packed body.
const LAYOUT: u8 = 1;

/// A stamp and the change id it came with: (wall_ms, counter, node, change id).
type Version = (u64, u16, Uuid, Uuid);

/// A field's name: its place in the entity's field list, a record id (a visit's assigned workers
/// are fields named by worker id), or, for a name neither covers, the name itself.
/// `S` is how text is held: owned when packing, borrowed from the bytes when reading (a snapshot
/// page reads thousands of records and copies none of their text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Name<S = String> {
    Listed(u16),
    Id(Uuid),
    Text(S),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Body<S = String> {
    /// Each change that still sets a field once; each field's name, its change (an index into
    /// `versions`) and its value as JSON text.
    Live {
        versions: Vec<Version>,
        fields: Vec<(Name<S>, u32, S)>,
    },
    Deleted {
        version: Version,
    },
    Appended {
        version: Version,
        record: Vec<(Name<S>, S)>,
    },
}

fn corrupt(what: impl std::fmt::Display) -> CoreError {
    CoreError::storage(format!("packed merge state: {what}"))
}

fn listed(spec: &EntitySpec) -> &'static [&'static str] {
    match spec.fields {
        FieldSet::Named(names) | FieldSet::Document(names) => names,
        FieldSet::WorkerIds => &[],
    }
}

fn name_of(spec: &EntitySpec, name: &str) -> Name {
    if let Some(i) = listed(spec).iter().position(|n| *n == name) {
        if let Ok(i) = u16::try_from(i) {
            return Name::Listed(i);
        }
    }
    // Only the canonical spelling is packed as an id: it must read back as the same text.
    match Uuid::try_parse(name) {
        Ok(id) if id.to_string() == name => Name::Id(id),
        _ => Name::Text(name.to_owned()),
    }
}

/// A field's name as text: borrowed where the entity's list or the bytes hold it.
fn name_of_packed<'a>(spec: &EntitySpec, name: &Name<&'a str>) -> CoreResult<Cow<'a, str>> {
    Ok(match *name {
        Name::Listed(i) => Cow::Borrowed(
            *listed(spec)
                .get(usize::from(i))
                .ok_or_else(|| corrupt(format!("{}: no field number {i}", spec.name)))?,
        ),
        Name::Id(id) => Cow::Owned(id.to_string()),
        Name::Text(s) => Cow::Borrowed(s),
    })
}

fn name_text(spec: &EntitySpec, name: Name<&str>) -> CoreResult<String> {
    name_of_packed(spec, &name).map(Cow::into_owned)
}

fn version(hlc: &HlcTimestamp, change_id: Uuid) -> Version {
    (hlc.wall_ms, hlc.counter, hlc.node, change_id)
}

fn stamp((wall_ms, counter, node, change_id): Version) -> (HlcTimestamp, Uuid) {
    (
        HlcTimestamp {
            wall_ms,
            counter,
            node,
        },
        change_id,
    )
}

fn value_text(v: &serde_json::Value) -> String {
    v.to_string()
}

fn value_of(text: &str) -> CoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(corrupt)
}

fn record_of(spec: &EntitySpec, record: &Fields) -> Vec<(Name, String)> {
    record
        .iter()
        .map(|(k, v)| (name_of(spec, k), value_text(v)))
        .collect()
}

/// A record's merge state as packed bytes.
pub fn pack(spec: &EntitySpec, state: &RecordState) -> CoreResult<Vec<u8>> {
    let body = match state {
        RecordState::Live { fields } => {
            let mut versions: Vec<Version> = Vec::new();
            let mut packed = Vec::with_capacity(fields.len());
            for (name, v) in fields {
                let key = version(&v.hlc, v.change_id);
                let i = match versions.iter().position(|k| *k == key) {
                    Some(i) => i,
                    None => {
                        versions.push(key);
                        versions.len() - 1
                    }
                };
                let i = u32::try_from(i).map_err(corrupt)?;
                packed.push((name_of(spec, name), i, value_text(&v.value)));
            }
            Body::Live {
                versions,
                fields: packed,
            }
        }
        RecordState::Deleted { hlc, change_id } => Body::Deleted {
            version: version(hlc, *change_id),
        },
        RecordState::Appended {
            record,
            hlc,
            change_id,
        } => Body::Appended {
            version: version(hlc, *change_id),
            record: record_of(spec, record),
        },
    };
    let mut out = vec![LAYOUT];
    postcard::to_io(&body, &mut out).map_err(corrupt)?;
    Ok(out)
}

/// The body packed bytes hold, its text borrowed from them, checked for its layout byte and for
/// trailing bytes.
fn body_of(bytes: &[u8]) -> CoreResult<Body<&str>> {
    let Some((&layout, rest)) = bytes.split_first() else {
        return Err(corrupt("empty"));
    };
    if layout != LAYOUT {
        return Err(corrupt(format!("unknown layout {layout}")));
    }
    let (body, left): (Body<&str>, &[u8]) = postcard::take_from_bytes(rest).map_err(corrupt)?;
    if !left.is_empty() {
        return Err(corrupt(format!("{} bytes after the body", left.len())));
    }
    Ok(body)
}

fn version_at(versions: &[Version], i: u32, name: &str) -> CoreResult<Version> {
    versions
        .get(i as usize)
        .copied()
        .ok_or_else(|| corrupt(format!("field {name}: no version {i}")))
}

fn appended_record(spec: &EntitySpec, record: Vec<(Name<&str>, &str)>) -> CoreResult<Fields> {
    let mut fields = Fields::new();
    for (name, value) in record {
        let name = name_text(spec, name)?;
        if fields.insert(name, value_of(value)?).is_some() {
            return Err(corrupt("a field twice"));
        }
    }
    Ok(fields)
}

/// The merge state packed bytes hold.
pub fn unpack(spec: &EntitySpec, bytes: &[u8]) -> CoreResult<RecordState> {
    Ok(match body_of(bytes)? {
        Body::Live { versions, fields } => {
            let mut out = std::collections::BTreeMap::new();
            for (name, i, value) in fields {
                let name = name_text(spec, name)?;
                let (hlc, change_id) = stamp(version_at(&versions, i, &name)?);
                let field = FieldVersion {
                    value: value_of(value)?,
                    hlc,
                    change_id,
                };
                if out.insert(name, field).is_some() {
                    return Err(corrupt("a field twice"));
                }
            }
            RecordState::Live { fields: out }
        }
        Body::Deleted { version } => {
            let (hlc, change_id) = stamp(version);
            RecordState::Deleted { hlc, change_id }
        }
        Body::Appended { version, record } => {
            let (hlc, change_id) = stamp(version);
            RecordState::Appended {
                record: appended_record(spec, record)?,
                hlc,
                change_id,
            }
        }
    })
}

/// A stored state: its packed bytes and the state name stored beside them (`live`, `deleted`,
/// `appended`, a column queries filter on), which must agree.
pub fn unpack_stored(spec: &EntitySpec, state: &str, bytes: &[u8]) -> CoreResult<RecordState> {
    let held = unpack(spec, bytes)?;
    agrees(spec, state, state_name(&held))?;
    Ok(held)
}

fn agrees(spec: &EntitySpec, stored_as: &str, holds: &str) -> CoreResult<()> {
    if stored_as != holds {
        return Err(corrupt(format!(
            "{} stored as {stored_as:?} holds a {holds} state",
            spec.name
        )));
    }
    Ok(())
}

/// A record's state as a store read it — its `state` column and its packed bytes — not decoded
/// yet ([`PackedRecord::read`] reads it in place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredState {
    pub state: String,
    pub packed: Vec<u8>,
}

impl StoredState {
    pub fn read(&self, spec: &'static EntitySpec) -> CoreResult<PackedRecord<'_>> {
        PackedRecord::read(spec, &self.state, &self.packed)
    }
}

/// The state's name as the stores' `state` columns spell it.
pub fn state_name(state: &RecordState) -> &'static str {
    match state {
        RecordState::Live { .. } => "live",
        RecordState::Deleted { .. } => "deleted",
        RecordState::Appended { .. } => "appended",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sync::entity;
    use crate::sync::snapshot;

    pub(super) fn stamp_at(ms: u64, counter: u16) -> HlcTimestamp {
        HlcTimestamp {
            wall_ms: ms,
            counter,
            node: Uuid::from_u128(0xabc),
        }
    }

    pub(super) fn live(fields: &[(&str, serde_json::Value, u64)]) -> RecordState {
        RecordState::Live {
            fields: fields
                .iter()
                .map(|(k, v, ms)| {
                    (
                        (*k).to_owned(),
                        FieldVersion {
                            value: v.clone(),
                            hlc: stamp_at(*ms, 1),
                            change_id: Uuid::from_u128(u128::from(*ms)),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn every_state_reads_back_as_it_was_and_is_smaller_than_its_json() {
        let visits = entity("visits").unwrap();
        let workers = entity("visit_workers").unwrap();
        let checks = entity("wellness_checks").unwrap();
        let worker = Uuid::from_u128(42).to_string();
        let cases = [
            (
                visits,
                live(&[
                    ("status", json!("completed"), 3),
                    ("note", json!("문 앞에서 만남 \"괜찮다\""), 3),
                    ("window_start", json!(1_767_225_600_000_i64), 1),
                    ("purpose", json!("regular"), 1),
                    ("not_in_the_list", json!(null), 2),
                ]),
            ),
            (
                workers,
                live(&[
                    (worker.as_str(), json!(true), 5),
                    ("Not-A-Uuid", json!(false), 6),
                ]),
            ),
            (
                checks,
                RecordState::Appended {
                    record: [("household_id", json!(worker)), ("checked_at", json!(17))]
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                    hlc: stamp_at(9, 0),
                    change_id: Uuid::from_u128(9),
                },
            ),
            (
                visits,
                RecordState::Deleted {
                    hlc: stamp_at(11, 2),
                    change_id: Uuid::from_u128(11),
                },
            ),
        ];
        for (spec, state) in cases {
            let bytes = pack(spec, &state).unwrap();
            assert_eq!(unpack(spec, &bytes).unwrap(), state, "{}", spec.name);
            // Written from its JSON text, a record goes on the wire exactly as the parsed form does.
            let id = Uuid::from_u128(5);
            let mut written = Vec::new();
            PackedRecord::read(spec, state_name(&state), &bytes)
                .unwrap()
                .write_snapshot(id, |_| true, &mut written)
                .unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(&snapshot::SnapshotRecord::of(spec.name, id, &state))
                    .unwrap()
            );
            let json = serde_json::to_string(&state).unwrap();
            assert!(
                bytes.len() * 2 < json.len(),
                "{} vs {}",
                bytes.len(),
                json.len()
            );
        }
    }

    #[test]
    fn a_body_that_does_not_decode_is_a_storage_error() {
        let visits = entity("visits").unwrap();
        let state = live(&[("status", json!("planned"), 1)]);
        let good = pack(visits, &state).unwrap();
        let mut unknown_layout = good.clone();
        unknown_layout[0] = 9;
        let mut trailing = good.clone();
        trailing.push(0);
        let broken: [&[u8]; 4] = [&[], &unknown_layout, &good[..good.len() - 2], &trailing];
        for bytes in broken {
            let err = unpack(visits, bytes).unwrap_err();
            assert_eq!(err.kind, crate::ErrorCode::Storage, "{bytes:?}");
            let err = PackedRecord::read(visits, "live", bytes).unwrap_err();
            assert_eq!(err.kind, crate::ErrorCode::Storage, "{bytes:?}");
        }
        let bytes_of = |body: Body| {
            let mut bytes = vec![LAYOUT];
            postcard::to_io(&body, &mut bytes).unwrap();
            bytes
        };
        let refused = |bytes: &[u8]| {
            assert_eq!(
                unpack(visits, bytes).unwrap_err().kind,
                crate::ErrorCode::Storage
            );
            assert_eq!(
                PackedRecord::read(visits, "live", bytes).unwrap_err().kind,
                crate::ErrorCode::Storage
            );
        };
        // A field number beyond the entity's list.
        refused(&bytes_of(Body::Live {
            versions: vec![version(&stamp_at(1, 0), Uuid::nil())],
            fields: vec![(Name::Listed(999), 0, "1".into())],
        }));
        // A field named twice, under two versions.
        refused(&bytes_of(Body::Live {
            versions: vec![
                version(&stamp_at(1, 0), Uuid::nil()),
                version(&stamp_at(2, 0), Uuid::nil()),
            ],
            fields: vec![
                (Name::Listed(0), 0, "1".into()),
                (Name::Listed(0), 1, "2".into()),
            ],
        }));
        // A stored value that is not JSON (the server's snapshot reads values as text).
        let not_json = bytes_of(Body::Live {
            versions: vec![version(&stamp_at(1, 0), Uuid::nil())],
            fields: vec![(Name::Listed(0), 0, "{not json".into())],
        });
        refused(&not_json);
        assert_eq!(
            PackedRecord::read(visits, "live", &not_json)
                .unwrap_err()
                .kind,
            crate::ErrorCode::Storage
        );
        // A stored state name that disagrees with the bytes.
        let err = PackedRecord::read(visits, "deleted", &good).unwrap_err();
        assert_eq!(err.kind, crate::ErrorCode::Storage);
    }
}
