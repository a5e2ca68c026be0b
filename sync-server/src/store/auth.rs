//! The authentication side of storage (인증 저장소): org units and users made by the admin command,
//! one-time enrolment codes, device credentials and short-lived access tokens. Only SHA-256 hashes of
//! codes, secrets and tokens are stored (see `crate::secret`).
//!
//! The rules live once in [`rules`], over the narrow [`storage::AuthStorage`] that each backend
//! implements; every refusal is built in [`errors`]. Any [`storage::AuthStorage`] is an [`AuthStore`].

pub mod errors;
pub mod rules;
pub mod storage;

use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::model::{OrgUnitKind, Role};

use super::StoreFuture;
use crate::accounts::LockPolicy;
pub use storage::LoginState;

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

/// How long after a code was spent the same phone (same code, same device id, same retry key) may
/// enrol again and get a fresh secret: 10 minutes (our choice). Phones enrol on poor networks;
/// without a retry a lost answer would spend the code and leave the worker waiting for a new one
/// from the admin. The window is short, and a retry needs the retry key of the first attempt, so
/// that someone holding the code and the device id cannot take over the credential.
pub const ENROL_RETRY_WINDOW_MS: i64 = 10 * 60 * 1000;

/// A user's server-side privilege (권한), separate from their worker [`Role`]: what they may do on
/// the supervisor dashboard and the alarm API. A `supervisor` (동 팀장, 구청 담당자) sees the sessions,
/// alarms and figures of the units at or under their own unit (the area rule of staff scopes,
/// `crate::scope::rules`); an `admin` sees everything; `field` (every user by default) only syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    Field,
    Supervisor,
    Admin,
}

impl Privilege {
    pub fn code(self) -> &'static str {
        match self {
            Privilege::Field => "field",
            Privilege::Supervisor => "supervisor",
            Privilege::Admin => "admin",
        }
    }

    /// Parses a stored or typed code (`field`, `supervisor`, `admin`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "field" => Some(Privilege::Field),
            "supervisor" => Some(Privilege::Supervisor),
            "admin" => Some(Privilege::Admin),
            _ => None,
        }
    }
}

impl std::str::FromStr for Privilege {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Privilege::parse(s)
            .ok_or_else(|| format!("unknown privilege {s:?} (field | supervisor | admin)"))
    }
}

/// A user as the web login sees them. `password_hash` is an argon2id PHC string (`crate::accounts`);
/// `None` when no password was ever set (such a user cannot log in on the web).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAccount {
    pub user_id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub privilege: Privilege,
    pub login: Option<String>,
    pub password_hash: Option<String>,
    /// Login attempts since the last success (each counted before its password is checked).
    pub failed_logins: u32,
    /// Refused until then (server clock), after too many failures.
    pub locked_until_ms: Option<i64>,
}

impl WebAccount {
    /// The failure counter and lock as read.
    pub fn login_state(&self) -> LoginState {
        LoginState {
            failed_logins: self.failed_logins,
            locked_until_ms: self.locked_until_ms,
        }
    }
}

/// What [`AuthStore::reserve_login_attempt`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAttempt {
    /// Counted: the password may be checked.
    Reserved,
    /// Locked until then (server clock): not counted, not checked.
    LockedUntil(i64),
}

/// A live dashboard session: whose it is and the CSRF token its POSTs must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub user_id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub privilege: Privilege,
    pub csrf_token: String,
}

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
    /// keeps its own id when it sends one: it must be a random UUID (`device_id_invalid`), not an id
    /// the server writes under nor a user's or an org unit's (`device_id_reserved`), nor another
    /// device's (`device_id_taken` — the code is then not spent); otherwise the store makes one up.
    /// The same device id with the same code and the same `retry_key` within
    /// [`ENROL_RETRY_WINDOW_MS`] of the first use gets a fresh secret (the old one stops working):
    /// the retry of an enrolment whose answer was lost. A retry without that key is refused
    /// (`enrolment_code_used`) and changes nothing.
    fn enrol(
        &self,
        code: String,
        device_id: Option<Uuid>,
        retry_key: Option<String>,
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

    /// Sets a user's privilege (`not_found` for an unknown user).
    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, ()>;

    /// Sets a user's web login name and password hash (an argon2id PHC string made by
    /// `crate::accounts::password`); clears their failed-login count and lock. `login_taken` if
    /// another user has the login.
    fn set_web_login(
        &self,
        user_id: Uuid,
        login: String,
        password_hash: String,
    ) -> StoreFuture<'_, ()>;

    /// The account of a login name, if any.
    fn web_account(&self, login: String) -> StoreFuture<'_, Option<WebAccount>>;

    /// The account of a user id, if any (for bearer-token callers of the alarm API).
    fn user_account(&self, user_id: Uuid) -> StoreFuture<'_, Option<WebAccount>>;

    /// Counts a login attempt on the account before its password is checked, unless the account is
    /// locked; the count that reaches `policy.free_failures` sets the lock. Atomic: N attempts at
    /// once let at most `free_failures` through. `seen` is the state the caller read.
    fn reserve_login_attempt(
        &self,
        user_id: Uuid,
        seen: LoginState,
        policy: LockPolicy,
        now_ms: i64,
    ) -> StoreFuture<'_, LoginAttempt>;

    /// A successful login: the failure count and lock are cleared.
    fn record_login_success(&self, user_id: Uuid) -> StoreFuture<'_, ()>;

    /// Stores a new web session under the SHA-256 of its cookie token.
    fn create_web_session(
        &self,
        token_hash: Vec<u8>,
        user_id: Uuid,
        csrf_token: String,
        now_ms: i64,
    ) -> StoreFuture<'_, ()>;

    /// The session of a cookie token hash if it was used less than `idle_ttl_ms` ago (its idle
    /// clock restarts now); an idle-expired session is deleted and `None` returned.
    fn web_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        idle_ttl_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>>;

    /// Ends a web session (logout); unknown hashes are ignored.
    fn end_web_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()>;
}
