//! A snapshot record on the wire: one flat JSON object (docs/sync.md "Snapshot").
//!
//! ```text
//! {"entity", "record_id", "state": "live",     "versions": [{hlc, change_id, fields}]}
//! {"entity", "record_id", "state": "deleted",  "hlc", "change_id"}
//! {"entity", "record_id", "state": "appended", "record", "hlc", "change_id"}
//! ```
//!
//! Written by hand rather than with `#[serde(flatten)]` over an internally tagged enum: serde
//! buffers every flattened object whole into an intermediate tree before reading it, which was a
//! fifth of a phone's first sync. Keys may come in any order; an unknown key, a key twice, or a key
//! of another state is refused, as the derived form refused them.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::{SnapshotRecord, SnapshotState, Version};
use crate::sync::change::Fields;
use crate::sync::hlc::HlcTimestamp;

impl<V: Serialize> Serialize for SnapshotRecord<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("entity", &self.entity)?;
        m.serialize_entry("record_id", &self.record_id)?;
        match &self.state {
            SnapshotState::Live { versions } => {
                m.serialize_entry("state", "live")?;
                m.serialize_entry("versions", versions)?;
            }
            SnapshotState::Deleted { hlc, change_id } => {
                m.serialize_entry("state", "deleted")?;
                m.serialize_entry("hlc", hlc)?;
                m.serialize_entry("change_id", change_id)?;
            }
            SnapshotState::Appended {
                record,
                hlc,
                change_id,
            } => {
                m.serialize_entry("state", "appended")?;
                m.serialize_entry("record", record)?;
                m.serialize_entry("hlc", hlc)?;
                m.serialize_entry("change_id", change_id)?;
            }
        }
        m.end()
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    Entity,
    RecordId,
    State,
    Versions,
    Hlc,
    ChangeId,
    Record,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tag {
    Live,
    Deleted,
    Appended,
}

impl<'de> Deserialize<'de> for SnapshotRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

