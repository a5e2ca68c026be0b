//! Safety alarm routes (안전 경보) for supervisors: the open alarms, a live feed (server-sent events)
//! and acknowledgement. Authenticated with the same bearer tokens as sync.
//!
//! Who may call them: the users listed by `--safety-supervisor` (every authenticated device when the
//! list is empty). The server's roles (`Role`) have no team lead or admin yet and the auth store holds
//! no user → unit lookup for requests, so alarms are not yet filtered by unit: that is issue 10's
//! authorisation matrix (documented in docs/safety.md).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::auth::Authed;
use crate::error::{auth_error, ApiError};
use crate::safety::AlarmRecord;
use crate::state::AppState;

/// Only supervisors (see the module doc).
fn supervisor(st: &AppState, authed: Result<Authed, ApiError>) -> Result<Authed, ApiError> {
    let authed = authed?;
    let allowed = &st.config.safety_supervisors;
    if allowed.is_empty() || allowed.contains(&authed.0.user_id) {
        return Ok(authed);
    }
    let e = auth_error(
        "not_a_supervisor",
        "안전 경보는 지정된 관리자만 볼 수 있습니다.",
        "only designated supervisors may read safety alarms",
    );
    let mut err = ApiError::from_core(&e, &st.clock);
    err.status = StatusCode::FORBIDDEN;
    Err(err)
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
    authed: Result<Authed, ApiError>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    supervisor(&st, authed)?;
    let now = st.clock.now_ms();
    let alarms: Vec<AlarmRecord> = st.safety.alarms(now, q.include_ended);
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
    authed: Result<Authed, ApiError>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<AlarmRecord>, ApiError> {
    let Authed(owner) = supervisor(&st, authed)?;
    let id = Uuid::try_parse(&id).map_err(|_| {
        let e = donghaeng_core::CoreError::invalid(
            "alarm_id_invalid",
            "id",
            "경보 ID가 올바르지 않습니다",
            "the alarm id is not a UUID",
        );
        ApiError::from_core(&e, &st.clock)
    })?;
    let note = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<AckBody>(&body)
            .map_err(|e| {
                let e = donghaeng_core::CoreError::invalid(
                    "body_invalid",
                    "body",
                    format!("요청 본문이 올바르지 않습니다: {e}"),
                    format!("the request body is not valid: {e}"),
                );
                ApiError::from_core(&e, &st.clock)
            })?
            .note
    };
    st.safety
        .acknowledge(
            id,
            owner.user_id,
            owner.device_id,
            note.as_deref(),
            st.clock.now_ms(),
        )
        .await
        .map(Json)
        .map_err(|e| ApiError::from_core(&e, &st.clock))
}

/// `GET /v1/safety/alarms/stream`: server-sent events. First a `snapshot` event with the open alarms,
/// then one `alarm` event per [`crate::safety::AlarmNotice`] as it happens; a `lagged` event if the
/// client fell so far behind that notices were skipped (reload the list). Keep-alive comments every
/// 15 s keep proxies from closing the connection.
pub async fn stream(
    State(st): State<AppState>,
    authed: Result<Authed, ApiError>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    supervisor(&st, authed)?;
    // Subscribe before the snapshot, so nothing falls between the two.
    let rx = st.safety.subscribe();
    let closing = st.safety.closing();
    let snapshot = st.safety.alarms(st.clock.now_ms(), false);
    let first = Event::default()
        .event("snapshot")
        .json_data(json!({"alarms": snapshot}))
        .unwrap_or_default();
    let live = stream::unfold((rx, closing), |(mut rx, mut closing)| async move {
        if *closing.borrow() {
            return None;
        }
        let received = tokio::select! {
            r = rx.recv() => r,
            _ = closing.changed() => return None,
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
        Some((Ok(event), (rx, closing)))
    });
    let all = futures_util::StreamExt::chain(stream::once(async { Ok(first) }), live);
    Ok(Sse::new(all).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
