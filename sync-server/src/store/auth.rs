//! The authentication side of storage (인증 저장소): org units and users made by the admin command,
//! one-time enrolment codes, device credentials and short-lived access tokens. Only SHA-256 hashes of
//! codes, secrets and tokens are stored (see `crate::secret`).

use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::model::{OrgUnitKind, Role};

use super::StoreFuture;

/// A user as the admin command made them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub role: Role,
}

/// A one-time enrolment code, shown once to the admin (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolmentCode {
    pub code: String,
    pub user_id: Uuid,
    pub expires_at_ms: i64,
}

/// What a phone receives when it enrols (the wire type, shared with the device client).
pub use donghaeng_core::sync::DeviceCredential;

/// A short-lived access token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_at_ms: i64,
}

/// Who an access token belongs to: the device, its user, and what decides the user's scope (열람
/// 범위) — their role and org unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenOwner {
    pub device_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub unit_id: Uuid,
}

/// How long after a code was spent the same phone (same code, same device id) may enrol again and
/// get a fresh secret: 10 minutes (our choice). Phones enrol on poor networks; without a retry a lost
/// answer would spend the code and leave the worker waiting for a new one from the admin. The
/// window is short so that a leaked code cannot be used later to take over the credential.
pub const ENROL_RETRY_WINDOW_MS: i64 = 10 * 60 * 1000;

/// Org units, users, enrolment, devices and tokens.
pub trait AuthStore: Send + Sync {
    /// Creates an org unit; a parent must exist and be of the level above (`OrgUnitKind::parent_kind`).
    fn create_unit(
        &self,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, Uuid>;

    /// Creates a user in an existing unit.
    fn create_user(&self, unit_id: Uuid, name: String, role: Role) -> StoreFuture<'_, UserInfo>;

    /// Issues a one-time enrolment code for a user, valid `ttl_ms` from `now_ms`.
    fn issue_enrolment_code(
        &self,
        user_id: Uuid,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, EnrolmentCode>;

    /// Exchanges an unused, unexpired code for a new device credential; the code is spent. The device
    /// keeps its own id when it sends one (`device_id_taken` if another device has it — the code is
    /// then not spent); otherwise the store makes one up. The same device id with the same code
    /// within [`ENROL_RETRY_WINDOW_MS`] of the first use gets a fresh secret (the old one stops
    /// working): the retry of an enrolment whose answer was lost.
    fn enrol(
        &self,
        code: String,
        device_id: Option<Uuid>,
        now_ms: i64,
    ) -> StoreFuture<'_, DeviceCredential>;

    /// Issues an access token for a device that proves its secret; a revoked device is refused with
    /// `device_revoked`.
    fn issue_token(
        &self,
        device_id: Uuid,
        secret: String,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, IssuedToken>;

    /// Resolves a bearer token: `token_invalid`, `token_expired` or `device_revoked` when refused.
    fn authenticate(&self, token: String, now_ms: i64) -> StoreFuture<'_, TokenOwner>;

    /// Revokes a device: its tokens stop working at once and it is told to wipe its data.
    fn revoke_device(&self, device_id: Uuid, now_ms: i64) -> StoreFuture<'_, ()>;
}
