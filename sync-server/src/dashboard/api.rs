//! The dashboard's JSON endpoints (`/dashboard/api/…`). Every answer is scoped to the caller's area
//! ([`super::access::Caller`]); a unit outside it is answered exactly like a unit that does not
//! exist (404 `unit_not_found`), so a forged request learns nothing.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Datelike, NaiveDate};
use donghaeng_core::clock::{local_date, local_date_of_ms};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use donghaeng_core::figures::{self, Period};
use donghaeng_core::model::{OrgUnitKind, ReferralTarget};
use donghaeng_core::safety::incident::{half_year_stats, IncidentStats};
use donghaeng_core::store::records::DongRecords;
use donghaeng_core::CoreError;

use super::access::{api_error, catch_up_scope, Caller};
use super::board;
use super::labels::{self, Lang};
use super::plan::DayPlan;
use super::projection::Projection;
use super::report::{self, ReportHead};
use super::{session_cookie, SESSION_COOKIE};
use crate::accounts;
use crate::error::ApiError;
use crate::state::AppState;

fn core(st: &AppState, e: CoreError) -> ApiError {
    ApiError::from_core(&e, &st.clock)
}

fn bad_param(st: &AppState, field: &str, ko: &str, en: &str) -> ApiError {
    api_error(
        st,
        StatusCode::BAD_REQUEST,
        CoreError::invalid("query_param_invalid", field, ko, en),
    )
}

fn unit_not_found(st: &AppState) -> ApiError {
    api_error(
        st,
        StatusCode::NOT_FOUND,
        CoreError::invalid(
            "unit_not_found",
            "unit",
            "조직을 찾을 수 없습니다.",
            "no such unit",
        ),
    )
}

fn cookie(st: &AppState, headers: &HeaderMap, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = st
        .dashboard
        .secure_cookies
        .load(std::sync::atomic::Ordering::Relaxed)
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let c = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("dh_session=; Max-Age=0"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    login: String,
    password: String,
}

/// `POST /dashboard/api/login` `{login, password}` → the user and a CSRF token; sets the cookie.
pub async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let addr = crate::throttle::client_addr(req.extensions());
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| {
            api_error(
                &st,
                StatusCode::PAYLOAD_TOO_LARGE,
                CoreError::invalid(
                    "body_too_large",
                    "body",
                    "요청이 너무 큽니다.",
                    "body too large",
                ),
            )
        })?;
    let body: LoginBody = serde_json::from_slice(&body).map_err(|_| {
        api_error(
            &st,
            StatusCode::BAD_REQUEST,
            CoreError::invalid(
                "invalid_body",
                "body",
                "요청 본문은 {\"login\": …, \"password\": …} 이어야 합니다.",
                "the body must be {\"login\": …, \"password\": …}",
            ),
        )
    })?;
    st.throttles
        .login(addr, &body.login)
        .map_err(|l| crate::throttle::rate_limited(l, &st.clock))?;
    let now = st.clock.now_ms();
    match accounts::login(&st, &body.login, &body.password, addr, now).await {
        Ok(out) => {
            let max_age = st.dashboard.idle_ttl_ms / 1000;
            let mut resp = Json(json!({"user": out.user, "server_time_ms": now})).into_response();
            resp.headers_mut().insert(
                SET_COOKIE,
                cookie(&st, &headers, &out.session_token, max_age),
            );
            Ok(resp)
        }
        Err(refused) => {
            let e = refused.error;
            let status = match e.code {
                "login_failed" => StatusCode::UNAUTHORIZED,
                _ => crate::error::status_of(&e),
            };
            let mut err = api_error(&st, status, e);
            if let Some(until) = refused.locked_until_ms {
                let wait = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
                err = err.retry_after(Duration::from_millis(wait));
            }
            Err(err)
        }
    }
}

/// `POST /dashboard/api/logout`: ends the session, clears the cookie.
pub async fn logout(
    State(st): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_cookie(&headers) {
        st.auth
            .end_web_session(crate::secret::hash(&token))
            .await
            .map_err(|e| core(&st, e))?;
    }
    let mut resp = Json(json!({"logged_out": true})).into_response();
    resp.headers_mut()
        .insert(SET_COOKIE, cookie(&st, &headers, "", 0));
    Ok(resp)
}

