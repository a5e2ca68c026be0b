//! Safety alarm routes (안전 경보) for supervisors: the open alarms, a live feed (server-sent events),
//! acknowledgement and resolution. Callers authenticate with a device's bearer token or a dashboard
//! session cookie (POSTs then also carry the CSRF header).
//!
//! Who may call them (issue 5's open gap, closed with issue 9/10's privileges): users with the
//! `supervisor` privilege, for sessions of their area — the session's household's 동 (from the scope
//! index), or its workers' teams while the household is not synced — and `admin` users for all.
//! Field users get 403 `not_a_supervisor`; an alarm outside the caller's area is answered like an
//! unknown alarm (404), so its existence does not leak.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::dashboard::access::{catch_up_scope, Caller, Credential};
use crate::error::ApiError;
use crate::safety::AlarmRecord;
use crate::state::AppState;

/// How often a live alarm feed checks its credential again.
const RECHECK: Duration = Duration::from_secs(30);

/// Whether the caller may see the alarms of the session `session_id`.
async fn sees(st: &AppState, caller: &Caller, session_id: Uuid) -> bool {
    if caller.area(&*st.scope.read().await).is_none() {
        return true;
    }
    let ix = st.scope.read().await;
    st.safety
        .sessions(st.clock.now_ms(), |s| s.session_id == session_id)
        .first()
        .is_some_and(|(s, _)| caller.sees_session(&ix, s))
}

/// The alarms of the caller's area.
async fn visible(st: &AppState, caller: &Caller, alarms: Vec<AlarmRecord>) -> Vec<AlarmRecord> {
    if caller.area(&*st.scope.read().await).is_none() {
        return alarms;
    }
    let ix = st.scope.read().await;
    let mine: std::collections::HashSet<Uuid> = st
        .safety
        .sessions(st.clock.now_ms(), |s| caller.sees_session(&ix, s))
        .into_iter()
        .map(|(s, _)| s.session_id)
        .collect();
    alarms
        .into_iter()
        .filter(|a| mine.contains(&a.session_id))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Also list alarms that have ended (of the sessions the server still holds).
    #[serde(default)]
    include_ended: bool,
}

/// `GET /v1/safety/alarms`: the open alarms (or all with `?include_ended=true`), oldest first.
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    catch_up_scope(&st).await?;
    let now = st.clock.now_ms();
    let alarms = visible(&st, &caller, st.safety.alarms(now, q.include_ended)).await;
    Ok(Json(json!({"alarms": alarms, "server_time_ms": now})))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    note: Option<String>,
}

/// `POST /v1/safety/alarms/{id}/ack`: the supervisor takes charge; the escalation ladder (or the
/// repeats) stop. Body optional: `{"note": "…"}`.
pub async fn ack(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<AlarmRecord>, ApiError> {
    let id = alarm_in_area(&st, &caller, &id).await?;
    let note = note_of(&st, &body)?;
    st.safety
        .acknowledge(
            id,
            caller.user_id,
            caller.device_id,
            note.as_deref(),
            st.clock.now_ms(),
        )
        .await
        .map(Json)
        .map_err(|e| ApiError::from_core(&e, &st.clock))
}

/// `POST /v1/safety/alarms/{id}/resolve` `{"note": "…"}` (note required): the supervisor closes the
/// alarm (the worker is safe, the situation handled); recorded as a safety event that reaches the
/// phones by pull.
pub async fn resolve(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<AlarmRecord>, ApiError> {
    let id = alarm_in_area(&st, &caller, &id).await?;
    let note = note_of(&st, &body)?
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            let e = donghaeng_core::CoreError::invalid(
                "note_required",
                "note",
                "해제하려면 메모(조치 내용)를 적으세요.",
                "a note is required to resolve an alarm",
            );
            ApiError::from_core(&e, &st.clock)
        })?;
    st.safety
        .resolve(
            id,
            caller.user_id,
            caller.device_id,
            &note,
            st.clock.now_ms(),
        )
        .await
        .map(Json)
        .map_err(|e| ApiError::from_core(&e, &st.clock))
}