/// Sets a key once; a second occurrence is refused.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::duplicate_field(key));
    }
    Ok(())
}

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = SnapshotRecord;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a snapshot record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SnapshotRecord, A::Error> {
        let mut entity: Option<String> = None;
        let mut record_id: Option<Uuid> = None;
        let mut tag: Option<Tag> = None;
        let mut versions: Option<Vec<Version>> = None;
        let mut hlc: Option<HlcTimestamp> = None;
        let mut change_id: Option<Uuid> = None;
        let mut record: Option<Fields> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Entity => once(&mut entity, map.next_value()?, "entity")?,
                Key::RecordId => once(&mut record_id, map.next_value()?, "record_id")?,
                Key::State => once(&mut tag, map.next_value()?, "state")?,
                Key::Versions => once(&mut versions, map.next_value()?, "versions")?,
                Key::Hlc => once(&mut hlc, map.next_value()?, "hlc")?,
                Key::ChangeId => once(&mut change_id, map.next_value()?, "change_id")?,
                Key::Record => once(&mut record, map.next_value()?, "record")?,
            }
        }
        let entity = entity.ok_or_else(|| de::Error::missing_field("entity"))?;
        let record_id = record_id.ok_or_else(|| de::Error::missing_field("record_id"))?;
        let tag = tag.ok_or_else(|| de::Error::missing_field("state"))?;
        let foreign = |present: bool, key: &'static str, state: &str| -> Result<(), A::Error> {
            if present {
                return Err(de::Error::custom(format!(
                    "unknown field `{key}` in a `{state}` snapshot record"
                )));
            }
            Ok(())
        };
        let state = match tag {
            Tag::Live => {
                foreign(hlc.is_some(), "hlc", "live")?;
                foreign(change_id.is_some(), "change_id", "live")?;
                foreign(record.is_some(), "record", "live")?;
                SnapshotState::Live {
                    versions: versions.ok_or_else(|| de::Error::missing_field("versions"))?,
                }
            }
            Tag::Deleted => {
                foreign(versions.is_some(), "versions", "deleted")?;
                foreign(record.is_some(), "record", "deleted")?;
                SnapshotState::Deleted {
                    hlc: hlc.ok_or_else(|| de::Error::missing_field("hlc"))?,
                    change_id: change_id.ok_or_else(|| de::Error::missing_field("change_id"))?,
                }
            }
            Tag::Appended => {
                foreign(versions.is_some(), "versions", "appended")?;
                SnapshotState::Appended {
                    record: record.ok_or_else(|| de::Error::missing_field("record"))?,
                    hlc: hlc.ok_or_else(|| de::Error::missing_field("hlc"))?,
                    change_id: change_id.ok_or_else(|| de::Error::missing_field("change_id"))?,
                }
            }
        };
        Ok(SnapshotRecord {
            entity,
            record_id,
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn stamp() -> HlcTimestamp {
        HlcTimestamp {
            wall_ms: 1_700_000_000_000,
            counter: 2,
            node: Uuid::from_u128(7),
        }
    }

    fn records() -> Vec<SnapshotRecord> {
        let mut fields = Fields::new();
        fields.insert("name".into(), json!("김하나"));
        let id = Uuid::from_u128(1);
        let cid = Uuid::from_u128(2);
        vec![
            SnapshotRecord {
                entity: "persons".into(),
                record_id: id,
                state: SnapshotState::Live {
                    versions: vec![Version {
                        hlc: stamp(),
                        change_id: cid,
                        fields: fields.clone(),
                    }],
                },
            },
            SnapshotRecord {
                entity: "visits".into(),
                record_id: id,
                state: SnapshotState::Deleted {
                    hlc: stamp(),
                    change_id: cid,
                },
            },
            SnapshotRecord {
                entity: "wellness_checks".into(),
                record_id: id,
                state: SnapshotState::Appended {
                    record: fields,
                    hlc: stamp(),
                    change_id: cid,
                },
            },
        ]
    }

    #[test]
    fn every_state_reads_back_as_written_and_keeps_its_wire_keys() {
        for rec in records() {
            let text = serde_json::to_string(&rec).unwrap();
            let back: SnapshotRecord = serde_json::from_str(&text).unwrap();
            assert_eq!(back, rec);
            let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&text)
                .unwrap()
                .keys()
                .cloned()
                .collect();
            let want: &[&str] = match rec.state {
                SnapshotState::Live { .. } => &["entity", "record_id", "state", "versions"],
                SnapshotState::Deleted { .. } => {
                    &["entity", "record_id", "state", "hlc", "change_id"]
                }
                SnapshotState::Appended { .. } => {
                    &["entity", "record_id", "state", "record", "hlc", "change_id"]
                }
            };
            let mut want: Vec<String> = want.iter().map(|k| k.to_string()).collect();
            want.sort();
            let mut keys = keys;
            keys.sort();
            assert_eq!(keys, want);
        }
    }

    #[test]
    fn keys_in_any_order_are_read() {
        let rec = &records()[1];
        let text = format!(
            r#"{{"change_id":"{}","hlc":{},"state":"deleted","record_id":"{}","entity":"visits"}}"#,
            Uuid::from_u128(2),
            serde_json::to_string(&stamp()).unwrap(),
            Uuid::from_u128(1)
        );
        assert_eq!(&serde_json::from_str::<SnapshotRecord>(&text).unwrap(), rec);
    }

    #[test]
    fn unknown_repeated_missing_or_foreign_keys_are_refused() {
        let good = serde_json::to_value(&records()[1]).unwrap();
        let with = |k: &str, v: Value| {
            let mut o = good.clone();
            o.as_object_mut().unwrap().insert(k.into(), v);
            o.to_string()
        };
        let without = |k: &str| {
            let mut o = good.clone();
            o.as_object_mut().unwrap().remove(k);
            o.to_string()
        };
        let refused = |text: String| serde_json::from_str::<SnapshotRecord>(&text).is_err();
        assert!(refused(with("extra", json!(1))), "unknown key");
        assert!(
            refused(with("versions", json!([]))),
            "a live key on a tombstone"
        );
        assert!(
            refused(with("record", json!({}))),
            "an appended key on a tombstone"
        );
        assert!(refused(with("state", json!("frozen"))), "unknown state");
        for k in ["entity", "record_id", "state", "hlc", "change_id"] {
            assert!(refused(without(k)), "missing {k}");
        }
        let text = good.to_string();
        let twice = text.replacen("{", r#"{"entity":"persons","#, 1);
        assert!(refused(twice), "a key twice");
        let live = serde_json::to_value(&records()[0]).unwrap();
        let mut o = live.clone();
        o.as_object_mut()
            .unwrap()
            .insert("hlc".into(), json!(stamp()));
        assert!(refused(o.to_string()), "a tombstone's key on a live record");
    }
}
