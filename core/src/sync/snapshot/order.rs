//! The order a snapshot's records come in (스냅숏 순서, docs/sync.md "Snapshot"). A page resumes
//! after the last record of the one before, so the order is part of the position: a device keeps
//! it with its progress and asks for it on every page, and the server answers in it.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::change::RecordRef;
use super::super::entity::ENTITIES;

/// Parents before children: each entity after the ones its records point at (units, workers,
/// households, persons, visits, then a visit's assignments, …). Only ever appended to: a device
/// part way through a snapshot resumes on it, and reordering would make it skip records.
const PARENTS_FIRST: &[&str] = &[
    "org_units",
    "workers",
    "households",
    "persons",
    "visits",
    "visit_workers",
    "cases",
    "referrals",
    "discharge_referrals",
    "crisis_reports",
    "volunteer_activity",
    "wellness_checks",
    "case_notes",
    "config_documents",
    "safety_events",
    "incidents",
    "service_provisions",
    "outreach_attempts",
    "audit_entries",
];

/// How a snapshot's records are sorted: by entity in this order's sequence, then by record id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotOrder {
    /// By entity name, then record id: the first snapshot protocol's order, served to a device that
    /// names none (an older app, or one resuming a snapshot it began under it).
    #[default]
    ByName,
    /// Parents before children ([`PARENTS_FIRST`]), then record id: a row arrives after the rows it
    /// points at, so what a device copies from a parent (an assignment's visit window) is written
    /// once, not written and then corrected.
    ParentsFirst,
}

impl SnapshotOrder {
    /// What a device asks for when it starts a snapshot.
    pub const NEWEST: SnapshotOrder = SnapshotOrder::ParentsFirst;

    /// Whether this is the order a request that names none gets (it is then left off the wire).
    pub fn is_by_name(&self) -> bool {
        *self == SnapshotOrder::ByName
    }

    /// Every known entity, in this order.
    pub fn entities(self) -> &'static [&'static str] {
        static BY_NAME: OnceLock<Vec<&'static str>> = OnceLock::new();
        match self {
            SnapshotOrder::ByName => BY_NAME.get_or_init(|| {
                let mut names: Vec<&'static str> = ENTITIES.iter().map(|s| s.name).collect();
                names.sort_unstable();
                names
            }),
            SnapshotOrder::ParentsFirst => PARENTS_FIRST,
        }
    }

    /// The place of an entity in this order; a name outside it comes after every known one.
    pub fn rank(self, entity: &str) -> usize {
        let entities = self.entities();
        entities
            .iter()
            .position(|e| *e == entity)
            .unwrap_or(entities.len())
    }

    /// The sort key of a record (names outside the order are sorted among themselves by name).
    pub fn key(self, entity: &str, record_id: Uuid) -> (usize, &str, Uuid) {
        (self.rank(entity), entity, record_id)
    }

    /// Whether a record comes after `after` (every record does when there is none).
    pub fn follows(self, entity: &str, record_id: Uuid, after: Option<&RecordRef>) -> bool {
        after.is_none_or(|a| self.key(entity, record_id) > self.key(&a.entity, a.record_id))
    }

    /// The entities whose records may still follow `after`: its own entity first (from after its
    /// record), then every later one.
    pub fn entities_from(self, after: Option<&RecordRef>) -> &'static [&'static str] {
        let entities = self.entities();
        let from = after.map_or(0, |a| self.rank(&a.entity));
        &entities[from.min(entities.len())..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(entity: &str, id: u128) -> RecordRef {
        RecordRef {
            entity: entity.into(),
            record_id: Uuid::from_u128(id),
        }
    }

    #[test]
    fn both_orders_hold_every_known_entity_once() {
        let mut known: Vec<&str> = ENTITIES.iter().map(|s| s.name).collect();
        known.sort_unstable();
        for order in [SnapshotOrder::ByName, SnapshotOrder::ParentsFirst] {
            let mut listed = order.entities().to_vec();
            listed.sort_unstable();
            assert_eq!(listed, known, "{order:?}");
        }
    }

    #[test]
    fn by_name_is_the_first_protocols_string_order() {
        let refs = [at("visits", 1), at("visit_workers", 9), at("workers", 0)];
        let mut sorted = refs.to_vec();
        let o = SnapshotOrder::ByName;
        sorted.sort_by(|a, b| {
            o.key(&a.entity, a.record_id)
                .cmp(&o.key(&b.entity, b.record_id))
        });
        let mut by_string = refs.to_vec();
        by_string.sort();
        assert_eq!(sorted, by_string);
    }

    #[test]
    fn parents_come_before_the_records_that_point_at_them() {
        let o = SnapshotOrder::ParentsFirst;
        for (parent, child) in [
            ("org_units", "households"),
            ("workers", "visit_workers"),
            ("households", "persons"),
            ("households", "visits"),
            ("visits", "visit_workers"),
            ("visits", "wellness_checks"),
            ("cases", "case_notes"),
            ("safety_events", "incidents"),
        ] {
            assert!(o.rank(parent) < o.rank(child), "{parent} before {child}");
        }
        // Under the first order an assignment came before its visit: the case this order is for.
        assert!(SnapshotOrder::ByName.rank("visit_workers") < SnapshotOrder::ByName.rank("visits"));
    }

    #[test]
    fn follows_and_entities_from_agree_on_where_a_page_resumes() {
        let o = SnapshotOrder::ParentsFirst;
        let after = at("visits", 5);
        assert!(!o.follows("visits", Uuid::from_u128(5), Some(&after)));
        assert!(o.follows("visits", Uuid::from_u128(6), Some(&after)));
        assert!(o.follows("visit_workers", Uuid::from_u128(0), Some(&after)));
        assert!(!o.follows("households", Uuid::from_u128(99), Some(&after)));
        assert_eq!(
            o.entities_from(Some(&after))[..2],
            ["visits", "visit_workers"]
        );
        assert_eq!(o.entities_from(None).len(), ENTITIES.len());
        // A name outside the order follows every known one, and resumes on nothing known.
        assert!(o.follows("unheard_of", Uuid::nil(), Some(&at("audit_entries", 1))));
        assert!(o.entities_from(Some(&at("unheard_of", 1))).is_empty());
    }

    #[test]
    fn the_wire_spells_the_order_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&SnapshotOrder::ParentsFirst).unwrap(),
            "\"parents_first\""
        );
        assert_eq!(
            serde_json::from_str::<SnapshotOrder>("\"by_name\"").unwrap(),
            SnapshotOrder::ByName
        );
    }
}
