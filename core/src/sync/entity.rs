//! The registry of syncable entities (동기화 대상): each is a table of the local store, merged either
//! per field (mutable records) or as a union (append-only records).
//!
//! Entity names are the store's table names, and field names its column names, so the SQLite change
//! capture can map a change to a row without a translation table. Columns the store derives locally
//! (`households.search_text`, `households.last_contact_at`, `visit_workers.window_start`) are not
//! synced: every replica recomputes them from the synced fields.

use crate::{CoreError, CoreResult};
use uuid::Uuid;

/// How records of an entity merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// Edited in place: per-field last-writer-wins by (HLC, device id); deletable by tombstone.
    Mutable,
    /// Written once, never edited or deleted: replicas take the union. Corrections are new records
    /// that point at the old one (`corrects`).
    AppendOnly,
}

/// Which field names an entity accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSet {
    /// Exactly these columns.
    Named(&'static [&'static str]),
    /// Visit assignments (`visit_workers`): the record id is the visit id and each field name is a
    /// worker id (UUID text) whose value is `true` (assigned) or `false` (unassigned). Per-field
    /// last-writer-wins then makes the set of workers of a visit converge like any other record
    /// (an add/remove set), although the table's key is the pair (visit, worker).
    WorkerIds,
    /// Exactly these fields, held only in the device's merge state (no table): documents the server
    /// publishes and the device reads whole (configuration, `super::config_docs`).
    Document(&'static [&'static str]),
}

/// One syncable entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitySpec {
    /// Stable name on the wire: the store's table name.
    pub name: &'static str,
    pub kind: EntityKind,
    pub fields: FieldSet,
}

impl EntitySpec {
    /// Whether `field` is a field of this entity.
    pub fn has_field(&self, field: &str) -> bool {
        match self.fields {
            FieldSet::Named(names) | FieldSet::Document(names) => names.contains(&field),
            FieldSet::WorkerIds => {
                Uuid::try_parse(field).is_ok_and(|u| u.hyphenated().to_string() == field)
            }
        }
    }
}

use EntityKind::{AppendOnly, Mutable};
use FieldSet::{Document, Named, WorkerIds};

