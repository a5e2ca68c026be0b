//! `POST /v1/push` and `POST /v1/pull` (동기화), with scopes (`crate::scope`): a device receives only
//! what its user may see, and a push with any change its user may not write is refused whole (403
//! `out_of_scope`, the offending changes listed, nothing stored).

use std::collections::BTreeSet;

use axum::extract::State;
use axum::Json;

use donghaeng_core::store::safety_events::ENTITY as SAFETY_EVENTS;
use donghaeng_core::sync::validate::{encoded_len, PageBudget};
use donghaeng_core::sync::{
    PullRequest, PullResponse, PullResume, PushRequest, PushResponse, RecordRef, SeqChange,
};
use donghaeng_core::{CoreError, CoreResult};

use crate::auth::Authed;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::scope::{Filtered, Judged, ScopeIndex, Viewer};
use crate::state::AppState;
use crate::store::{Attached, Feed, KeyedPush, TokenOwner};

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
    let mut attempts = 0;
    let resp = loop {
        let mut push = KeyedPush::for_everyone(req.clone(), Vec::new());
        // Held until the push is stored: on this node no other push's judgement can slip between
        // this judgement and its write (the next pusher catches up on this push first); a push
        // stored meanwhile by another node (or by the server itself) makes the store refuse this
        // one as `judged_stale`, and it is judged again on the log as it is now.
        let mut judged_on = None;
        if st.config.role_scopes {
            st.catch_up_scope().await.map_err(api)?;
            let ix = judged_on.insert(st.scope.read().await);
            let verdict = judge(st, &owner, ix, &req);
            // A judgement made on an index read that failed is not acted on, nor answered.
            ix.check().map_err(api)?;
            match verdict {
                Ok((judged, attached)) => {
                    push.keys = judged.keys;
                    push.attached = attached;
                    push.judged_at = Some(ix.last_seq());
                }
                Err(mut err) => {
                    err.owner = Some(owner);
                    return Err(err);
                }
            }
        }
        // The audit entries of what the push changed are stored in its own transaction.
        match st.changes.push_keyed(push, now).await {
            Err(e) if e.code == "judged_stale" && attempts < MAX_JUDGEMENTS => attempts += 1,
            result => break result.map_err(api)?,
        }
    };
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

/// How many times a push is judged again when other nodes keep storing between its judgement and
/// its write (our choice: past that the node is overloaded, and the device retries later).
const MAX_JUDGEMENTS: usize = 8;

/// The judgement of a push on the scope index: its feed keys and audit entries, or the refusal.
fn judge(
    st: &AppState,
    owner: &TokenOwner,
    ix: &ScopeIndex,
    req: &PushRequest,
) -> Result<(Judged, Vec<Attached>), ApiError> {
    let api = |e: CoreError| ApiError::from_core(&e, &st.clock);
    match Viewer::from(owner).judge_push(ix, &req.changes) {
        Ok(judged) => {
            let attached = st.audit.push_entries(owner, &req.changes, &judged);
            Ok((judged, attached))
        }
        Err(refused) => {
            // Refused whole, nothing stored: a batch is all or nothing. The body names the
            // offending changes, each with its reason, so the device sets them aside and pushes
            // the rest again.
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
            Err(err)
        }
    }
}

