//! The narrow storage under the auth rules (인증 저장 계층): what each backend (SQLite, PostgreSQL)
//! implements. Every method is one atomic step — a single statement where the database can do it,
//! else a short transaction, as its doc says — with no decisions of its own: the rules
//! ([`super::rules`]) decide, once, for every backend.

use uuid::Uuid;

use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::{CoreError, CoreResult};

use super::{Privilege, TokenOwner, UserInfo, WebAccount, WebSession};
use crate::store::StoreFuture;

/// An enrolment code as stored (looked up by its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    pub user_id: Uuid,
    pub role: Role,
    pub expires_at_ms: i64,
    /// When it was spent, if it was.
    pub used_at_ms: Option<i64>,
    /// The device that spent it.
    pub device_id: Option<Uuid>,
    /// SHA-256 of the retry key the spending device sent, if it sent one.
    pub retry_key_hash: Option<Vec<u8>>,
}

/// A device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub user_id: Uuid,
    pub secret_hash: Vec<u8>,
    pub revoked_at_ms: Option<i64>,
}

/// An access token as stored, with what decides its owner's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRow {
    pub owner: TokenOwner,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// A first enrolment to store: the code is spent by this device and the device is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub code_hash: Vec<u8>,
    pub device_id: Uuid,
    pub user_id: Uuid,
    pub secret_hash: Vec<u8>,
    pub retry_key_hash: Option<Vec<u8>>,
    pub now_ms: i64,
}

/// What [`AuthStorage::spend_code`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendOutcome {
    /// The code is spent and the device created.
    Enrolled,
    /// The code was already spent or has expired (nothing written).
    CodeUnusable,
    /// Another device has the id (nothing written: the code stays unspent).
    DeviceTaken,
}

/// What [`AuthStorage::set_login`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetLoginOutcome {
    Done,
    NoSuchUser,
    /// Another user has the login (the unique index decided).
    LoginTaken,
}

/// An account's failed-login counter and lock, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginState {
    pub failed_logins: u32,
    pub locked_until_ms: Option<i64>,
}

/// Which account to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountKey {
    /// A login name, already normalised.
    Login(String),
    User(Uuid),
}

/// The storage steps of org units, users, enrolment, devices, tokens and web accounts.
pub trait AuthStorage: Send + Sync {
    /// The kind code of a unit (`OrgUnitKind::code`), if it exists.
    fn unit_kind(&self, id: Uuid) -> StoreFuture<'_, Option<String>>;
    fn insert_unit(
        &self,
        id: Uuid,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, ()>;
    /// Whether a user exists.
    fn user_exists(&self, id: Uuid) -> StoreFuture<'_, bool>;
    fn insert_user(&self, user: UserInfo) -> StoreFuture<'_, ()>;
    /// Whether `id` is the id of a user or of an org unit.
    fn is_user_or_unit(&self, id: Uuid) -> StoreFuture<'_, bool>;

    fn insert_code(
        &self,
        code_hash: Vec<u8>,
        user_id: Uuid,
        expires_at_ms: i64,
    ) -> StoreFuture<'_, ()>;
    /// A code by its hash, with its user's role.
    fn code(&self, code_hash: Vec<u8>) -> StoreFuture<'_, Option<CodeRow>>;
    /// One transaction: spends the code if it is unspent and unexpired at `now_ms` (in the same
    /// statement that checks it, so a code works once however many race for it), recording the
    /// device and the retry key's hash, and creates the device; if the device id is taken, nothing
    /// is written.
    fn spend_code(&self, new: NewDevice) -> StoreFuture<'_, SpendOutcome>;

    fn device(&self, id: Uuid) -> StoreFuture<'_, Option<DeviceRow>>;
    /// Gives a device a new secret unless it is revoked (one statement); `false` if not done.
    fn replace_secret(&self, id: Uuid, secret_hash: Vec<u8>) -> StoreFuture<'_, bool>;
    /// Sets the revocation time unless already revoked (one statement); `false`: no such device.
    fn revoke_device(&self, id: Uuid, now_ms: i64) -> StoreFuture<'_, bool>;

    /// One transaction: drops tokens expired at `now_ms`, then stores the new one unless the device
    /// is revoked (checked in the insert itself); `false` if not stored.
    fn insert_token(
        &self,
        token_hash: Vec<u8>,
        device_id: Uuid,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StoreFuture<'_, bool>;
    fn token(&self, token_hash: Vec<u8>) -> StoreFuture<'_, Option<TokenRow>>;

    /// `false`: no such user.
    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, bool>;
    /// The user holding a login name, if any.
    fn user_with_login(&self, login: String) -> StoreFuture<'_, Option<Uuid>>;
    /// One transaction: sets the login and password hash, clears the failure counter and lock, and
    /// ends the user's web sessions.
    fn set_login(
        &self,
        user_id: Uuid,
        login: String,
        password_hash: String,
    ) -> StoreFuture<'_, SetLoginOutcome>;
    fn account(&self, key: AccountKey) -> StoreFuture<'_, Option<WebAccount>>;
    /// Compare-and-set of the failure counter and lock (one statement): writes `to` only if the
    /// account still holds `from`; `false` if another attempt changed it first.
    fn swap_login_state(
        &self,
        user_id: Uuid,
        from: LoginState,
        to: LoginState,
    ) -> StoreFuture<'_, bool>;
    fn clear_login_state(&self, user_id: Uuid) -> StoreFuture<'_, ()>;

    fn insert_session(
        &self,
        token_hash: Vec<u8>,
        user_id: Uuid,
        csrf_token: String,
        now_ms: i64,
    ) -> StoreFuture<'_, ()>;
    /// One transaction: drops sessions last used at or before `cutoff_ms`, then restarts the idle
    /// clock of the session `token_hash` (if it is still there) and returns it.
    fn touch_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        cutoff_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>>;
    fn delete_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()>;
}

/// A stored role code.
pub fn stored_role(s: &str) -> CoreResult<Role> {
    s.parse()
        .map_err(|_| CoreError::storage(format!("unknown stored role {s:?}")))
}

/// A stored privilege code.
pub fn stored_privilege(s: &str) -> CoreResult<Privilege> {
    Privilege::parse(s).ok_or_else(|| CoreError::storage(format!("unknown stored privilege {s:?}")))
}

/// A stored failure counter.
pub fn stored_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}
