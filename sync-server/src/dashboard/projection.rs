//! A queryable projection (조회용 투영) of the merged records the dashboard's figures, plan and
//! incident list read, built in memory from [`ChangeStore::pull`] like the scope index, so it works
//! the same on SQLite and on PostgreSQL with several nodes. Changes are merged by the core's
//! [`Replica`] (the merge every replica uses: the later stamp wins per field, a delete is final), so
//! every node computes the same figures whatever order it read the log in, and a record deleted on a
//! phone never comes back here when an older phone's edit of it arrives later.

use serde_json::Value;
use uuid::Uuid;

use donghaeng_core::sync::replica::{RecordState, Replica};
use donghaeng_core::sync::validate::MAX_PULL_LIMIT;
use donghaeng_core::sync::{Change, Op, ProtocolVersion, PullRequest, SeqChange};
use donghaeng_core::CoreResult;

use crate::store::ChangeStore;

/// Entities the dashboard reads; the rest of the log is skipped (case notes and other bodies are
/// never held here, and of some entities only the fields in `KEPT_ONLY`).
pub const PROJECTED: &[&str] = &[
    "org_units",
    "workers",
    "households",
    "persons",
    "visits",
    "visit_workers",
    "referrals",
    "crisis_reports",
    "incidents",
    // Ids and codes only (`crate::audit`): for the supervisors' view of the audit trail.
    "audit_entries",
    // Items, days and amounts, for the figures (not the free note).
    "service_provisions",
    // When a household was last seen, for today's plan (not the checklist or note).
    "wellness_checks",
    // The cadence table that applies to a 동, for today's plan.
    "config_documents",
];

/// Entities of which the dashboard holds only these fields: it never needs, so never keeps, free
/// text or observations about a person.
const KEPT_ONLY: &[(&str, &[&str])] = &[
    (
        "service_provisions",
        &[
            "household_id",
            "case_id",
            "item",
            "provided_on",
            "quantity",
            "amount_won",
            "recorded_by",
            "corrects",
            "voided",
        ],
    ),
    ("wellness_checks", &["household_id", "checked_at"]),
];