/// A device asks for the changes after its cursor: the page as its scope allows, records that just
/// entered its scope sent again (backfill), and records that left it listed for purging.
///
/// The page keeps to the byte budget (`ServerConfig::pull_page_bytes`, core's `PageBudget`)
/// however the filter reshapes it: the store reads a budgeted page; each change is then taken in
/// sequence order with, before it, the backfill its triggers bring (each backfilled change counted
/// like any other) and, with it, its purge list. When the budget runs out the page ends before the
/// change being worked on (`next_seq` = its seq − 1); a version-2 device also gets a resume point
/// saying how far that change's backfill went, so the next page goes on from there
/// (`docs/sync.md`, "Pull pages"). A version-1 device cannot resume: a change and its whole
/// backfill go in one page, as before, up to [`LEGACY_BACKFILL_MAX_BYTES`].
pub async fn pull(
    State(st): State<AppState>,
    Authed(owner): Authed,
    JsonBody(req): JsonBody<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    let api = |e: CoreError| ApiError::from_core(&e, &st.clock);
    let now = st.clock.now_ms();
    let max_bytes = st.config.pull_page_bytes;
    let viewer = Viewer::from(&owner);
    // The device's share of the log (`crate::scope::feed`), never its own changes.
    let feed = if st.config.role_scopes {
        st.catch_up_scope().await.map_err(api)?;
        viewer.feed(&*st.scope.read().await)
    } else {
        Feed {
            keys: None,
            except_device: Some(owner.device_id),
        }
    };
    let page = st
        .changes
        .pull_feed(req, feed, max_bytes, now)
        .await
        .map_err(api)?;
    if !st.config.role_scopes {
        return Ok(Json(page));
    }
    // The page may hold changes stored since: the index learns them before judging the page.
    // (Changes of the log the page does not hold concern no trigger or read of it, so when the
    // index knows the page's newest change already, the log's end is not asked again.)
    let newest = page.changes.iter().map(|c| c.seq).max();
    let known = st.scope.read().await.last_seq();
    if newest.is_some_and(|seq| seq > known) {
        st.catch_up_scope().await.map_err(api)?;
    }
    let ix = st.scope.read().await;
    let resumable = req.protocol_version >= 2;
    // A resume point concerns the change right after the cursor; any other is stale and ignored
    // (the backfill is then merely sent again).
    let resume = req
        .resume
        .filter(|r| resumable && Some(r.seq) == req.after_seq.checked_add(1));
    let mut budget = PageBudget::for_pull(&req, max_bytes);
    let mut changes: Vec<SeqChange> = Vec::new();
    let mut purge: Vec<RecordRef> = Vec::new();
    // Backfilled seqs already in this page (two triggers of one household send its history once).
    let mut sent = BTreeSet::new();
    // Where the page stopped short of the store's page: (next_seq, resume point).
    let mut cut: Option<(u64, Option<PullResume>)> = None;
    'page: for sc in &page.changes {
        let mut f = Filtered::default();
        for t in ix.triggers(&sc.change) {
            viewer.on_trigger(&ix, &t, sc.seq.saturating_sub(1), &mut f);
        }
        let done_upto = resume
            .filter(|r| r.seq == sc.seq)
            .map_or(0, |r| r.backfill_after);
        let backfill: BTreeSet<u64> = f
            .backfill
            .iter()
            .copied()
            .filter(|&q| q > done_upto && !sent.contains(&q))
            .collect();
        let before = sc.seq.saturating_sub(1);
        let own = viewer.read(&ix, &sc.change).map(|change| SeqChange {
            seq: sc.seq,
            change,
        });
        let mut own_cost = own
            .as_ref()
            .map_or(0, |c| PageBudget::cost(encoded_len(&c.change)));
        own_cost = own_cost.saturating_add(f.purge.iter().map(purge_cost).sum::<usize>());
        let has_own = own.is_some() || !f.purge.is_empty();
        if resumable {
            for &q in &backfill {
                let Some(item) = fetch_visible(&st, &ix, &viewer, q, now)
                    .await
                    .map_err(api)?
                else {
                    continue;
                };
                if !budget.admit(PageBudget::cost(encoded_len(&item.change))) {
                    cut = Some((
                        before,
                        Some(PullResume {
                            seq: sc.seq,
                            backfill_after: q - 1,
                        }),
                    ));
                    break 'page;
                }
                sent.insert(q);
                changes.push(item);
            }
            if has_own && !budget.admit(own_cost) {
                // The backfill is all sent: the next page starts with this change itself.
                let resume = (!backfill.is_empty()).then_some(PullResume {
                    seq: sc.seq,
                    backfill_after: before,
                });
                cut = Some((before, resume));
                break 'page;
            }
        } else {
            // Version 1: the change and its whole backfill are one unit of the page.
            let mut unit = Vec::new();
            let mut unit_cost = own_cost;
            for &q in &backfill {
                if let Some(item) = fetch_visible(&st, &ix, &viewer, q, now)
                    .await
                    .map_err(api)?
                {
                    unit_cost =
                        unit_cost.saturating_add(PageBudget::cost(encoded_len(&item.change)));
                    if unit_cost > LEGACY_BACKFILL_MAX_BYTES {
                        return Err(api(legacy_backfill_too_large()));
                    }
                    unit.push((q, item));
                }
            }
            if (has_own || !unit.is_empty()) && !budget.admit(unit_cost) {
                cut = Some((before, None));
                break 'page;
            }
            for (q, item) in unit {
                sent.insert(q);
                changes.push(item);
            }
        }
        if let Some(own) = own {
            sent.insert(own.seq);
            changes.push(own);
        }
        purge.extend(f.purge);
    }
    let (next_seq, has_more, resume) = match cut {
        Some((next_seq, resume)) => (next_seq, true, resume),
        None => (page.next_seq, page.has_more, None),
    };
    // A page filtered on an index read that failed is not sent.
    ix.check().map_err(api)?;
    let mut seen = BTreeSet::new();
    let purge = purge
        .into_iter()
        .filter(|r| seen.insert((r.entity.clone(), r.record_id)))
        .collect();
    Ok(Json(PullResponse {
        changes,
        purge,
        next_seq,
        has_more,
        resume,
        ..page
    }))
}

/// Most bytes a version-1 device's page may take for one change and the backfill it brings (our
/// choice: 64 MiB, sixteen default pages). A version-1 device cannot resume a backfill across
/// pages, so it gets it whole; a household whose history is larger than this is refused with
/// `protocol_version_unsupported` (update the app) rather than held in the server's memory.
pub const LEGACY_BACKFILL_MAX_BYTES: usize = 64 * 1024 * 1024;

fn legacy_backfill_too_large() -> CoreError {
    CoreError::invalid(
        "protocol_version_unsupported",
        "protocol_version",
        "담당 범위에 들어온 가구의 이전 기록이 너무 많아 이 앱 버전으로는 받을 수 없습니다. 앱을 업데이트하세요.",
        "the history of a household that entered this device's scope is too large for this app version to receive; update the app",
    )
}

/// What a purge entry costs in a page: its JSON and a separator.
fn purge_cost(r: &RecordRef) -> usize {
    // `{"entity":"…","record_id":"<36>"},`
    r.entity.len() + 64
}

/// A backfilled change as this device may receive it, or `None` (gone from its view).
async fn fetch_visible(
    st: &AppState,
    ix: &ScopeIndex,
    viewer: &Viewer,
    seq: u64,
    now: i64,
) -> CoreResult<Option<SeqChange>> {
    Ok(fetch(st, seq, now).await?.and_then(|sc| {
        viewer
            .read(ix, &sc.change)
            .map(|change| SeqChange { seq, change })
    }))
}

/// One stored change by its sequence number.
async fn fetch(st: &AppState, seq: u64, now: i64) -> CoreResult<Option<SeqChange>> {
    let page = st
        .changes
        .pull(PullRequest::new(seq.saturating_sub(1), 1), now)
        .await?;
    Ok(page.changes.into_iter().find(|c| c.seq == seq))
}
