//! The auth rules (인증 규칙), written once for every backend over [`AuthStorage`]: names and parent
//! units, enrolment and its retry, which ids a device may take, tokens, logins and the login
//! throttle's counter. Any type that implements [`AuthStorage`] is an [`AuthStore`] through the
//! implementation at the end of this file; the backends only store.

use subtle::ConstantTimeEq;
use uuid::Uuid;

use donghaeng_core::model::{new_id, OrgUnitKind, Role};
use donghaeng_core::sync::enrolment::{check_device_id, check_retry_key};
use donghaeng_core::{CoreError, CoreResult};

use super::errors;
use super::storage::{
    AccountKey, AuthStorage, CodeRow, LoginState, NewDevice, SetLoginOutcome, SpendOutcome,
};
use super::{
    AuthStore, DeviceCredential, EnrolmentCode, IssuedToken, LoginAttempt, Privilege, TokenOwner,
    UserInfo, WebAccount, WebSession, ENROL_RETRY_WINDOW_MS,
};
use crate::accounts::LockPolicy;
use crate::secret;
use crate::store::StoreFuture;

/// Compares two secrets (or their hashes) in constant time: timing reveals nothing about a stored
/// value. Different lengths never match.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// A name must be non-blank and at most 200 characters (our choice: unit and user names are labels).
pub fn checked_name(name: &str, field: &str) -> CoreResult<String> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(errors::name_invalid(field));
    }
    Ok(t.to_owned())
}

/// A login name: 3–64 characters of `a-z 0-9 . _ -`, stored lower-case (our choice: typed on a
/// tablet, compared without surprises).
pub fn checked_login(login: &str) -> CoreResult<String> {
    let l = normalised_login(login);
    let ok = (3..=64).contains(&l.len())
        && l.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !ok {
        return Err(errors::login_invalid());
    }
    Ok(l)
}

/// A typed login name as it is looked up.
pub fn normalised_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Ids of the server's own shape-valid writers that no device may take: the admin node
/// (`crate::scope::publish::ADMIN_NODE`, v4-shaped). The server's other writers — the safety and
/// audit nodes and each dashboard user (`crate::safety::node_device_id`) — have derived v8 ids,
/// which the shape rule (`donghaeng_core::sync::enrolment::is_usable_device_id`) already refuses.
pub fn is_reserved_device_id(id: Uuid) -> bool {
    id == crate::scope::publish::ADMIN_NODE
}

/// Whether a device may enrol under `id`: the shape rule, the reserved server ids, and never the id
/// of a user or an org unit (the server writes records under those).
pub async fn check_enrolment_id<S: AuthStorage + ?Sized>(s: &S, id: Uuid) -> CoreResult<()> {
    check_device_id(id)?;
    if is_reserved_device_id(id) || s.is_user_or_unit(id).await? {
        return Err(errors::device_id_reserved());
    }
    Ok(())
}

async fn create_unit<S: AuthStorage + ?Sized>(
    s: &S,
    kind: OrgUnitKind,
    name: String,
    parent_id: Option<Uuid>,
) -> CoreResult<Uuid> {
    let name = checked_name(&name, "name")?;
    match (kind.parent_kind(), parent_id) {
        (None, None) => {}
        (None, Some(_)) => return Err(errors::unit_parent_not_allowed()),
        (Some(want), None) => {
            return Err(errors::unit_parent_required(
                want.label_ko(),
                want.label_en(),
            ))
        }
        (Some(want), Some(pid)) => {
            // Units are never deleted, so the parent checked here still exists at the insert (and
            // the foreign key would refuse it otherwise).
            let Some(found) = s.unit_kind(pid).await? else {
                return Err(CoreError::not_found("org_unit", pid));
            };
            if found != want.code() {
                return Err(errors::unit_parent_kind(
                    want.label_ko(),
                    want.label_en(),
                    &found,
                ));
            }
        }
    }
    let id = new_id();
    s.insert_unit(id, kind, name, parent_id).await?;
    Ok(id)
}

