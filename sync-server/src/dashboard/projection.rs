//! A queryable projection (조회용 투영) of the merged records the dashboard's figures, plan and
//! incident list read: a private in-memory store of the core (the phone's own schema), fed from
//! [`ChangeStore::pull`] through the phone's apply path. So the dashboard holds the core's typed
//! records, merged by the merge every replica uses (the later stamp wins per field, a delete is
//! final), read by the store's own loaders, and handed to the same rules the phone runs: one
//! implementation of the due list, the figures and the contact rule. It works the same on SQLite and
//! on PostgreSQL with several nodes, and every node computes the same figures whatever order it read
//! the log in.

use uuid::Uuid;

use donghaeng_core::store::records::DongRecords;
use donghaeng_core::store::Store;
use donghaeng_core::sync::validate::MAX_PULL_LIMIT;
use donghaeng_core::sync::{Change, Op, ProtocolVersion, PullRequest};
use donghaeng_core::CoreResult;

use crate::store::ChangeStore;

/// Entities the dashboard reads; the rest of the log is skipped (case notes and other bodies are
/// never held here).
pub const PROJECTED: &[&str] = &[
    "org_units",
    "workers",
    "households",
    "persons",
    "visits",
    "visit_workers",
    "cases",
    "referrals",
    "crisis_reports",
    "incidents",
    // Ids and codes only (`crate::audit`): for the supervisors' view of the audit trail.
    "audit_entries",
    // Items, days and amounts, for the figures.
    "service_provisions",
    // Contacts, for the due list.
    "wellness_checks",
    // Universal-visit outreach, for the contact rate's non-response.
    "outreach_attempts",
    // Hospital discharges (days and ids), for the due list.
    "discharge_referrals",
    // The cadence table that applies to a 동, for the due list.
    "config_documents",
];

/// Free text the dashboard never shows, so never keeps: the workers' notes about a visit, a check,
/// a delivery or a referral's reply. (What the tables require — a check's observations — is kept,
/// in memory only, and never served.)
const DROPPED: &[(&str, &str)] = &[
    ("visits", "note"),
    ("wellness_checks", "note"),
    ("service_provisions", "note"),
    ("referrals", "reply_note"),
    ("crisis_reports", "note"),
    ("incidents", "injuries"),
];

