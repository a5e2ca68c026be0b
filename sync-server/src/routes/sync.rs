//! `POST /v1/push` and `POST /v1/pull` (동기화), with scopes (`crate::scope`): a device receives only
//! what its user may see, and a push with any change its user may not write is refused whole (403
//! `out_of_scope`, the offending changes listed, nothing stored).

use std::collections::BTreeSet;

use axum::extract::State;
use axum::Json;

use donghaeng_core::store::safety_events::ENTITY as SAFETY_EVENTS;
use donghaeng_core::sync::{
    ProtocolVersion, PullRequest, PullResponse, PushRequest, PushResponse, SeqChange,
};
use donghaeng_core::{CoreError, CoreResult};

use crate::auth::Authed;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::scope::{Filtered, Viewer};
use crate::state::AppState;

/// A device hands over part of its outbox. Refused whole (4xx, nothing stored) when the caller is not
/// authenticated, pushes another device's changes, writes outside its user's scope, or the batch is
/// structurally bad; otherwise 200 with each change accepted, duplicate or rejected (clock, reuse).
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
    let api = |e: CoreError| ApiError::from_core(&e, &st.clock);
    if req.device_id != owner.device_id {
        let mut err = api(CoreError::invalid(
            "device_mismatch",
            "device_id",
            "이 기기의 ID가 아닌 기기 ID로 보낼 수 없습니다.",
            "the push names a device other than the authenticated one",
        ));
        err.owner = Some(owner);
        return Err(err);
    }
    let now = st.clock.now_ms();
    let mut attached = Vec::new();
    // Held until the push is stored: on this node no other push's judgement can slip between this
    // judgement and its write (the next pusher catches up on this push first).
    let mut judged_on = None;
    if st.config.role_scopes {
        st.catch_up_scope().await.map_err(api)?;
        let ix = judged_on.insert(st.scope.read().await);
        match Viewer::from(&owner).judge_push(ix, &req.changes) {
            Ok(judged) => attached = st.audit.push_entries(&owner, &req.changes, &judged),
            Err(refused) => {
                // Refused whole, nothing stored: a batch is all or nothing. The body names the
                // offending changes, each with its reason, so the device sets them aside and
                // pushes the rest again.
                let mut err = api(CoreError::invalid(
                    "out_of_scope",
                    "changes",
                    format!(
                        "{}건의 변경은 이 사용자가 쓸 수 없습니다 (담당 범위 밖이거나 바꿀 수 없는 항목). 아무것도 저장되지 않았습니다.",
                        refused.len()
                    ),
                    format!(
                        "{} change(s) may not be written by this user (outside their scope, or a field that cannot change); nothing was stored",
                        refused.len()
                    ),
                ));
                err.body.refused = refused;
                err.owner = Some(owner);
                return Err(err);
            }
        }
    }
    // Safety events also go to the server's safety monitor once stored (docs/safety.md).
    let safety_req = req
        .changes
        .iter()
        .any(|c| c.entity == SAFETY_EVENTS)
        .then(|| PushRequest {
            changes: req
                .changes
                .iter()
                .filter(|c| c.entity == SAFETY_EVENTS)
                .cloned()
                .collect(),
            ..req.clone()
        });
    // The audit entries of what the push changed are stored in its own transaction.
    let resp = st
        .changes
        .push_attached(req, attached, now)
        .await
        .map_err(api)?;
    drop(judged_on);
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

/// A device asks for the changes after its cursor: the page as its scope allows, records that just
/// entered its scope sent again (backfill), and records that left it listed for purging.
pub async fn pull(
    State(st): State<AppState>,
    Authed(owner): Authed,
    JsonBody(req): JsonBody<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    let api = |e: CoreError| ApiError::from_core(&e, &st.clock);
    let now = st.clock.now_ms();
    let page = st.changes.pull(req, now).await.map_err(api)?;
    if !st.config.role_scopes {
        return Ok(Json(page));
    }
    st.catch_up_scope().await.map_err(api)?;
    let ix = st.scope.read().await;
    let viewer = Viewer::from(&owner);
    let mut f = Filtered::default();
    for sc in &page.changes {
        for t in ix.triggers(&sc.change) {
            viewer.on_trigger(&ix, &t, req.after_seq, &mut f);
        }
        if let Some(change) = viewer.read(&ix, &sc.change) {
            f.changes.push(SeqChange {
                seq: sc.seq,
                change,
            });
        }
    }
    let backfill: BTreeSet<u64> = f.backfill.iter().copied().collect();
    let mut changes = Vec::with_capacity(backfill.len() + f.changes.len());
    for seq in backfill {
        if let Some(sc) = fetch(&st, seq, now).await.map_err(api)? {
            if let Some(change) = viewer.read(&ix, &sc.change) {
                changes.push(SeqChange { seq, change });
            }
        }
    }
    changes.extend(f.changes);
    let mut seen = BTreeSet::new();
    let purge = f
        .purge
        .into_iter()
        .filter(|r| seen.insert((r.entity.clone(), r.record_id)))
        .collect();
    Ok(Json(PullResponse {
        changes,
        purge,
        ..page
    }))
}

/// One stored change by its sequence number.
async fn fetch(st: &AppState, seq: u64, now: i64) -> CoreResult<Option<SeqChange>> {
    let page = st
        .changes
        .pull(
            PullRequest {
                protocol_version: ProtocolVersion::CURRENT,
                after_seq: seq.saturating_sub(1),
                limit: 1,
            },
            now,
        )
        .await?;
    Ok(page.changes.into_iter().find(|c| c.seq == seq))
}