async fn create_user<S: AuthStorage + ?Sized>(
    s: &S,
    unit_id: Uuid,
    name: String,
    role: Role,
) -> CoreResult<UserInfo> {
    let name = checked_name(&name, "name")?;
    if s.unit_kind(unit_id).await?.is_none() {
        return Err(CoreError::not_found("org_unit", unit_id));
    }
    let user = UserInfo {
        id: new_id(),
        unit_id,
        name,
        role,
    };
    s.insert_user(user.clone()).await?;
    Ok(user)
}

async fn issue_enrolment_code<S: AuthStorage + ?Sized>(
    s: &S,
    user_id: Uuid,
    now_ms: i64,
    ttl_ms: i64,
) -> CoreResult<EnrolmentCode> {
    if !s.user_exists(user_id).await? {
        return Err(CoreError::not_found("user", user_id));
    }
    let code = secret::new_enrolment_code()?;
    let expires_at_ms = now_ms.saturating_add(ttl_ms);
    s.insert_code(secret::hash(&code), user_id, expires_at_ms)
        .await?;
    Ok(EnrolmentCode {
        code,
        user_id,
        expires_at_ms,
    })
}

/// Exchanges a code for a credential: see [`AuthStore::enrol`].
async fn enrol<S: AuthStorage + ?Sized>(
    s: &S,
    code: String,
    device_id: Option<Uuid>,
    retry_key: Option<String>,
    now_ms: i64,
) -> CoreResult<DeviceCredential> {
    if let Some(id) = device_id {
        check_enrolment_id(s, id).await?;
    }
    if let Some(k) = &retry_key {
        check_retry_key(k)?;
    }
    let code_hash = secret::hash(&secret::normalise_code(&code));
    let Some(row) = s.code(code_hash.clone()).await? else {
        return Err(errors::code_invalid());
    };
    if row.used_at_ms.is_some() {
        return retry_enrolment(s, &row, device_id, retry_key.as_deref(), now_ms).await;
    }
    if row.expires_at_ms <= now_ms {
        return Err(errors::code_invalid());
    }
    let device_id = device_id.unwrap_or_else(new_id);
    let device_secret = secret::new_token()?;
    let outcome = s
        .spend_code(NewDevice {
            code_hash,
            device_id,
            user_id: row.user_id,
            secret_hash: secret::hash(&device_secret),
            retry_key_hash: retry_key.as_deref().map(secret::hash),
            now_ms,
        })
        .await?;
    match outcome {
        SpendOutcome::Enrolled => Ok(DeviceCredential {
            device_id,
            device_secret,
            user_id: row.user_id,
            role: row.role,
        }),
        // Another request spent it since it was read.
        SpendOutcome::CodeUnusable => Err(errors::code_invalid()),
        SpendOutcome::DeviceTaken => Err(errors::device_id_taken()),
    }
}

/// The retry of an enrolment whose answer was lost: the same code, spent by this same device within
/// [`ENROL_RETRY_WINDOW_MS`], with the same retry key as the first attempt, gets the device a fresh
/// secret (the old one stops working). Without the key, or with another, the retry is refused and
/// the credential stays as it is.
async fn retry_enrolment<S: AuthStorage + ?Sized>(
    s: &S,
    row: &CodeRow,
    device_id: Option<Uuid>,
    retry_key: Option<&str>,
    now_ms: i64,
) -> CoreResult<DeviceCredential> {
    let (Some(id), Some(used)) = (device_id, row.used_at_ms) else {
        return Err(errors::code_invalid());
    };
    let in_window = row.device_id == Some(id)
        && now_ms >= used
        && now_ms.saturating_sub(used) <= ENROL_RETRY_WINDOW_MS;
    if !in_window {
        return Err(errors::code_invalid());
    }
    let proven = match (&row.retry_key_hash, retry_key) {
        (Some(stored), Some(key)) => same_secret(stored, &secret::hash(key)),
        _ => false,
    };
    if !proven {
        tracing::warn!(device_id = %id, "enrolment retry without its retry key refused");
        return Err(errors::code_used());
    }
    let Some(device) = s.device(id).await? else {
        return Err(errors::code_invalid());
    };
    if device.revoked_at_ms.is_some() {
        return Err(errors::device_revoked());
    }
    if device.user_id != row.user_id {
        return Err(errors::code_invalid());
    }
    let device_secret = secret::new_token()?;
    // A revocation committed since the read wins: the secret is replaced only while not revoked.
    if !s.replace_secret(id, secret::hash(&device_secret)).await? {
        return Err(errors::device_revoked());
    }
    Ok(DeviceCredential {
        device_id: id,
        device_secret,
        user_id: row.user_id,
        role: row.role,
    })
}

