//! `POST /v1/push` and `POST /v1/pull` (동기화).

use axum::extract::State;
use axum::Json;

use donghaeng_core::store::safety_events::ENTITY as SAFETY_EVENTS;
use donghaeng_core::sync::{PullRequest, PullResponse, PushRequest, PushResponse};
use donghaeng_core::CoreError;

use crate::auth::Authed;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::state::AppState;

/// A device hands over part of its outbox. Refused whole (4xx, nothing stored) when the caller is not
/// authenticated, pushes another device's changes, or the batch is structurally bad; otherwise 200
/// with each change accepted, duplicate or rejected.
pub async fn push(
    State(st): State<AppState>,
    authed: Result<Authed, ApiError>,
    body: Result<JsonBody<PushRequest>, ApiError>,
) -> Result<Json<PushResponse>, ApiError> {
    let result = push_inner(&st, authed, body).await;
    if result.is_err() {
        st.metrics.observe_push_refused();
    }
    result
}

async fn push_inner(
    st: &AppState,
    authed: Result<Authed, ApiError>,
    body: Result<JsonBody<PushRequest>, ApiError>,
) -> Result<Json<PushResponse>, ApiError> {
    let Authed(owner) = authed?;
    let JsonBody(req) = body?;
    if req.device_id != owner.device_id {
        let e = CoreError::invalid(
            "device_mismatch",
            "device_id",
            "이 기기의 ID가 아닌 기기 ID로 보낼 수 없습니다.",
            "the push names a device other than the authenticated one",
        );
        return Err(ApiError::from_core(&e, &st.clock));
    }
    // Safety events also go to the server's safety monitor once stored (issue 5).
    let safety = req.changes.iter().any(|c| c.entity == SAFETY_EVENTS);
    let safety_req = safety.then(|| PushRequest {
        changes: req
            .changes
            .iter()
            .filter(|c| c.entity == SAFETY_EVENTS)
            .cloned()
            .collect(),
        ..req.clone()
    });
    let resp = st
        .changes
        .push(req, st.clock.now_ms())
        .await
        .map_err(|e| ApiError::from_core(&e, &st.clock))?;
    if let Some(sreq) = safety_req {
        st.safety
            .observe_push(&sreq, &resp, st.clock.now_ms())
            .await;
    }
    st.metrics.observe_push(
        resp.accepted.len(),
        resp.duplicates.len(),
        resp.rejected.len(),
    );
    // Counts only: never the content of a change.
    tracing::info!(
        accepted = resp.accepted.len(),
        duplicates = resp.duplicates.len(),
        rejected = resp.rejected.len(),
        server_seq = resp.server_seq,
        "push"
    );
    Ok(Json(resp))
}

/// A device asks for the changes after its cursor.
pub async fn pull(
    State(st): State<AppState>,
    Authed(_owner): Authed,
    JsonBody(req): JsonBody<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    // Scopes (partial replication per role) come in a later slice: every device receives all.
    st.changes
        .pull(req, st.clock.now_ms())
        .await
        .map(Json)
        .map_err(|e| ApiError::from_core(&e, &st.clock))
}
