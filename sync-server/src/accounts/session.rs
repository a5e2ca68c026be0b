//! Web login (웹 로그인): checks the password, applies the per-account and per-address locks, and
//! opens a session whose random token goes into an HttpOnly, SameSite=Strict cookie (only its
//! SHA-256 is stored) with a second random token for CSRF. Unknown login, wrong password, no
//! password set and a field user all get the same answer, after the same argon2 work.

use std::net::IpAddr;

use uuid::Uuid;

use donghaeng_core::{CoreError, CoreResult};

use crate::error::auth_error;
use crate::secret;
use crate::state::AppState;
use crate::store::Privilege;

pub use crate::dashboard::SESSION_COOKIE;

use super::password;

/// A dashboard user as the login answers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WebUser {
    pub user_id: Uuid,
    pub unit_id: Uuid,
    pub name: String,
    pub privilege: Privilege,
    pub csrf_token: String,
}

/// A successful login: the cookie token (to set) and the user.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub session_token: String,
    pub user: WebUser,
}

/// The one answer for every wrong login.
pub fn login_failed() -> CoreError {
    auth_error(
        "login_failed",
        "로그인 이름 또는 비밀번호가 올바르지 않습니다.",
        "wrong login name or password",
    )
}

/// Too many failures: from this address, or for this account.
pub fn login_throttled(until_ms: i64, now_ms: i64) -> CoreError {
    let secs = ((until_ms - now_ms).max(0) + 999) / 1000;
    auth_error(
        "login_throttled",
        &format!("로그인 실패가 많아 잠시 막혔습니다. {secs}초 뒤에 다시 시도하세요."),
        &format!("too many failed logins; try again in {secs} s"),
    )
}

/// Checks `login` / `password` at `now_ms` for a client at `addr` (when known).
pub async fn login(
    st: &AppState,
    login: &str,
    password: &str,
    addr: Option<IpAddr>,
    now_ms: i64,
) -> CoreResult<LoginOutcome> {
    let web = &st.dashboard;
    if let Some(until) = addr.and_then(|a| web.addresses.locked_until(a, now_ms)) {
        return Err(login_throttled(until, now_ms));
    }
    let fail = |addr: Option<IpAddr>| {
        if let Some(a) = addr {
            web.addresses.failure(a, now_ms);
        }
    };
    let account = if login.len() > 128 || password.len() > password::MAX_LEN * 4 {
        None
    } else {
        st.auth.web_account(login.to_owned()).await?
    };
    let pw = password.to_owned();
    let usable = account
        .as_ref()
        .filter(|a| a.privilege != Privilege::Field)
        .and_then(|a| a.password_hash.clone());
    let Some((account, phc)) = account.zip(usable) else {
        tokio::task::spawn_blocking(move || password::burn(&pw))
            .await
            .map_err(|e| CoreError::storage(format!("blocking task failed: {e}")))?;
        fail(addr);
        return Err(login_failed());
    };
    if let Some(until) = account.locked_until_ms.filter(|&t| t > now_ms) {
        fail(addr);
        return Err(login_throttled(until, now_ms));
    }
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &phc))
        .await
        .map_err(|e| CoreError::storage(format!("blocking task failed: {e}")))?;
    if !ok {
        let failures = account.failed_logins.saturating_add(1);
        let lock = web.lock_policy.lock_after(failures, now_ms);
        st.auth.record_login_failure(account.user_id, lock).await?;
        fail(addr);
        tracing::info!(user_id = %account.user_id, failures, locked = lock.is_some(), "web login refused");
        return Err(login_failed());
    }
    st.auth.record_login_success(account.user_id).await?;
    if let Some(a) = addr {
        web.addresses.success(a);
    }
    let session_token = secret::new_token()?;
    let csrf_token = secret::new_token()?;
    st.auth
        .create_web_session(
            secret::hash(&session_token),
            account.user_id,
            csrf_token.clone(),
            now_ms,
        )
        .await?;
    tracing::info!(user_id = %account.user_id, privilege = account.privilege.code(), "web login");
    Ok(LoginOutcome {
        session_token,
        user: WebUser {
            user_id: account.user_id,
            unit_id: account.unit_id,
            name: account.name,
            privilege: account.privilege,
            csrf_token,
        },
    })
}