/// `GET /dashboard/api/me`: who is logged in, their area and the CSRF token (for a page reload).
pub async fn me(State(st): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    catch_up_scope(&st).await?;
    let area = caller.area(&*st.scope.read().await);
    Ok(Json(json!({
        "user_id": caller.user_id,
        "name": caller.name,
        "privilege": caller.privilege,
        "unit_id": caller.unit_id,
        "area_id": area,
        "csrf_token": caller.csrf_token,
        "server_time_ms": st.clock.now_ms(),
    })))
}

/// The board rows the caller may see.
async fn board_rows(st: &AppState, caller: &Caller) -> Result<Value, ApiError> {
    catch_up_scope(st).await?;
    let now_ms = st.clock.now_ms();
    let now = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let ix = st.scope.read().await;
    let sessions: Vec<_> = st
        .safety
        .sessions(now_ms, |s| caller.sees_session(&ix, s))
        .into_iter()
        .filter(|(_, v)| board::on_board(v))
        .collect();
    drop(ix);
    // The households' flags and locations and the workers' numbers, from the synced records (only
    // those the visible sessions name).
    let records = if sessions.is_empty() {
        board::Records::default()
    } else {
        let mut p = projection(st).await?;
        let store = p.store().map_err(|e| core(st, e))?;
        board::Records::of(store, &sessions).map_err(|e| core(st, e))?
    };
    let mut rows: Vec<board::BoardRow> = sessions
        .iter()
        .map(|(s, v)| board::row(s, v, now, &records))
        .collect();
    board::sort(&mut rows);
    Ok(json!({"server_time_ms": now_ms, "sessions": rows}))
}

/// `GET /dashboard/api/board`: open sessions of the caller's teams, alarms first.
pub async fn board(State(st): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    board_rows(&st, &caller).await.map(Json)
}

/// `GET /dashboard/api/board/stream`: server-sent events; a `board` event with the whole board at
/// once and again whenever the server's safety state changes (50 ms after it, so a burst is one update), and at
/// least every 30 s. The page keeps no other state, so a reconnect is a plain refresh.
pub async fn board_stream(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let cred = super::access::Credential::of(&headers);
    let first = board_rows(&st, &caller).await?;
    let live = LiveBoard {
        changes: st.safety.watch_changes(),
        closing: st.safety.closing(),
        st,
        caller,
        cred,
        pending: Some(first),
        ended: false,
    };
    let s = stream::unfold(live, |mut b| async move {
        let body = b.next().await?;
        let ev = Event::default()
            .event("board")
            .json_data(&body)
            .unwrap_or_default();
        Some((Ok(ev), b))
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One client's live board.
struct LiveBoard {
    st: AppState,
    caller: Caller,
    cred: Option<super::access::Credential>,
    changes: tokio::sync::watch::Receiver<u64>,
    closing: tokio::sync::watch::Receiver<bool>,
    pending: Option<Value>,
    ended: bool,
}

impl LiveBoard {
    /// The next board to send, or `None` when the stream ends (server shutdown, or the credential
    /// is no longer valid — after one last event saying so).
    async fn next(&mut self) -> Option<Value> {
        if let Some(b) = self.pending.take() {
            return Some(b);
        }
        if self.ended || *self.closing.borrow() {
            return None;
        }
        tokio::select! {
            r = self.changes.changed() => { if r.is_err() { return None; } }
            _ = self.closing.changed() => return None,
            _ = tokio::time::sleep(RECHECK) => {}
        }
        // Coalesce a burst (a push of many events) into one update.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.changes.borrow_and_update();
        let valid = match &self.cred {
            Some(c) => c.still_valid(&self.st).await,
            None => false,
        };
        if !valid {
            self.ended = true;
            return Some(json!({"error": super::access::session_required(&self.st).body}));
        }
        Some(match board_rows(&self.st, &self.caller).await {
            Ok(b) => b,
            Err(e) => json!({"error": e.body}),
        })
    }
}

/// How often a live board checks its credential even when nothing changes.
const RECHECK: Duration = Duration::from_secs(30);

/// Query parameters: `key=value` pairs of plain ASCII (dates, ids, codes); anything else is refused
/// with the parameter's name.
fn params(
    st: &AppState,
    raw: Option<String>,
    allowed: &[&str],
) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if !allowed.contains(&k) {
            return Err(bad_param(
                st,
                "query",
                &format!(
                    "알 수 없는 매개변수입니다: {k:.40} (허용: {})",
                    allowed.join(", ")
                ),
                &format!(
                    "unknown parameter {k:.40} (allowed: {})",
                    allowed.join(", ")
                ),
            ));
        }
        if out.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(bad_param(
                st,
                k,
                &format!("매개변수 {k}가 두 번 있습니다."),
                &format!("parameter {k} given twice"),
            ));
        }
    }
    Ok(out)
}

