//! `POST /v1/snapshot` (첫 동기화 스냅숏, docs/sync.md "Snapshot"): a new device's first sync from the
//! merged state of the records its user may hold, page by page in the order the device asks for
//! (`SnapshotOrder`: parents first, or by name for an older app), then the feed from the
//! snapshot's position.
//!
//! Which records, and which of their fields, a device receives is decided by the feed's own read
//! rule (`Viewer::read_record` and `Viewer::read` share one visibility rule); the scope index only
//! proposes candidates, so the two paths cannot disagree. A page keeps to the pull's byte budget
//! (`PageBudget`), weighed on each record's JSON as it is written straight from its stored state
//! into the page (`PageWriter`; each record is encoded once and held as no tree).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use donghaeng_core::sync::snapshot::PageWriter;
use donghaeng_core::sync::validate::PageBudget;
use donghaeng_core::sync::{known_entity, SnapshotRequest};
use donghaeng_core::CoreError;

use crate::auth::Authed;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::scope::Viewer;
use crate::state::AppState;

pub async fn snapshot(
    State(st): State<AppState>,
    Authed(owner): Authed,
    JsonBody(req): JsonBody<SnapshotRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let api = |e: CoreError| ApiError::from_core(&e, &st.clock);
    req.validate().map_err(api)?;
    if !st.config.role_scopes {
        // Without scopes there is no index to list a device's records: the device reads the feed.
        return Err(api(unavailable()));
    }
    st.catch_up_scope().await.map_err(api)?;
    let ix = st.scope.read().await;
    let viewer = Viewer::from(&owner);
    // The first page fixes the snapshot's position; later pages send it back. Never beyond what
    // this node has read (a forged value could otherwise skip changes on the device).
    let feed_from = req
        .feed_from
        .map_or(ix.last_seq(), |f| f.min(ix.last_seq()));
    let limit = req.effective_limit();
    let mut budget = PageBudget::new(limit, st.config.pull_page_bytes);
    let mut page = PageWriter::new();
    let mut after = req.after.clone();
    let mut has_more = false;
    'page: loop {
        let (keys, more) = ix.snapshot_candidates(
            |dong| viewer.area_holds(&ix, dong),
            |h| viewer.sees_household(&ix, h),
            viewer.user_id,
            req.order,
            after.as_ref(),
            limit,
        );
        let held = st.changes.records(keys.clone()).await.map_err(api)?;
        let mut held = held.into_iter().peekable();
        for key in keys {
            let state = match held.peek() {
                Some((k, _)) if *k == key => held.next().map(|(_, s)| s),
                _ => None,
            };
            if let Some(state) = state {
                let rec = state
                    .read(known_entity(&key.entity, "entity").map_err(api)?)
                    .map_err(api)?;
                let written = page
                    .push(|out| viewer.read_record(&ix, key.record_id, &rec, out))
                    .map_err(api)?;
                if let Some(size) = written {
                    if !budget.admit(PageBudget::cost(size)) {
                        page.pop();
                        has_more = true;
                        break 'page;
                    }
                }
            }
            after = Some(key);
        }
        if !more {
            break;
        }
    }
    // A page read on an index read that failed is not sent.
    ix.check().map_err(api)?;
    // Counts only: never what the records hold.
    tracing::info!(records = page.len(), has_more, feed_from, "snapshot");
    let body = page
        .finish(
            after.as_ref(),
            has_more,
            feed_from,
            st.clock.now_ms(),
            req.order,
        )
        .map_err(api)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

fn unavailable() -> CoreError {
    CoreError::invalid(
        "snapshot_unavailable",
        "protocol",
        "이 서버는 스냅숏 첫 동기화를 제공하지 않습니다. 변경 기록 전체를 받습니다.",
        "this server offers no snapshot; read the change feed from the start",
    )
}
