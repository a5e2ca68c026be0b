//! Web login (웹 로그인): counts the attempt on the account, (address, login) and address counters of
//! [`super::lockout`], checks the password, and opens a session whose random token goes into an
//! HttpOnly, SameSite=Strict cookie (only its SHA-256 is stored) with a second random token for CSRF.
//! Unknown login, wrong password, no password set and a field user all get the same answer, after
//! the same argon2 work.

use std::net::IpAddr;

use uuid::Uuid;

use donghaeng_core::CoreError;

use crate::error::auth_error;
use crate::secret;
use crate::state::AppState;
use crate::store::{LoginAttempt, Privilege};

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

/// A refused login: the error, and the end of the lock when the refusal is one.
#[derive(Debug, Clone)]
pub struct LoginRefused {
    pub error: CoreError,
    pub locked_until_ms: Option<i64>,
}

impl From<CoreError> for LoginRefused {
    fn from(error: CoreError) -> Self {
        LoginRefused {
            error,
            locked_until_ms: None,
        }
    }
}

fn throttled(until_ms: i64, now_ms: i64) -> LoginRefused {
    LoginRefused {
        error: login_throttled(until_ms, now_ms),
        locked_until_ms: Some(until_ms),
    }
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

/// Checks `login` / `password` at `now_ms` for a client at `addr` (when known). The attempt is
/// counted per (address, login) and per address ([`super::LoginGuard`]) and on the account before
/// argon2 runs, so parallel guesses cannot outrun the lock (see [`super::lockout`]).
pub async fn login(
    st: &AppState,
    login: &str,
    password: &str,
    addr: Option<IpAddr>,
    now_ms: i64,
) -> Result<LoginOutcome, LoginRefused> {
    let guard = &st.dashboard.guard;
    if let Some(a) = addr {
        guard
            .reserve(a, login, now_ms)
            .map_err(|until| throttled(until, now_ms))?;
    }
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
        return Err(login_failed().into());
    };
    let policy = st.dashboard.lock_policy;
    let attempt = st
        .auth
        .reserve_login_attempt(account.user_id, account.login_state(), policy, now_ms)
        .await?;
    if let LoginAttempt::LockedUntil(until) = attempt {
        // Not checked, so not counted against this address either.
        if let Some(a) = addr {
            guard.release(a, login);
        }
        return Err(throttled(until, now_ms));
    }
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &phc))
        .await
        .map_err(|e| CoreError::storage(format!("blocking task failed: {e}")))?;
    if !ok {
        // Already counted (before the check).
        tracing::info!(user_id = %account.user_id, "web login refused");
        return Err(login_failed().into());
    }
    st.auth.record_login_success(account.user_id).await?;
    if let Some(a) = addr {
        guard.success(a, login);
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
