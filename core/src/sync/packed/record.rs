//! A stored record's packed state read in place (스냅숏 직렬화): the server's snapshot page is written
//! from it straight into the page's JSON, each value copied from its stored text, with no tree of
//! fields, no string per name and nothing to free in between (docs/sync.md "Costs": building and
//! dropping those trees was a third of the server's time in a first sync).
//!
//! What it writes is exactly the wire form of [`crate::sync::SnapshotRecord`] for
//! `SnapshotState::of(&unpack(..))` of the same bytes (versions in stamp order, fields in name order;
//! asserted by the tests below and the snapshot property test), so a device cannot tell the two
//! paths apart.

use std::borrow::Cow;
use std::io::Write;

use serde_json::value::RawValue;
use uuid::Uuid;

use super::{agrees, body_of, corrupt, name_of_packed, stamp, Body, Name};
use crate::sync::{EntitySpec, HlcTimestamp};
use crate::CoreResult;

/// A record's packed state, checked (layout, state name, field numbers, no field twice, every
/// value JSON) and borrowed from the bytes a store read.
#[derive(Debug)]
pub struct PackedRecord<'a> {
    spec: &'static EntitySpec,
    shape: Shape<'a>,
}

#[derive(Debug)]
enum Shape<'a> {
    /// Fields in (stamp, change id, name) order: one version's fields together, as the wire
    /// groups them.
    Live(Vec<Field<'a>>),
    Deleted(HlcTimestamp, Uuid),
    /// Fields in name order (their stamp is the record's).
    Appended(HlcTimestamp, Uuid, Vec<Field<'a>>),
}

#[derive(Debug)]
struct Field<'a> {
    hlc: HlcTimestamp,
    change_id: Uuid,
    name: Cow<'a, str>,
    value: &'a str,
}