fn date_param(
    st: &AppState,
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<NaiveDate>, ApiError> {
    q.get(name)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                bad_param(
                    st,
                    name,
                    &format!("{name}는 YYYY-MM-DD 형식의 날짜여야 합니다."),
                    &format!("{name} must be a date as YYYY-MM-DD"),
                )
            })
        })
        .transpose()
}

/// The period of `from`/`to` (default: this year's current half in Korea), at most 366 days.
fn period(st: &AppState, q: &HashMap<String, String>) -> Result<Period, ApiError> {
    let today = local_date_of_ms(st.clock.now_ms()).unwrap_or_default();
    let half_start =
        NaiveDate::from_ymd_opt(today.year(), if today.month() <= 6 { 1 } else { 7 }, 1)
            .unwrap_or(today);
    let from = date_param(st, q, "from")?.unwrap_or(half_start);
    let to = date_param(st, q, "to")?.unwrap_or(today);
    if to < from || (to - from).num_days() > 366 {
        return Err(bad_param(
            st,
            "to",
            "기간이 올바르지 않습니다: from ≤ to, 최대 366일.",
            "invalid period: from must not be after to, and at most 366 days",
        ));
    }
    Ok(Period { from, to })
}

/// The unit to report on: `unit=<id>` inside the caller's area, or the area itself.
fn report_unit(
    st: &AppState,
    caller: &Caller,
    ix: &crate::scope::ScopeIndex,
    q: &HashMap<String, String>,
) -> Result<Option<Uuid>, ApiError> {
    match q.get("unit") {
        None => Ok(caller.area(ix)),
        Some(v) => {
            let id = Uuid::try_parse(v).map_err(|_| {
                bad_param(
                    st,
                    "unit",
                    "unit은 조직 ID(UUID)여야 합니다.",
                    "unit must be a unit id (UUID)",
                )
            })?;
            if ix.unit_kind(id).is_none() || !caller.sees_unit(ix, id) {
                return Err(unit_not_found(st));
            }
            Ok(Some(id))
        }
    }
}

/// The projection, locked and caught up with the log.
async fn projection(st: &AppState) -> Result<tokio::sync::MutexGuard<'_, Projection>, ApiError> {
    let mut p = st.dashboard.projection.lock().await;
    p.catch_up(st.changes.as_ref(), st.clock.now_ms())
        .await
        .map_err(|e| core(st, e))?;
    Ok(p)
}

/// The export format of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FiguresFormat {
    Json,
    Csv,
    Xlsx,
}