async fn issue_token<S: AuthStorage + ?Sized>(
    s: &S,
    device_id: Uuid,
    secret_text: String,
    now_ms: i64,
    ttl_ms: i64,
) -> CoreResult<IssuedToken> {
    let Some(device) = s.device(device_id).await? else {
        return Err(errors::credential_invalid());
    };
    if !same_secret(&device.secret_hash, &secret::hash(&secret_text)) {
        return Err(errors::credential_invalid());
    }
    if device.revoked_at_ms.is_some() {
        return Err(errors::device_revoked());
    }
    let access_token = secret::new_token()?;
    let expires_at_ms = now_ms.saturating_add(ttl_ms);
    // A revocation committed by another node since the check above wins (checked in the insert).
    if !s
        .insert_token(
            secret::hash(&access_token),
            device_id,
            now_ms,
            expires_at_ms,
        )
        .await?
    {
        return Err(errors::device_revoked());
    }
    Ok(IssuedToken {
        access_token,
        expires_at_ms,
    })
}

async fn authenticate<S: AuthStorage + ?Sized>(
    s: &S,
    token: String,
    now_ms: i64,
) -> CoreResult<TokenOwner> {
    let Some(row) = s.token(secret::hash(&token)).await? else {
        return Err(errors::token_invalid());
    };
    // Revocation first: a revoked phone must learn to wipe even with a fresh token.
    if row.revoked_at_ms.is_some() {
        return Err(errors::device_revoked());
    }
    if row.expires_at_ms <= now_ms {
        return Err(errors::token_expired());
    }
    Ok(row.owner)
}

async fn set_web_login<S: AuthStorage + ?Sized>(
    s: &S,
    user_id: Uuid,
    login: String,
    password_hash: String,
) -> CoreResult<()> {
    let login = checked_login(&login)?;
    if s.user_with_login(login.clone())
        .await?
        .is_some_and(|other| other != user_id)
    {
        return Err(errors::login_taken());
    }
    match s.set_login(user_id, login, password_hash).await? {
        SetLoginOutcome::Done => Ok(()),
        SetLoginOutcome::NoSuchUser => Err(CoreError::not_found("user", user_id)),
        // Two admins racing for one login: the unique index decided.
        SetLoginOutcome::LoginTaken => Err(errors::login_taken()),
    }
}

/// How many times a login attempt re-reads the counter after losing a race for it before it is
/// refused as throttled: only an attacker's burst of parallel attempts loses that often.
const MAX_LOGIN_SWAPS: usize = 16;

/// Counts a login attempt on the account **before** the password is checked, so that N attempts at
/// once let at most `policy.free_failures` reach the check: each takes the next count in a
/// compare-and-set, and the one that reaches the limit sets the lock in the same write. A success
/// then clears the count ([`AuthStore::record_login_success`]); a failure leaves it counted.
async fn reserve_login_attempt<S: AuthStorage + ?Sized>(
    s: &S,
    user_id: Uuid,
    seen: LoginState,
    policy: LockPolicy,
    now_ms: i64,
) -> CoreResult<LoginAttempt> {
    let mut current = seen;
    for _ in 0..MAX_LOGIN_SWAPS {
        if let Some(until) = current.locked_until_ms.filter(|&t| t > now_ms) {
            return Ok(LoginAttempt::LockedUntil(until));
        }
        let failed_logins = current.failed_logins.saturating_add(1);
        let next = LoginState {
            failed_logins,
            locked_until_ms: policy.lock_after(failed_logins, now_ms),
        };
        if s.swap_login_state(user_id, current, next).await? {
            return Ok(LoginAttempt::Reserved);
        }
        let Some(account) = s.account(AccountKey::User(user_id)).await? else {
            return Err(CoreError::not_found("user", user_id));
        };
        current = account.login_state();
    }
    Ok(LoginAttempt::LockedUntil(
        now_ms.saturating_add(policy.base_ms),
    ))
}