/// The fields named once each, sorted by name then stable-sorted by version (so each version's
/// fields stay in name order).
fn ordered(mut fields: Vec<Field<'_>>, by_version: bool) -> CoreResult<Vec<Field<'_>>> {
    fields.sort_by(|a, b| a.name.cmp(&b.name));
    if fields.windows(2).any(|w| w[0].name == w[1].name) {
        return Err(corrupt("a field twice"));
    }
    if by_version {
        fields.sort_by_key(|f| (f.hlc, f.change_id));
    }
    for f in &fields {
        // Checked, not parsed into a tree: the page sends the text as it is stored.
        serde_json::from_str::<&RawValue>(f.value).map_err(corrupt)?;
    }
    Ok(fields)
}

impl<'a> PackedRecord<'a> {
    /// Reads a stored state: the state name stored beside the bytes must agree with them.
    pub fn read(
        spec: &'static EntitySpec,
        stored_as: &str,
        bytes: &'a [u8],
    ) -> CoreResult<PackedRecord<'a>> {
        let field = |name: &Name<&'a str>, version: (HlcTimestamp, Uuid), value: &'a str| {
            Ok::<_, crate::CoreError>(Field {
                hlc: version.0,
                change_id: version.1,
                name: name_of_packed(spec, name)?,
                value,
            })
        };
        let shape = match body_of(bytes)? {
            Body::Live { versions, fields } => {
                let fields = fields
                    .iter()
                    .map(|(name, i, value)| {
                        let at = versions
                            .get(*i as usize)
                            .copied()
                            .ok_or_else(|| corrupt(format!("field {name:?}: no version {i}")))?;
                        field(name, stamp(at), value)
                    })
                    .collect::<CoreResult<Vec<_>>>()?;
                Shape::Live(ordered(fields, true)?)
            }
            Body::Deleted { version } => {
                let (hlc, change_id) = stamp(version);
                Shape::Deleted(hlc, change_id)
            }
            Body::Appended { version, record } => {
                let (hlc, change_id) = stamp(version);
                let fields = record
                    .iter()
                    .map(|(name, value)| field(name, (hlc, change_id), value))
                    .collect::<CoreResult<Vec<_>>>()?;
                Shape::Appended(hlc, change_id, ordered(fields, false)?)
            }
        };
        let held = PackedRecord { spec, shape };
        agrees(spec, stored_as, held.state_name())?;
        Ok(held)
    }

    /// The entity the record belongs to.
    pub fn entity(&self) -> &'static str {
        self.spec.name
    }

    pub fn state_name(&self) -> &'static str {
        match self.shape {
            Shape::Live(_) => "live",
            Shape::Deleted(..) => "deleted",
            Shape::Appended(..) => "appended",
        }
    }

    /// A field's value in its stored JSON text (`None`: no such field, or a tombstone).
    pub fn field(&self, name: &str) -> Option<&'a str> {
        match &self.shape {
            Shape::Live(fields) | Shape::Appended(_, _, fields) => {
                fields.iter().find(|f| f.name == name).map(|f| f.value)
            }
            Shape::Deleted(..) => None,
        }
    }

    /// Writes the record's snapshot entry with only the fields `keep` admits. Returns `false`, and
    /// writes nothing, when a live record had fields and `keep` admits none of them (there is
    /// nothing of it the reader may hold); a version none of whose fields is kept is left out.
    pub fn write_snapshot(
        &self,
        record_id: Uuid,
        keep: impl Fn(&str) -> bool,
        out: &mut Vec<u8>,
    ) -> CoreResult<bool> {
        let kept: Vec<&Field<'a>> = match &self.shape {
            Shape::Live(fields) | Shape::Appended(_, _, fields) => {
                fields.iter().filter(|f| keep(&f.name)).collect()
            }
            Shape::Deleted(..) => Vec::new(),
        };
        if matches!(&self.shape, Shape::Live(fields) if !fields.is_empty() && kept.is_empty()) {
            return Ok(false);
        }
        let start = out.len();
        let written = self.write(record_id, &kept, out);
        if written.is_err() {
            out.truncate(start);
        }
        written.map(|()| true)
    }

    fn write(&self, record_id: Uuid, kept: &[&Field<'a>], out: &mut Vec<u8>) -> CoreResult<()> {
        out.extend_from_slice(b"{\"entity\":");
        serde_json::to_writer(&mut *out, self.spec.name).map_err(corrupt)?;
        write!(
            out,
            ",\"record_id\":\"{}\",\"state\":",
            record_id.hyphenated()
        )
        .map_err(corrupt)?;
        match &self.shape {
            Shape::Live(_) => {
                out.extend_from_slice(b"\"live\",\"versions\":[");
                let mut last: Option<(HlcTimestamp, Uuid)> = None;
                for f in kept {
                    let version = (f.hlc, f.change_id);
                    if last == Some(version) {
                        out.push(b',');
                    } else {
                        if last.is_some() {
                            out.extend_from_slice(b"}},");
                        }
                        write!(
                            out,
                            "{{\"hlc\":\"{}\",\"change_id\":\"{}\",\"fields\":{{",
                            f.hlc,
                            f.change_id.hyphenated()
                        )
                        .map_err(corrupt)?;
                        last = Some(version);
                    }
                    write_entry(out, f)?;
                }
                if last.is_some() {
                    out.extend_from_slice(b"}}");
                }
                out.extend_from_slice(b"]}");
            }
            Shape::Deleted(hlc, change_id) => {
                write!(
                    out,
                    "\"deleted\",\"hlc\":\"{hlc}\",\"change_id\":\"{}\"}}",
                    change_id.hyphenated()
                )
                .map_err(corrupt)?;
            }
            Shape::Appended(hlc, change_id, _) => {
                out.extend_from_slice(b"\"appended\",\"record\":{");
                for (n, f) in kept.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    write_entry(out, f)?;
                }
                write!(
                    out,
                    "}},\"hlc\":\"{hlc}\",\"change_id\":\"{}\"}}",
                    change_id.hyphenated()
                )
                .map_err(corrupt)?;
            }
        }
        Ok(())
    }
}

