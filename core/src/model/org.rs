//! Organisation units: city (시) → district (구) → 동 → team (팀).

use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// Level of an organisation unit. Each level's parent is the level above it.
    pub enum OrgUnitKind: "org_unit.kind" {
        City = ("city", "시", "city"),
        District = ("district", "구", "district"),
        Dong = ("dong", "동", "dong"),
        Team = ("team", "팀", "team"),
    }
}

impl OrgUnitKind {
    /// The kind a parent must have; `None` for a city (the root).
    pub fn parent_kind(self) -> Option<OrgUnitKind> {
        match self {
            OrgUnitKind::City => None,
            OrgUnitKind::District => Some(OrgUnitKind::City),
            OrgUnitKind::Dong => Some(OrgUnitKind::District),
            OrgUnitKind::Team => Some(OrgUnitKind::Dong),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OrgUnit {
    pub id: Id,
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<Id>,
}