/// The alarm id of the path, if it names an alarm the caller may act on; otherwise 400 (not a
/// UUID) or 404 (unknown, or outside the caller's area: the same answer).
async fn alarm_in_area(st: &AppState, caller: &Caller, id: &str) -> Result<Uuid, ApiError> {
    let id = Uuid::try_parse(id).map_err(|_| {
        let e = donghaeng_core::CoreError::invalid(
            "alarm_id_invalid",
            "id",
            "경보 ID가 올바르지 않습니다",
            "the alarm id is not a UUID",
        );
        ApiError::from_core(&e, &st.clock)
    })?;
    catch_up_scope(st).await?;
    let now = st.clock.now_ms();
    let session = st.safety.session_of_alarm(id, now);
    let ok = match session {
        Some(s) => sees(st, caller, s.session_id).await,
        None => false,
    };
    if !ok {
        let e = donghaeng_core::CoreError::not_found("safety_alarm", id);
        return Err(ApiError::from_core(&e, &st.clock));
    }
    Ok(id)
}

fn note_of(st: &AppState, body: &Bytes) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<AckBody>(body)
        .map(|b| b.note)
        .map_err(|e| {
            let e = donghaeng_core::CoreError::invalid(
                "body_invalid",
                "body",
                format!("요청 본문이 올바르지 않습니다: {e}"),
                format!("the request body is not valid: {e}"),
            );
            ApiError::from_core(&e, &st.clock)
        })
}

/// `GET /v1/safety/alarms/stream`: server-sent events. First a `snapshot` event with the open alarms,
/// then one `alarm` event per [`crate::safety::AlarmNotice`] as it happens; a `lagged` event if the
/// client fell so far behind that notices were skipped (reload the list). Keep-alive comments every
/// 15 s keep proxies from closing the connection.
pub async fn stream(
    State(st): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let cred = Credential::of(&headers);
    catch_up_scope(&st).await?;
    // Subscribe before the snapshot, so nothing falls between the two.
    let rx = st.safety.subscribe();
    let closing = st.safety.closing();
    let snapshot = visible(&st, &caller, st.safety.alarms(st.clock.now_ms(), false)).await;
    let first = Event::default()
        .event("snapshot")
        .json_data(json!({"alarms": snapshot}))
        .unwrap_or_default();
    let init = (rx, closing, st, caller, cred);
    let live = stream::unfold(init, |(mut rx, mut closing, st, caller, cred)| async move {
        let received = loop {
            if *closing.borrow() {
                return None;
            }
            let r = tokio::select! {
                r = rx.recv() => r,
                _ = closing.changed() => return None,
                // The credential is checked again now and then: a revoked device, an expired token
                // or session, a withdrawn privilege ends the feed.
                _ = tokio::time::sleep(RECHECK) => {
                    let valid = match &cred {
                        Some(c) => c.still_valid(&st).await,
                        None => false,
                    };
                    if !valid {
                        return None;
                    }
                    continue;
                }
            };
            // Notices of sessions outside the caller's area are skipped (an admin gets them all).
            match &r {
                Ok(n) => {
                    let _ = catch_up_scope(&st).await;
                    if sees(&st, &caller, n.session_id).await {
                        break r;
                    }
                }
                Err(_) => break r,
            }
        };
        let event = match received {
            Ok(n) => Event::default()
                .event("alarm")
                .id(n.alarm_id.to_string())
                .json_data(&n)
                .unwrap_or_default(),
            Err(RecvError::Lagged(skipped)) => {
                Event::default().event("lagged").data(skipped.to_string())
            }
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), (rx, closing, st, caller, cred)))
    });
    let all = futures_util::StreamExt::chain(stream::once(async { Ok(first) }), live);
    Ok(Sse::new(all).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