fn write_entry(out: &mut Vec<u8>, f: &Field<'_>) -> CoreResult<()> {
    serde_json::to_writer(&mut *out, f.name.as_ref()).map_err(corrupt)?;
    out.push(b':');
    out.extend_from_slice(f.value.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::super::tests::{live, stamp_at};
    use super::*;
    use crate::sync::packed::{pack, unpack};
    use crate::sync::replica::RecordState;
    use crate::sync::{entity, SnapshotRecord, SnapshotState};

    /// What the device-side form of the same bytes encodes to, with `keep`'s fields only.
    fn reference(
        spec: &'static EntitySpec,
        id: Uuid,
        bytes: &[u8],
        keep: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let mut state = SnapshotState::of(&unpack(spec, bytes).unwrap());
        match &mut state {
            SnapshotState::Live { versions } => {
                let had = versions.iter().any(|v| !v.fields.is_empty());
                for v in versions.iter_mut() {
                    v.fields.retain(|k, _| keep(k));
                }
                versions.retain(|v| !v.fields.is_empty());
                if had && versions.is_empty() {
                    return None;
                }
            }
            SnapshotState::Appended { record, .. } => record.retain(|k, _| keep(k)),
            SnapshotState::Deleted { .. } => {}
        }
        let rec = SnapshotRecord {
            entity: spec.name.to_owned(),
            record_id: id,
            state,
        };
        Some(serde_json::to_string(&rec).unwrap())
    }

    #[test]
    fn a_record_is_written_as_the_device_form_encodes_whatever_the_fields_kept() {
        let visits = entity("visits").unwrap();
        let workers = entity("visit_workers").unwrap();
        let checks = entity("wellness_checks").unwrap();
        let worker = Uuid::from_u128(42).to_string();
        let cases = [
            (
                visits,
                live(&[
                    ("status", json!("completed"), 3),
                    ("note", json!("문 앞에서 만남 \"괜찮다\"\n"), 3),
                    ("window_start", json!(1_767_225_600_000_i64), 1),
                    ("purpose", json!({"a": [1, 2.5, null]}), 1),
                    ("not \"in\" the list", json!(null), 2),
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
                visits,
                RecordState::Live {
                    fields: BTreeMap::new(),
                },
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
        type Keep = fn(&str) -> bool;
        let filters: [(&str, Keep); 4] = [
            ("all", |_| true),
            ("none", |_| false),
            ("status only", |n| n == "status"),
            ("all but status", |n| n != "status"),
        ];
        let id = Uuid::from_u128(5);
        for (spec, state) in &cases {
            let bytes = pack(spec, state).unwrap();
            let held =
                PackedRecord::read(spec, crate::sync::packed::state_name(state), &bytes).unwrap();
            for (what, keep) in filters {
                let mut out = b"[".to_vec();
                let written = held.write_snapshot(id, keep, &mut out).unwrap();
                let expected = reference(spec, id, &bytes, keep);
                assert_eq!(written, expected.is_some(), "{} {what}", spec.name);
                let text = String::from_utf8(out[1..].to_vec()).unwrap();
                assert_eq!(text, expected.unwrap_or_default(), "{} {what}", spec.name);
            }
        }
        let check = PackedRecord::read(visits, "live", &pack(visits, &cases[0].1).unwrap())
            .map(|r| r.field("status").map(str::to_owned))
            .unwrap();
        assert_eq!(check.as_deref(), Some("\"completed\""));
    }

    #[test]
    fn bytes_that_do_not_hold_a_valid_state_are_a_storage_error() {
        let visits = entity("visits").unwrap();
        let good = pack(visits, &live(&[("status", json!("planned"), 1)])).unwrap();
        let bytes_of = |body: Body| {
            let mut bytes = vec![super::super::LAYOUT];
            postcard::to_io(&body, &mut bytes).unwrap();
            bytes
        };
        let version = (1, 0, Uuid::nil(), Uuid::nil());
        let broken = [
            good[..good.len() - 2].to_vec(),
            bytes_of(Body::Live {
                versions: vec![version],
                fields: vec![(Name::Listed(999), 0, "1".into())],
            }),
            bytes_of(Body::Live {
                versions: vec![version],
                fields: vec![(Name::Listed(0), 1, "1".into())],
            }),
            bytes_of(Body::Live {
                versions: vec![version, (2, 0, Uuid::nil(), Uuid::nil())],
                fields: vec![
                    (Name::Listed(0), 0, "1".into()),
                    (Name::Listed(0), 1, "2".into()),
                ],
            }),
            bytes_of(Body::Live {
                versions: vec![version],
                fields: vec![(Name::Listed(0), 0, "{not json".into())],
            }),
        ];
        for bytes in &broken {
            let err = PackedRecord::read(visits, "live", bytes).unwrap_err();
            assert_eq!(err.kind, crate::ErrorCode::Storage, "{bytes:?}");
        }
        let err = PackedRecord::read(visits, "deleted", &good).unwrap_err();
        assert_eq!(err.kind, crate::ErrorCode::Storage);
    }
}