async fn web_session<S: AuthStorage + ?Sized>(
    s: &S,
    token_hash: Vec<u8>,
    now_ms: i64,
    idle_ttl_ms: i64,
) -> CoreResult<Option<WebSession>> {
    s.touch_session(token_hash, now_ms, now_ms.saturating_sub(idle_ttl_ms))
        .await
}

fn unless_missing(found: bool, what: &'static str, id: Uuid) -> CoreResult<()> {
    if found {
        Ok(())
    } else {
        Err(CoreError::not_found(what, id))
    }
}

impl<S: AuthStorage> AuthStore for S {
    fn create_unit(
        &self,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, Uuid> {
        Box::pin(create_unit(self, kind, name, parent_id))
    }

    fn create_user(&self, unit_id: Uuid, name: String, role: Role) -> StoreFuture<'_, UserInfo> {
        Box::pin(create_user(self, unit_id, name, role))
    }

    fn issue_enrolment_code(
        &self,
        user_id: Uuid,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, EnrolmentCode> {
        Box::pin(issue_enrolment_code(self, user_id, now_ms, ttl_ms))
    }

    fn enrol(
        &self,
        code: String,
        device_id: Option<Uuid>,
        retry_key: Option<String>,
        now_ms: i64,
    ) -> StoreFuture<'_, DeviceCredential> {
        Box::pin(enrol(self, code, device_id, retry_key, now_ms))
    }

    fn issue_token(
        &self,
        device_id: Uuid,
        secret: String,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, IssuedToken> {
        Box::pin(issue_token(self, device_id, secret, now_ms, ttl_ms))
    }

    fn authenticate(&self, token: String, now_ms: i64) -> StoreFuture<'_, TokenOwner> {
        Box::pin(authenticate(self, token, now_ms))
    }

    fn revoke_device(&self, device_id: Uuid, now_ms: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let found = AuthStorage::revoke_device(self, device_id, now_ms).await?;
            unless_missing(found, "device", device_id)
        })
    }

    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let found = AuthStorage::set_privilege(self, user_id, privilege).await?;
            unless_missing(found, "user", user_id)
        })
    }

    fn set_web_login(
        &self,
        user_id: Uuid,
        login: String,
        password_hash: String,
    ) -> StoreFuture<'_, ()> {
        Box::pin(set_web_login(self, user_id, login, password_hash))
    }

    fn web_account(&self, login: String) -> StoreFuture<'_, Option<WebAccount>> {
        self.account(AccountKey::Login(normalised_login(&login)))
    }

    fn user_account(&self, user_id: Uuid) -> StoreFuture<'_, Option<WebAccount>> {
        self.account(AccountKey::User(user_id))
    }

    fn reserve_login_attempt(
        &self,
        user_id: Uuid,
        seen: LoginState,
        policy: LockPolicy,
        now_ms: i64,
    ) -> StoreFuture<'_, LoginAttempt> {
        Box::pin(reserve_login_attempt(self, user_id, seen, policy, now_ms))
    }

    fn record_login_success(&self, user_id: Uuid) -> StoreFuture<'_, ()> {
        self.clear_login_state(user_id)
    }

    fn create_web_session(
        &self,
        token_hash: Vec<u8>,
        user_id: Uuid,
        csrf_token: String,
        now_ms: i64,
    ) -> StoreFuture<'_, ()> {
        self.insert_session(token_hash, user_id, csrf_token, now_ms)
    }

    fn web_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        idle_ttl_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>> {
        Box::pin(web_session(self, token_hash, now_ms, idle_ttl_ms))
    }

    fn end_web_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()> {
        self.delete_session(token_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole_and_by_length() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }

    #[test]
    fn the_servers_own_writers_cannot_name_a_device() {
        use donghaeng_core::sync::enrolment::is_usable_device_id;
        let admin = crate::scope::publish::ADMIN_NODE;
        assert!(is_usable_device_id(admin), "v4-shaped, hence the list");
        assert!(is_reserved_device_id(admin));
        for derived in [
            crate::safety::node_device_id("server"),
            crate::safety::node_device_id("server/audit"),
            crate::dashboard::access::web_device_id(new_id()),
        ] {
            assert!(!is_usable_device_id(derived), "{derived}");
        }
        assert!(!is_reserved_device_id(new_id()));
    }
}
