//! The operator's directory (조직·사용자·기기 목록): what `admin list-units`, `list-users` and
//! `list-devices` show, so that a newcomer can find the ids the other admin commands take. Only
//! what an operator needs to find an id: never a credential, a secret hash or a password hash.
//!
//! Read-only and without rules of its own, so it is a trait beside [`super::AuthStore`] rather
//! than part of it; each backend answers with one query.

use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::model::{OrgUnitKind, Role};

use super::{Privilege, StoreFuture};

/// An org unit as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitEntry {
    pub unit_id: Uuid,
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<Uuid>,
}

/// A user as listed: the web login name, if one was set, but never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserEntry {
    pub user_id: Uuid,
    pub name: String,
    pub login: Option<String>,
    pub role: Role,
    pub privilege: Privilege,
    pub unit_id: Uuid,
}

/// A device as listed: whose it is and when it enrolled or was revoked (server clock, ms). The
/// server stores no "last seen" time, so none is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceEntry {
    pub device_id: Uuid,
    pub user_id: Uuid,
    pub enrolled_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// The listings, in a stable order (units by kind level then name, users by name, devices by
/// enrolment time), each as one read.
pub trait Directory: Send + Sync {
    fn list_units(&self) -> StoreFuture<'_, Vec<UnitEntry>>;
    /// Every user, or those of one unit.
    fn list_users(&self, unit_id: Option<Uuid>) -> StoreFuture<'_, Vec<UserEntry>>;
    /// Every device, or those of one user.
    fn list_devices(&self, user_id: Option<Uuid>) -> StoreFuture<'_, Vec<DeviceEntry>>;
}

/// The level of a kind, for ordering (city first).
pub fn kind_level(kind: OrgUnitKind) -> u8 {
    match kind {
        OrgUnitKind::City => 0,
        OrgUnitKind::District => 1,
        OrgUnitKind::Dong => 2,
        OrgUnitKind::Team => 3,
    }
}

/// Units in the listing order: by level, then name, then id (one rule for every backend).
pub fn sort_units(units: &mut [UnitEntry]) {
    units.sort_by(|a, b| {
        (kind_level(a.kind), &a.name, a.unit_id).cmp(&(kind_level(b.kind), &b.name, b.unit_id))
    });
}

/// A stored unit kind code.
pub fn stored_kind(s: &str) -> donghaeng_core::CoreResult<OrgUnitKind> {
    OrgUnitKind::from_code(s).ok_or_else(|| {
        donghaeng_core::CoreError::storage(format!("unknown stored unit kind {s:?}"))
    })
}