/// `GET /dashboard/api/figures?from=&to=&unit=&format=json|csv|xlsx&lang=ko|en`: the figures as
/// JSON (with the labels the page shows), or as a report file (labels in `lang`, Korean by
/// default; the unit and the period written in it). The same session, CSRF-free GET, and scope
/// checks for every format.
pub async fn figures(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = params(&st, raw, &["from", "to", "unit", "format", "lang"])?;
    let period = period(&st, &q)?;
    let format = match q.get("format").map(String::as_str) {
        None | Some("json") => FiguresFormat::Json,
        Some("csv") => FiguresFormat::Csv,
        Some("xlsx") => FiguresFormat::Xlsx,
        Some(_) => {
            return Err(bad_param(
                &st,
                "format",
                "format은 json, csv 또는 xlsx여야 합니다.",
                "format must be json, csv or xlsx",
            ))
        }
    };
    let Some(lang) = Lang::parse(q.get("lang").map(String::as_str)) else {
        return Err(bad_param(
            &st,
            "lang",
            "lang은 ko 또는 en이어야 합니다.",
            "lang must be ko or en",
        ));
    };
    catch_up_scope(&st).await?;
    let mut p = projection(&st).await?;
    let ix = st.scope.read().await;
    let unit = report_unit(&st, &caller, &ix, &q)?;
    let records = p
        .records(&|dong| unit.is_none_or(|u| ix.within(dong, u)))
        .map_err(|e| core(&st, e))?;
    drop(ix);
    drop(p);
    let f = figures::compute(&records.figures(), &period);
    if format != FiguresFormat::Json {
        let head = ReportHead {
            unit_name: match unit {
                Some(u) => Some(unit_name(&st, u).await?),
                None => None,
            },
            from: period.from,
            to: period.to,
        };
        let (body, content_type, ext) = match format {
            FiguresFormat::Csv => (
                report::to_csv(&f, &head, lang),
                "text/csv; charset=utf-8",
                "csv",
            ),
            _ => (
                report::to_xlsx(&f, &head, lang),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        let body = body.map_err(|e| core(&st, e))?;
        let name = format!("donghaeng-figures-{}-{}.{ext}", period.from, period.to);
        return Ok((
            [
                (CONTENT_TYPE, content_type.to_owned()),
                (
                    CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body,
        )
            .into_response());
    }
    // Labels of the referral targets the service links are counted by (the page shows codes
    // otherwise).
    let targets: serde_json::Map<String, Value> = ReferralTarget::ALL
        .iter()
        .map(|t| {
            (
                t.code().to_owned(),
                json!({"ko": t.label_ko(), "en": t.label_en()}),
            )
        })
        .collect();
    Ok(Json(json!({
        "from": period.from, "to": period.to, "unit_id": unit, "figures": f,
        "referral_targets": targets, "labels": labels::all_json(),
    }))
    .into_response())
}

/// The name of a unit the caller may see (the report's heading); its id if the projection has no
/// name for it yet.
async fn unit_name(st: &AppState, unit: Uuid) -> Result<String, ApiError> {
    let mut p = st.dashboard.projection.lock().await;
    let store = p.store().map_err(|e| core(st, e))?;
    Ok(store
        .org()
        .get(unit)
        .map_or_else(|_| unit.to_string(), |u| u.name))
}

/// What the day's views (plan, map) share: the query's date (default today in Korea) and unit
/// (default the caller's area, checked), the projection and scope caught up, and the day planner's
/// plan over the unit's households; `view` makes the answer from them. The planner is CPU work
/// (milliseconds for a 동's day): it runs under the projection lock, which only other dashboard
/// reads wait on.
async fn day_view(
    st: &AppState,
    caller: &Caller,
    raw: Option<String>,
    view: impl FnOnce(&DongRecords, DayPlan) -> Value,
) -> Result<(Option<Uuid>, NaiveDate, Value), ApiError> {
    let q = params(st, raw, &["date", "unit"])?;
    let today = local_date_of_ms(st.clock.now_ms()).unwrap_or_default();
    let date = date_param(st, &q, "date")?.unwrap_or(today);
    catch_up_scope(st).await?;
    let mut p = projection(st).await?;
    let ix = st.scope.read().await;
    let unit = report_unit(st, caller, &ix, &q)?;
    let dongs = |d: Uuid| unit.is_none_or(|u| ix.within(d, u));
    let ids = p.dongs(&dongs).map_err(|e| core(st, e))?;
    let store = p.store().map_err(|e| core(st, e))?;
    let records = store.dong_records(&ids).map_err(|e| core(st, e))?;
    let due = super::due::unplanned(store, &ids, date).map_err(|e| core(st, e))?;
    let day = donghaeng_core::schedule::team_day::team_day(&records.team_day(), date, &dongs);
    let plan = DayPlan {
        day,
        due_unplanned: due,
    };
    Ok((unit, date, view(&records, plan)))
}

/// `GET /dashboard/api/due?date=YYYY-MM-DD&unit=<id>`: what is due for each 동 of the unit (default
/// the caller's area) on the day (default today in Korea), and why: the core's due list
/// (`Store::due_today`, the function a phone runs on its own store) over the projection's records —
/// crisis cadence, 65/70세 and births, after-care, referral replies, volunteers' visits, cases with no
/// contact for 3 months.
pub async fn due(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = params(&st, raw, &["date", "unit"])?;
    let today = local_date_of_ms(st.clock.now_ms()).unwrap_or_default();
    let date = date_param(&st, &q, "date")?.unwrap_or(today);
    catch_up_scope(&st).await?;
    let mut p = projection(&st).await?;
    let ix = st.scope.read().await;
    let unit = report_unit(&st, &caller, &ix, &q)?;
    let ids = p
        .dongs(&|d| unit.is_none_or(|u| ix.within(d, u)))
        .map_err(|e| core(&st, e))?;
    drop(ix);
    let store = p.store().map_err(|e| core(&st, e))?;
    let mut dongs = Vec::new();
    for id in ids {
        let name = store.org().get(id).map_err(|e| core(&st, e))?.name;
        let agenda = store.due_today(id, date).map_err(|e| core(&st, e))?;
        dongs.push(json!({"dong_id": id, "name": name, "agenda": agenda}));
    }
    Ok(Json(json!({"date": date, "unit_id": unit, "dongs": dongs})))
}

/// `GET /dashboard/api/plan?date=YYYY-MM-DD&unit=<id>`: the day's visits of the unit (default today
/// in Korea and the caller's area): assigned teams with progress, unassigned visits, and the day
/// planner's proposal for them with the reasons for what it cannot place.
pub async fn plan(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (unit, _, plan) = day_view(&st, &caller, raw, |_, plan| json!(plan)).await?;
    Ok(Json(json!({"unit_id": unit, "plan": plan})))
}

/// `GET /dashboard/api/map?date=YYYY-MM-DD&unit=<id>`: the households with a location in the unit
/// (default the caller's area) and the day's team routes (default today in Korea), with the tile
/// source the server is configured with (`null`: markers on a plain background).
pub async fn map(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (unit, date, data) = day_view(&st, &caller, raw, |records, plan| {
        let data = super::map::map_data(records, &plan);
        json!({"households": data.households, "routes": data.routes})
    })
    .await?;
    Ok(Json(json!({
        "unit_id": unit,
        "date": date,
        "tiles": st.config.map_tiles,
        "households": data["households"],
        "routes": data["routes"],
    })))
}

/// `GET /dashboard/api/units`: the org units in the caller's area (for the unit picker).
pub async fn units(State(st): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    catch_up_scope(&st).await?;
    let mut p = projection(&st).await?;
    let mut all = p
        .store()
        .and_then(|s| s.org().all())
        .map_err(|e| core(&st, e))?;
    drop(p);
    let ix = st.scope.read().await;
    all.retain(|u| caller.sees_unit(&ix, u.id));
    all.sort_by_key(|u| (kind_rank(u.kind), u.name.clone()));
    let out: Vec<Value> = all
        .iter()
        .map(|u| json!({"id": u.id, "kind": u.kind.code(), "name": u.name, "parent_id": u.parent_id}))
        .collect();
    // Today's Korean date from core's one KST rule, for the figures form's default period.
    let today = local_date_of_ms(st.clock.now_ms()).unwrap_or_default();
    Ok(Json(
        json!({"units": out, "area_id": caller.area(&ix), "today": today}),
    ))
}

fn kind_rank(k: OrgUnitKind) -> u8 {
    match k {
        OrgUnitKind::City => 0,
        OrgUnitKind::District => 1,
        OrgUnitKind::Dong => 2,
        OrgUnitKind::Team => 3,
    }
}

/// The core's statistics of one district and half-year as the page's counts (only those above 0).
fn stat_counts(s: &IncidentStats) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::from([("total".to_owned(), s.total)]);
    for (kind, n) in &s.by_type {
        counts.insert(format!("type:{}", kind.code()), *n);
    }
    counts.insert("police_called".to_owned(), s.police_called);
    counts.insert("ambulance_119_called".to_owned(), s.ambulance_119_called);
    counts.retain(|_, n| *n > 0);
    counts
}

/// `GET /dashboard/api/incidents?from=&to=`: incident reports of the caller's area (by district
/// for district staff and admins, by the affected workers' teams for a 동), newest first, and the
/// half-year statistics per district (Seoul keeps them per half-year).
pub async fn incidents(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = params(&st, raw, &["from", "to"])?;
    let from = date_param(&st, &q, "from")?;
    let to = date_param(&st, &q, "to")?;
    catch_up_scope(&st).await?;
    let mut p = projection(&st).await?;
    let store = p.store().map_err(|e| core(&st, e))?;
    // A corrected report counts as its latest correction only (the list and the statistics).
    let current = store.incidents().current().map_err(|e| core(&st, e))?;
    let unit_names: HashMap<Uuid, String> = store
        .org()
        .all()
        .map_err(|e| core(&st, e))?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    drop(p);
    let ix = st.scope.read().await;
    let label = |ko: &str, en: &str| json!({"ko": ko, "en": en});
    let mut list = Vec::new();
    // The reports the statistics count.
    let mut counted = Vec::new();
    for stored in current {
        let r = stored.report;
        let visible = caller.sees_unit(&ix, r.district_id)
            || r.affected_workers.iter().any(|w| {
                ix.team_of_worker(*w)
                    .is_some_and(|t| caller.sees_unit(&ix, t))
            });
        let day = local_date(r.occurred_at);
        if !visible || from.is_some_and(|d| day < d) || to.is_some_and(|d| day > d) {
            continue;
        }
        let follow_up_labels: Vec<Value> = r
            .follow_ups
            .iter()
            .map(|f| label(f.label_ko(), f.label_en()))
            .collect();
        let follow_ups: Vec<&str> = r.follow_ups.iter().map(|f| f.code()).collect();
        list.push(json!({
            "id": r.id,
            "district_id": r.district_id,
            "district_name": unit_names.get(&r.district_id),
            "incident_type_label": label(r.incident_type.label_ko(), r.incident_type.label_en()),
            "severity_label": label(r.severity.label_ko(), r.severity.label_en()),
            "follow_up_labels": follow_up_labels,
            "occurred_at_ms": r.occurred_at.timestamp_millis(),
            "incident_type": r.incident_type.code(),
            "severity": r.severity.code(),
            "police_called": r.police_called,
            "ambulance_119_called": r.ambulance_119_called,
            "follow_ups": follow_ups,
            "follow_up_status": if follow_ups.is_empty() { "none_decided" } else { "decided" },
            "corrects": stored.corrects,
        }));
        counted.push(r);
    }
    list.sort_by_key(|v| std::cmp::Reverse(v["occurred_at_ms"].as_i64()));
    let stats: Vec<Value> = half_year_stats(&counted)
        .into_iter()
        .map(|((district, half), s)| {
            json!({"district_id": district, "district_name": unit_names.get(&district),
                "half": format!("{}-H{}", half.year, half.half), "counts": stat_counts(&s)})
        })
        .collect();
    Ok(Json(json!({"incidents": list, "half_year": stats})))
}

/// Most audit entries one answer lists (newest first); narrow by household or period for more.
const AUDIT_PAGE: usize = 1_000;

/// `GET /dashboard/api/audit?household_id=&from=&to=`: the audit trail (감사 기록, issue 10) of the
/// households in the caller's area — who viewed or changed which household's records, when, from
/// which device, and refusals of requests about them — newest first. Entries about no household
/// (refused requests of unknown callers, sign-ins) are listed to admins only.
pub async fn audit(
    State(st): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = params(&st, raw, &["household_id", "from", "to"])?;
    let household = q
        .get("household_id")
        .map(|v| {
            Uuid::try_parse(v).map_err(|_| {
                bad_param(
                    &st,
                    "household_id",
                    "household_id는 가구 ID(UUID)여야 합니다.",
                    "household_id must be a household id (UUID)",
                )
            })
        })
        .transpose()?;
    let from = date_param(&st, &q, "from")?;
    let to = date_param(&st, &q, "to")?;
    catch_up_scope(&st).await?;
    let mut p = projection(&st).await?;
    let entries = p
        .store()
        .and_then(|s| s.audit().list(household))
        .map_err(|e| core(&st, e))?;
    drop(p);
    let ix = st.scope.read().await;
    if let Some(h) = household {
        // Another area's household answers as an unknown one: nothing about it leaks.
        let visible = ix
            .dong_of_household(h)
            .is_some_and(|d| caller.sees_unit(&ix, d));
        if !visible {
            return Err(api_error(
                &st,
                StatusCode::NOT_FOUND,
                CoreError::not_found("household", h),
            ));
        }
    }
    let admin = caller.privilege == crate::store::Privilege::Admin;
    let mut list = Vec::new();
    for e in entries {
        let visible = match e.household_id {
            Some(h) => ix
                .dong_of_household(h)
                .is_some_and(|d| caller.sees_unit(&ix, d)),
            None => admin,
        };
        let day = local_date(e.at);
        if !visible || from.is_some_and(|d| day < d) || to.is_some_and(|d| day > d) {
            continue;
        }
        list.push(json!({
            "id": e.id,
            "at_ms": e.at.timestamp_millis(),
            "actor_id": e.actor_id,
            "device_id": e.device_id,
            "action": e.action.code(),
            "entity": e.entity,
            "record_id": e.record_id,
            "household_id": e.household_id,
            "detail": e.detail,
        }));
    }
    list.sort_by_key(|v| std::cmp::Reverse(v["at_ms"].as_i64()));
    let truncated = list.len() > AUDIT_PAGE;
    list.truncate(AUDIT_PAGE);
    Ok(Json(json!({"entries": list, "truncated": truncated})))
}