/// Every syncable entity. Adding one is a protocol change only if older peers must understand it;
/// removing or renaming one is always a protocol change.
pub const ENTITIES: &[EntitySpec] = &[
    EntitySpec {
        name: "org_units",
        kind: Mutable,
        fields: Named(&["kind", "name", "parent_id"]),
    },
    EntitySpec {
        name: "workers",
        kind: Mutable,
        fields: Named(&["team_id", "name", "roles", "phone", "active"]),
    },
    EntitySpec {
        name: "households",
        kind: Mutable,
        fields: Named(&[
            "dong_id",
            "head_name",
            "address",
            "lat",
            "lon",
            "crisis_level",
            "tags",
            "risk_flags",
            "phone",
            "archived",
        ]),
    },
    EntitySpec {
        name: "persons",
        kind: Mutable,
        fields: Named(&[
            "household_id",
            "name",
            "birth_date",
            "sex",
            "relation",
            "disability",
        ]),
    },
    EntitySpec {
        name: "visits",
        kind: Mutable,
        fields: Named(&[
            "household_id",
            "purpose",
            "contact_mode",
            "window_start",
            "window_end",
            "required_roles",
            "status",
            "started_at",
            "completed_at",
            "outcome",
            "note",
        ]),
    },
    EntitySpec {
        name: "visit_workers",
        kind: Mutable,
        fields: WorkerIds,
    },
    EntitySpec {
        name: "cases",
        kind: Mutable,
        fields: Named(&[
            "household_id",
            "manager_id",
            "stage",
            "classification",
            "opened_on",
            "closed_on",
            "closure_reason",
        ]),
    },
    EntitySpec {
        name: "referrals",
        kind: Mutable,
        fields: Named(&[
            "household_id",
            "case_id",
            "referred_by",
            "target",
            "agency",
            "referred_on",
            "reason",
            "first_reply_on",
            "service_ended_on",
            "final_reply_on",
            "reply_note",
        ]),
    },
    EntitySpec {
        name: "discharge_referrals",
        kind: Mutable,
        fields: Named(&[
            "household_id",
            "person_id",
            "hospital",
            "referred_on",
            "discharge_on",
            "assigned_by",
            "assigned_on",
            "care_plan_on",
            "service_started_on",
            "service_ended_on",
            "confirmed_on",
            "reported_on",
        ]),
    },
    EntitySpec {
        name: "crisis_reports",
        kind: Mutable,
        fields: Named(&[
            "dong_id",
            "reporter_id",
            "household_id",
            "address",
            "signs",
            "note",
            "reported_at",
            "status",
            "referral_id",
        ]),
    },
    EntitySpec {
        name: "volunteer_activity",
        kind: Mutable,
        fields: Named(&["worker_id", "day", "minutes", "household_id", "note"]),
    },
    EntitySpec {
        name: "wellness_checks",
        kind: AppendOnly,
        fields: Named(&[
            "household_id",
            "visit_id",
            "worker_id",
            "checked_at",
            "contact_mode",
            "meals",
            "health",
            "mood",
            "mobility",
            "housing",
            "heating_cooling",
            "loneliness",
            "arrears_signs",
            "cutoff_signs",
            "needs_referral",
            "note",
            "corrects",
        ]),
    },
    EntitySpec {
        name: "case_notes",
        kind: AppendOnly,
        fields: Named(&[
            "household_id",
            "case_id",
            "visit_id",
            "author_id",
            "written_at",
            "body",
            "corrects",
        ]),
    },
    EntitySpec {
        name: "config_documents",
        kind: Mutable,
        fields: Document(&["kind", "unit_id", "body", "published_at"]),
    },
    EntitySpec {
        name: "safety_events",
        kind: AppendOnly,
        fields: Named(&[
            "session_id",
            "at",
            "worker_id",
            "device_id",
            "lat",
            "lon",
            "kind",
            "payload",
        ]),
    },
    EntitySpec {
        name: "incidents",
        kind: AppendOnly,
        fields: Named(&[
            "session_id",
            "district_id",
            "occurred_at",
            "reported_at",
            "reporter_id",
            "affected_workers",
            "incident_type",
            "severity",
            "injuries",
            "police_called",
            "ambulance_119_called",
            "follow_ups",
            "description",
            "corrects",
        ]),
    },
    EntitySpec {
        name: "service_provisions",
        kind: AppendOnly,
        fields: Named(&[
            "household_id",
            "case_id",
            "item",
            "provided_on",
            "quantity",
            "amount_won",
            "recorded_by",
            "note",
            "corrects",
            "voided",
            // Added with store schema 10 (서울형 긴급복지 items only, both optional): a record from
            // a device without them still merges (the columns stay NULL); a device without them
            // keeps them in its merge state and writes the columns it knows. A server must know
            // them before phones push them (it refuses unknown fields): upgrade the server first.
            "crisis_reason",
            "support_kind",
        ]),
    },
    EntitySpec {
        name: "outreach_attempts",
        kind: AppendOnly,
        fields: Named(&[
            "household_id",
            "campaign",
            "attempted_on",
            "mode",
            "result",
            "refusal_reason",
            "worker_id",
            "corrects",
        ]),
    },
    EntitySpec {
        name: "audit_entries",
        kind: AppendOnly,
        fields: Named(&[
            "at",
            "actor_id",
            "device_id",
            "action",
            "entity",
            "record_id",
            "household_id",
            "detail",
        ]),
    },
];

/// The spec of a syncable entity, or `None` if the name is unknown.
pub fn entity(name: &str) -> Option<&'static EntitySpec> {
    ENTITIES.iter().find(|e| e.name == name)
}

/// The spec of a syncable entity, or the `unknown_entity` error naming `field`: the one refusal of
/// a name outside the registry, for validation and every replica's merge.
pub fn known_entity(name: &str, field: &str) -> CoreResult<&'static EntitySpec> {
    entity(name).ok_or_else(|| {
        CoreError::invalid(
            "unknown_entity",
            field,
            format!("동기화할 수 없는 종류의 기록입니다: {name:?}"),
            format!("unknown entity: {name:?}"),
        )
    })
}
