//! Who is asking (요청자) and what they may see: a dashboard session cookie or a device's bearer
//! token, resolved to the user's privilege and unit. Supervisors see the units at or under their
//! area — their team's 동 (the nearest 동 above their unit) or the district/city unit itself, the
//! rule staff scopes use (`crate::scope::view::Viewer::area`); admins see everything; field users
//! are refused (403 `not_a_supervisor`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use uuid::Uuid;

use donghaeng_core::safety::SessionState;
use donghaeng_core::CoreError;

use crate::auth::Authed;
use crate::error::{auth_error, ApiError};
use crate::scope::ScopeIndex;
use crate::state::AppState;
use crate::store::Privilege;

use super::session_cookie;

/// The header a dashboard POST must carry with the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated supervisor or admin.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub unit_id: Uuid,
    pub privilege: Privilege,
    /// The device the caller acts from: the phone's id, or a stable id per dashboard user.
    pub device_id: Uuid,
    pub name: String,
    /// Set for dashboard sessions.
    pub csrf_token: Option<String>,
}

pub fn api_error(st: &AppState, status: StatusCode, e: CoreError) -> ApiError {
    let mut err = ApiError::from_core(&e, &st.clock);
    err.status = status;
    err
}

pub fn not_a_supervisor(st: &AppState) -> ApiError {
    api_error(
        st,
        StatusCode::FORBIDDEN,
        auth_error(
            "not_a_supervisor",
            "안전 경보와 현황판은 관리자(팀장·구청 담당자)만 볼 수 있습니다.",
            "only supervisors and admins may use the safety alarms and the dashboard",
        ),
    )
}

pub fn session_required(st: &AppState) -> ApiError {
    api_error(
        st,
        StatusCode::UNAUTHORIZED,
        auth_error(
            "session_required",
            "로그인이 필요하거나 세션이 만료되었습니다. 다시 로그인하세요.",
            "please log in (no session, or the session expired)",
        ),
    )
}

/// The stable device id under which a dashboard user's acknowledgements are recorded.
pub fn web_device_id(user_id: Uuid) -> Uuid {
    crate::safety::node_device_id(&format!("dashboard-user:{user_id}"))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let Authed(owner) = Authed::from_request_parts(parts, st).await?;
            let account = st
                .auth
                .user_account(owner.user_id)
                .await
                .map_err(|e| ApiError::from_core(&e, &st.clock))?;
            let Some(account) = account.filter(|a| a.privilege != Privilege::Field) else {
                return Err(not_a_supervisor(st));
            };
            return Ok(Caller {
                user_id: owner.user_id,
                unit_id: account.unit_id,
                privilege: account.privilege,
                device_id: owner.device_id,
                name: account.name,
                csrf_token: None,
            });
        }
        let Some(token) = session_cookie(&parts.headers) else {
            return Err(session_required(st));
        };
        let session = st
            .auth
            .web_session(
                crate::secret::hash(&token),
                st.clock.now_ms(),
                st.dashboard.idle_ttl_ms,
            )
            .await
            .map_err(|e| ApiError::from_core(&e, &st.clock))?;
        let Some(session) = session else {
            return Err(session_required(st));
        };
        // Cross-site requests: SameSite=Strict keeps the cookie off them, and a state-changing
        // request must also echo the token only the page's own script can read.
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !crate::dashboard::same_secret(sent, &session.csrf_token) {
                return Err(api_error(
                    st,
                    StatusCode::FORBIDDEN,
                    auth_error(
                        "csrf_invalid",
                        "요청 확인 토큰이 없거나 올바르지 않습니다. 화면을 새로 고치세요.",
                        "missing or wrong CSRF token; reload the page",
                    ),
                ));
            }
        }
        if session.privilege == Privilege::Field {
            return Err(not_a_supervisor(st));
        }
        Ok(Caller {
            user_id: session.user_id,
            unit_id: session.unit_id,
            privilege: session.privilege,
            device_id: web_device_id(session.user_id),
            name: session.name,
            csrf_token: Some(session.csrf_token),
        })
    }
}

impl Caller {
    /// The area the caller oversees; `None` for an admin (everything).
    pub fn area(&self, ix: &ScopeIndex) -> Option<Uuid> {
        if self.privilege == Privilege::Admin {
            return None;
        }
        Some(ix.area_of(self.unit_id))
    }

    /// Whether `unit` lies in the caller's area.
    pub fn sees_unit(&self, ix: &ScopeIndex, unit: Uuid) -> bool {
        match self.area(ix) {
            None => true,
            Some(area) => ix.within(unit, area),
        }
    }

    /// Whether a safety session belongs to the caller's teams: its household's 동 is in the area,
    /// or (household not synced yet) one of its workers' teams is.
    pub fn sees_session(&self, ix: &ScopeIndex, st: &SessionState) -> bool {
        let Some(area) = self.area(ix) else {
            return true;
        };
        let Some(plan) = &st.plan else {
            return false;
        };
        if let Some(dong) = ix.dong_of_household(plan.household.household_id) {
            return ix.within(dong, area);
        }
        plan.participants.iter().any(|p| {
            ix.team_of_worker(p.worker_id)
                .is_some_and(|t| ix.within(t, area))
        })
    }
}

/// Brings the scope index up to the log before deciding anything (several nodes: what the others
/// stored too).
pub async fn catch_up_scope(st: &AppState) -> Result<(), ApiError> {
    st.catch_up_scope()
        .await
        .map_err(|e| ApiError::from_core(&e, &st.clock))
}

/// The credential a request came with, kept by long-lived streams to check it again.
#[derive(Debug, Clone)]
pub enum Credential {
    Cookie(String),
    Bearer(String),
}

impl Credential {
    pub fn of(headers: &axum::http::HeaderMap) -> Option<Credential> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        match bearer {
            Some(t) => Some(Credential::Bearer(t)),
            None => session_cookie(headers).map(Credential::Cookie),
        }
    }

    /// Whether the credential still belongs to a supervisor or admin: a live stream ends when its
    /// session is logged out, expires or loses its password, when its token expires or its device
    /// is revoked, or when the user's privilege is withdrawn. Checking a session counts as use (an
    /// open board on a desk is not idle).
    pub async fn still_valid(&self, st: &AppState) -> bool {
        let now = st.clock.now_ms();
        match self {
            Credential::Cookie(t) => st
                .auth
                .web_session(crate::secret::hash(t), now, st.dashboard.idle_ttl_ms)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.privilege != Privilege::Field),
            Credential::Bearer(t) => match st.auth.authenticate(t.clone(), now).await {
                Ok(owner) => st
                    .auth
                    .user_account(owner.user_id)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.privilege != Privilege::Field),
                Err(_) => false,
            },
        }
    }
}