fn kept(entity: &str, field: &str) -> bool {
    KEPT_ONLY
        .iter()
        .find(|(e, _)| *e == entity)
        .is_none_or(|(_, fields)| fields.contains(&field))
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Projection {
    last_seq: u64,
    records: Replica,
}

/// One live record's fields.
pub type Fields<'a> = std::collections::HashMap<&'a str, &'a Value>;

impl Projection {
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Reads the log after what it has seen, page by page.
    pub async fn catch_up(&mut self, store: &dyn ChangeStore, now_ms: i64) -> CoreResult<()> {
        loop {
            let page = store
                .pull(
                    PullRequest {
                        protocol_version: ProtocolVersion::CURRENT,
                        after_seq: self.last_seq,
                        limit: MAX_PULL_LIMIT,
                        resume: None,
                    },
                    now_ms,
                )
                .await?;
            for sc in &page.changes {
                self.apply(sc);
            }
            self.last_seq = self.last_seq.max(page.next_seq);
            if !page.has_more || page.changes.is_empty() {
                return Ok(());
            }
        }
    }

    /// Learns one stored change: the core's merge over the fields the dashboard keeps.
    pub fn apply(&mut self, sc: &SeqChange) {
        let c = &sc.change;
        let Some(entity) = PROJECTED.iter().copied().find(|e| *e == c.entity) else {
            return;
        };
        let keep = |fields: &donghaeng_core::sync::Fields| {
            fields
                .iter()
                .filter(|(k, _)| kept(entity, k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let op = match &c.op {
            Op::Upsert { fields } => Op::Upsert {
                fields: keep(fields),
            },
            Op::Append { record } => Op::Append {
                record: keep(record),
            },
            Op::Delete => Op::Delete,
        };
        let change = Change {
            id: c.id,
            entity: c.entity.clone(),
            record_id: c.record_id,
            op,
            hlc: c.hlc,
            device_id: c.device_id,
        };
        // The log holds only validated changes; one the merge cannot take (an operation that does
        // not fit its entity) is left out of the figures, as every replica leaves it out.
        if let Err(e) = self.records.apply(&change) {
            tracing::warn!(
                code = e.code,
                seq = sc.seq,
                "dashboard projection skipped a change"
            );
        }
    }

    /// The live records of an entity: (id, fields).
    pub fn each(&self, entity: &str) -> impl Iterator<Item = (Uuid, Fields<'_>)> + '_ {
        self.records.present(entity).map(|(id, state)| {
            let fields = match state {
                RecordState::Live { fields } => {
                    fields.iter().map(|(k, v)| (k.as_str(), &v.value)).collect()
                }
                RecordState::Appended { record, .. } => {
                    record.iter().map(|(k, v)| (k.as_str(), v)).collect()
                }
                RecordState::Deleted { .. } => Fields::new(),
            };
            (id, fields)
        })
    }
}

/// A field as a string.
pub fn text<'a>(f: &Fields<'a>, name: &str) -> Option<&'a str> {
    f.get(name).and_then(|v| v.as_str())
}

/// A list of codes as the store syncs it (comma-separated, e.g. `roles`, `required_roles`); unknown
/// codes are left out.
pub fn codes<T: std::str::FromStr>(s: Option<&str>) -> Vec<T> {
    s.unwrap_or("")
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

/// A field as a UUID.
pub fn uuid(f: &Fields<'_>, name: &str) -> Option<Uuid> {
    text(f, name).and_then(|s| Uuid::try_parse(s).ok())
}

/// A field as an integer (times are milliseconds since the epoch).
pub fn int(f: &Fields<'_>, name: &str) -> Option<i64> {
    f.get(name).and_then(|v| v.as_i64())
}

#[cfg(test)]
mod tests {
    use donghaeng_core::sync::{Change, Fields, HlcTimestamp, Op, SeqChange};
    use serde_json::json;
    use uuid::Uuid;

    use super::Projection;

    fn append(seq: u64, entity: &str, record: serde_json::Value) -> SeqChange {
        let record: Fields = serde_json::from_value(record).unwrap();
        SeqChange {
            seq,
            change: Change {
                id: Uuid::now_v7(),
                entity: entity.into(),
                record_id: Uuid::from_u128(u128::from(seq)),
                op: Op::Append { record },
                hlc: HlcTimestamp {
                    wall_ms: 1,
                    counter: 0,
                    node: Uuid::from_u128(9),
                },
                device_id: Uuid::from_u128(9),
            },
        }
    }

    fn change(seq: u64, wall_ms: u64, record: u128, op: Op) -> SeqChange {
        SeqChange {
            seq,
            change: Change {
                id: Uuid::now_v7(),
                entity: "households".into(),
                record_id: Uuid::from_u128(record),
                op,
                hlc: HlcTimestamp {
                    wall_ms,
                    counter: 0,
                    node: Uuid::from_u128(7),
                },
                device_id: Uuid::from_u128(7),
            },
        }
    }

    fn upsert(fields: serde_json::Value) -> Op {
        Op::Upsert {
            fields: serde_json::from_value(fields).unwrap(),
        }
    }

    #[test]
    fn a_delete_is_final_here_as_in_every_replica() {
        let mut p = Projection::default();
        p.apply(&change(
            1,
            10,
            1,
            upsert(json!({"head_name": "김영희", "crisis_level": 3})),
        ));
        p.apply(&change(
            2,
            10,
            2,
            upsert(json!({"head_name": "박철수", "crisis_level": 2})),
        ));
        p.apply(&change(3, 20, 1, Op::Delete));
        // A phone that had not heard of the delete edits the record later (a greater stamp), and
        // another sends an older edit after it: neither brings the household back.
        p.apply(&change(4, 30, 1, upsert(json!({"crisis_level": 5}))));
        p.apply(&change(5, 15, 1, upsert(json!({"crisis_level": 4}))));
        let live: Vec<Uuid> = p.each("households").map(|(id, _)| id).collect();
        assert_eq!(live, vec![Uuid::from_u128(2)]);
        // Per field, the later stamp wins whatever the order of arrival.
        p.apply(&change(6, 40, 2, upsert(json!({"crisis_level": 4}))));
        p.apply(&change(7, 35, 2, upsert(json!({"crisis_level": 1}))));
        let (_, f) = p.each("households").next().unwrap();
        assert_eq!(f["crisis_level"], &json!(4));
        assert_eq!(f["head_name"], &json!("박철수"));
    }

    #[test]
    fn only_the_fields_the_dashboard_reads_are_held() {
        let mut p = Projection::default();
        p.apply(&append(
            1,
            "wellness_checks",
            json!({"household_id": "h", "checked_at": 5, "mood": "low", "note": "우울해 보임"}),
        ));
        p.apply(&append(
            2,
            "service_provisions",
            json!({"household_id": "h", "item": "living", "amount_won": 300000, "note": "현금 지급"}),
        ));
        p.apply(&append(
            3,
            "case_notes",
            json!({"household_id": "h", "body": "상담"}),
        ));
        let mut wellness: Vec<&str> = p
            .each("wellness_checks")
            .flat_map(|(_, f)| f.into_keys())
            .collect();
        wellness.sort();
        assert_eq!(wellness, ["checked_at", "household_id"]);
        let mut service: Vec<&str> = p
            .each("service_provisions")
            .flat_map(|(_, f)| f.into_keys())
            .collect();
        service.sort();
        assert_eq!(service, ["amount_won", "household_id", "item"]);
        assert_eq!(p.each("case_notes").count(), 0, "not projected at all");
    }
}