fn kept(entity: &str, field: &str) -> bool {
    !DROPPED.contains(&(entity, field))
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Projection {
    /// Opened on the first catch-up.
    store: Option<Store>,
    last_seq: u64,
}

impl Projection {
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The store (opened on first use).
    pub fn store(&mut self) -> CoreResult<&Store> {
        match &mut self.store {
            Some(store) => Ok(store),
            slot @ None => Ok(slot.insert(Store::open_in_memory()?)),
        }
    }

    /// Reads the log after what it has seen, page by page.
    pub async fn catch_up(&mut self, log: &dyn ChangeStore, now_ms: i64) -> CoreResult<()> {
        self.store()?;
        loop {
            let page = log
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
            let changes: Vec<Change> = page
                .changes
                .iter()
                .filter_map(|sc| projected(&sc.change))
                .collect();
            self.apply(&changes, page.next_seq)?;
            self.last_seq = self.last_seq.max(page.next_seq);
            if !page.has_more || page.changes.is_empty() {
                return Ok(());
            }
        }
    }

    /// Applies one page of (projected) changes in one transaction, as a phone does. The log holds
    /// only validated changes; should one still not merge (an operation that does not fit its
    /// entity), the page is applied change by change and that one is left out, as every replica
    /// leaves it out.
    pub fn apply(&mut self, changes: &[Change], next_seq: u64) -> CoreResult<()> {
        let store = self.store()?;
        if store.apply_page(changes, next_seq).is_ok() {
            return Ok(());
        }
        for c in changes {
            if let Err(e) = store.apply_page(std::slice::from_ref(c), 0) {
                tracing::warn!(code = e.code, "dashboard projection skipped a change");
            }
        }
        store.apply_page(&[], next_seq).map(|_| ())
    }

    /// The 동 held that pass `dongs`, by id.
    pub fn dongs(&mut self, dongs: &dyn Fn(Uuid) -> bool) -> CoreResult<Vec<Uuid>> {
        Ok(self
            .store()?
            .dongs()?
            .into_iter()
            .filter(|d| dongs(*d))
            .collect())
    }

    /// The records of the 동 passing `dongs`.
    pub fn records(&mut self, dongs: &dyn Fn(Uuid) -> bool) -> CoreResult<DongRecords> {
        let ids = self.dongs(dongs)?;
        self.store()?.dong_records(&ids)
    }
}

/// The change as the projection keeps it: `None` for an entity it does not read; free text left out.
fn projected(c: &Change) -> Option<Change> {
    let entity = PROJECTED.iter().copied().find(|e| *e == c.entity)?;
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
    Some(Change { op, ..c.clone() })
}

#[cfg(test)]
mod tests {
    use donghaeng_core::sync::{Change, HlcTimestamp, Op};
    use serde_json::json;
    use uuid::Uuid;

    use super::{projected, Projection};

    const DONG: u128 = 50;

    fn change(wall_ms: u64, entity: &str, record: u128, op: Op) -> Change {
        Change {
            id: Uuid::now_v7(),
            entity: entity.into(),
            record_id: Uuid::from_u128(record),
            op,
            hlc: HlcTimestamp {
                wall_ms,
                counter: 0,
                node: Uuid::from_u128(7),
            },
            device_id: Uuid::from_u128(7),
        }
    }

    fn upsert(fields: serde_json::Value) -> Op {
        Op::Upsert {
            fields: serde_json::from_value(fields).unwrap(),
        }
    }

    fn household(record: u128, name: &str, level: i64) -> Change {
        change(
            10,
            "households",
            record,
            upsert(json!({
                "dong_id": Uuid::from_u128(DONG).to_string(), "head_name": name,
                "address": "서울 성북구 1", "crisis_level": level, "tags": "", "risk_flags": "",
                "archived": 0,
            })),
        )
    }

    fn dong() -> Change {
        change(
            1,
            "org_units",
            DONG,
            upsert(json!({"kind": "dong", "name": "길음1동", "parent_id": null})),
        )
    }

    #[test]
    fn a_delete_is_final_here_as_in_every_replica() {
        let mut p = Projection::default();
        p.apply(
            &[dong(), household(1, "김영희", 3), household(2, "박철수", 2)],
            3,
        )
        .unwrap();
        p.apply(&[change(20, "households", 1, Op::Delete)], 4)
            .unwrap();
        // A phone that had not heard of the delete edits the record later (a greater stamp), and
        // another sends an older edit after it: neither brings the household back.
        p.apply(
            &[
                change(30, "households", 1, upsert(json!({"crisis_level": 5}))),
                change(15, "households", 1, upsert(json!({"crisis_level": 4}))),
            ],
            6,
        )
        .unwrap();
        let all = |p: &mut Projection| p.records(&|_| true).unwrap().households;
        let live: Vec<Uuid> = all(&mut p).iter().map(|h| h.id).collect();
        assert_eq!(live, vec![Uuid::from_u128(2)]);
        // Per field, the later stamp wins whatever the order of arrival.
        p.apply(
            &[
                change(40, "households", 2, upsert(json!({"crisis_level": 4}))),
                change(35, "households", 2, upsert(json!({"crisis_level": 1}))),
            ],
            8,
        )
        .unwrap();
        let h = &all(&mut p)[0];
        assert_eq!(h.crisis_level.value(), 4);
        assert_eq!(h.head_name, "박철수");
    }

    #[test]
    fn free_text_and_case_notes_are_never_held() {
        let check = change(
            1,
            "wellness_checks",
            3,
            Op::Append {
                record: serde_json::from_value(
                    json!({"household_id": "h", "checked_at": 5, "mood": "low", "note": "우울해 보임"}),
                )
                .unwrap(),
            },
        );
        let Op::Append { record } = projected(&check).unwrap().op else {
            panic!("an append stays an append");
        };
        let mut kept: Vec<&str> = record.keys().map(String::as_str).collect();
        kept.sort();
        assert_eq!(kept, ["checked_at", "household_id", "mood"]);
        let service = change(
            2,
            "service_provisions",
            4,
            Op::Append {
                record: serde_json::from_value(
                    json!({"household_id": "h", "item": "living", "amount_won": 300000, "note": "현금 지급"}),
                )
                .unwrap(),
            },
        );
        let Op::Append { record } = projected(&service).unwrap().op else {
            panic!("an append stays an append");
        };
        assert!(!record.contains_key("note"));
        let note = change(
            3,
            "case_notes",
            5,
            Op::Append {
                record: serde_json::from_value(json!({"household_id": "h", "body": "상담"}))
                    .unwrap(),
            },
        );
        assert!(projected(&note).is_none(), "not projected at all");
    }

    #[test]
    fn a_change_that_does_not_merge_is_left_out_and_the_page_goes_on() {
        let mut p = Projection::default();
        // An append to a mutable entity does not fit it: that change alone is skipped.
        let bad = change(
            11,
            "households",
            9,
            Op::Append {
                record: serde_json::from_value(json!({"head_name": "x"})).unwrap(),
            },
        );
        p.apply(&[dong(), bad, household(1, "김영희", 3)], 3)
            .unwrap();
        let r = p.records(&|_| true).unwrap();
        assert_eq!(r.households.len(), 1);
        assert_eq!(p.store().unwrap().sync_state().unwrap().cursor, 3);
    }
}
