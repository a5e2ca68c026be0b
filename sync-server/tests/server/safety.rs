//! The server's safety monitor over real HTTP on loopback, with the server's clock moved by the test
//! (no waiting for real deadlines; only short polling for the tick task).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use donghaeng_core::model::{ContactMode, CrisisLevel, Household, Id, RiskFlag, Role, Worker};
use donghaeng_core::safety::{
    Actor, Contact, DeviceView, PinParams, SafetyAssessment, SafetyEvent, SafetyMonitor,
    StartRequest, TeamSafetyConfig, WorkerPins,
};
use donghaeng_core::store::device_sync::capture::v7_at;
use donghaeng_core::store::safety_events::{to_fields, ENTITY};
use donghaeng_core::sync::{
    Change, HybridClock, Op, ProtocolVersion, PullRequest, PushRequest, SkewPolicy,
};
use donghaeng_sync_server::safety::notifier::{deliver, DeliveryFuture, Notifier, RetryPolicy};
use donghaeng_sync_server::safety::{node_device_id, AlarmNotice, SafetyHub, WebhookNotifier};
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::{AuthStore, ChangeStore, Privilege};
use donghaeng_sync_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::{TestDevice, TestServer};
use crate::pg_harness::PgTestDb;

const GRACE_MS: i64 = 10 * 60 * 1000;
const STEP_MS: i64 = 5 * 60 * 1000;

fn id(n: u128) -> Id {
    Uuid::from_u128(n)
}

fn worker(n: u128, name: &str, role: Role, phone: &str) -> Worker {
    Worker {
        id: id(n),
        team_id: id(900),
        name: name.to_owned(),
        roles: vec![role],
        phone: Some(phone.to_owned()),
        active: true,
    }
}

fn household() -> Household {
    Household {
        id: id(500),
        dong_id: id(600),
        head_name: "최영호".to_owned(),
        address: "서울 성북구 정릉로 10, 101호".to_owned(),
        location: None,
        crisis_level: CrisisLevel::CRISIS,
        tags: vec![],
        risk_flags: vec![RiskFlag::AggressionHistory],
        phone: None,
        archived: false,
    }
}

/// The phone's side: a monitor with one session for a planner and a nurse, due back in 30 minutes.
struct Phone {
    monitor: SafetyMonitor,
    session: Id,
    start: DateTime<Utc>,
    expected_return: DateTime<Utc>,
}

fn actor() -> Actor {
    Actor::new(id(1), "phone-planner")
}

fn pins() -> WorkerPins {
    WorkerPins::with_salts(
        id(1),
        "2580",
        Some("1379"),
        PinParams::for_tests(),
        [[1; 16], [2; 16]],
    )
    .unwrap()
}

/// Server time `ms`, to the second (events are stored to the millisecond).
fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms - ms.rem_euclid(1000)).unwrap()
}

fn phone(session: u128, start: DateTime<Utc>) -> Phone {
    let hh = household();
    let workers = [
        worker(1, "김민지", Role::WelfarePlanner, "010-1111-1111"),
        worker(2, "이수정", Role::VisitingNurse, "010-2222-2222"),
    ];
    let cfg = TeamSafetyConfig::standard(
        Contact::new("정팀장", "010-9000-0001"),
        Contact::new("한동장", "010-9000-0002"),
    );
    let expected_return = start + chrono::Duration::minutes(30);
    let req = StartRequest {
        session_id: Some(id(session)),
        visit_id: None,
        household: &hh,
        district_id: id(700),
        contact_mode: ContactMode::Home,
        workers: &workers,
        expected_return,
        checkin_interval_secs: None,
        assessment: SafetyAssessment::complete(),
        advisory_override: None,
        config: &cfg,
        regular_volunteer: None,
        advisories: &[],
    };
    let mut monitor = SafetyMonitor::new("phone-planner");
    monitor.start(&req, &actor(), start).unwrap();
    Phone {
        monitor,
        session: id(session),
        start,
        expected_return,
    }
}

/// The sync changes of events, as the phone's outbox would push them.
fn changes(srv: &TestServer, dev: &mut TestDevice, events: &[SafetyEvent]) -> Vec<Change> {
    events
        .iter()
        .map(|e| {
            let hlc = dev.clock.send(srv.now_ms());
            Change {
                id: v7_at(hlc.wall_ms),
                entity: ENTITY.to_owned(),
                record_id: e.id,
                op: Op::Append {
                    record: to_fields(e).unwrap(),
                },
                hlc,
                device_id: dev.id,
            }
        })
        .collect()
}

async fn push_events(srv: &TestServer, dev: &mut TestDevice, events: &[SafetyEvent]) -> Value {
    let ch = changes(srv, dev, events);
    let a = srv.push(dev, &ch).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body
}

async fn get(srv: &TestServer, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut rq = srv.client.get(format!("{}{path}", srv.base));
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    let resp = rq.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn alarms(srv: &TestServer, dev: &TestDevice, include_ended: bool) -> Vec<Value> {
    let (status, body) = get(
        srv,
        &format!("/v1/safety/alarms?include_ended={include_ended}"),
        Some(&dev.token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["alarms"].as_array().unwrap().clone()
}

/// Moves the server's clock so that it reads `target` (to the millisecond).
fn set_clock(srv: &TestServer, target: DateTime<Utc>) {
    let now = srv.now_ms();
    srv.state.clock.advance_ms(target.timestamp_millis() - now);
}

/// Every safety event in the server's change log (entity, kind code, device id of the change).
/// The safety events in the log, as another phone of the 동 reads them (`dev` wrote some of them,
/// and a phone is never sent its own changes).
async fn logged(srv: &TestServer, dev: &TestDevice) -> Vec<(String, Uuid)> {
    let reader = srv.device().await;
    assert_ne!(reader.id, dev.id);
    let a = srv.pull(&reader, 0, 5000).await;
    a.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["entity"] == ENTITY)
        .map(|c| {
            (
                c["change"]["op"]["record"]["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                c["change"]["device_id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// Tokens that outlive the clock moves of a test. The sessions here name households the test never
/// pushes, so role scopes are off (`common::protocol_config`): these tests are about the alarm
/// mechanics; scopes over safety events are tested end to end in `tests/`.
fn config() -> ServerConfig {
    ServerConfig {
        token_ttl_ms: 7 * 24 * 3_600_000,
        ..crate::common::protocol_config()
    }
}

async fn start() -> TestServer {
    TestServer::start_with(config(), SkewPolicy::default()).await
}

async fn server_with_ticker() -> TestServer {
    let srv = start().await;
    srv.state
        .safety
        .spawn_ticker(srv.state.clock.clone(), Duration::from_millis(50));
    srv
}

/// A device whose user has the `admin` privilege: these tests are about the alarm mechanics, with no
/// org tree; who may see which alarms is tested in `dashboard_authz`.
async fn admin_device(srv: &TestServer) -> TestDevice {
    let dev = srv.device().await;
    let owner = srv
        .store
        .authenticate(dev.token.clone(), srv.now_ms())
        .await
        .unwrap();
    srv.store
        .set_privilege(owner.user_id, Privilege::Admin)
        .await
        .unwrap();
    dev
}

/// Polls (the tick task runs every 50 ms) until `f` holds, for at most 5 s.
async fn eventually<F, Fut>(mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_dead_phone_raises_overdue_within_one_tick_of_return_plus_grace() {
    let srv = server_with_ticker().await;
    let mut dev = admin_device(&srv).await;
    let p = phone(1, at(srv.now_ms()));
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    // The phone dies. One second before return + grace: prompt time has passed, no alarm yet.
    let deadline = p.expected_return + chrono::Duration::milliseconds(GRACE_MS);
    set_clock(&srv, deadline - chrono::Duration::seconds(1));
    let notices = srv.state.safety.tick(srv.now_ms()).await;
    assert!(notices.is_empty(), "{notices:?}");
    assert!(alarms(&srv, &dev, false).await.is_empty());
    // At return + grace exactly, the tick task raises it.
    let mut rx = srv.state.safety.subscribe();
    set_clock(&srv, deadline);
    let raised = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("raised by the tick task")
        .unwrap();
    assert_eq!(
        (raised.alarm_kind, raised.event, raised.step),
        ("overdue", "raised", Some(1))
    );
    assert_eq!(raised.at, deadline);
    assert_eq!(raised.target.as_deref(), Some("partner"));
    let open = alarms(&srv, &dev, false).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["kind"], "overdue");
    assert_eq!(open[0]["session_status"], "escalating");
    let raised: DateTime<Utc> = open[0]["raised_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(raised, deadline);
    // The server's alerts are recorded in the change log under its own device id: the prompt it
    // owed and escalation step 1.
    let log = logged(&srv, &dev).await;
    let server_alerts: Vec<_> = log
        .iter()
        .filter(|(k, d)| k == "alert_issued" && *d == srv.state.safety.device_id())
        .collect();
    assert_eq!(server_alerts.len(), 2, "{log:?}");
    // The ladder climbs on the tick: step 2 five minutes later.
    set_clock(&srv, deadline + chrono::Duration::milliseconds(STEP_MS));
    let notice = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((notice.event, notice.step), ("escalated", Some(2)));
    assert_eq!(notice.target.as_deref(), Some("team_lead"));
    assert!(notice
        .sms
        .unwrap()
        .recipients
        .iter()
        .any(|c| c.phone == "010-9000-0001"));
}

/// Reads server-sent events until one of type `alarm` arrives; returns its JSON.
async fn next_alarm(resp: &mut reqwest::Response, buf: &mut String) -> Value {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            if frame.lines().any(|l| l == "event: alarm") {
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return serde_json::from_str(&data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), resp.chunk())
            .await
            .expect("an SSE frame within 5 s")
            .unwrap()
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn an_sos_reaches_the_live_feed_with_the_push_itself() {
    // No tick task: the alarm must come from the push.
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let supervisor = admin_device(&srv).await;
    let mut resp = srv
        .client
        .get(format!("{}/v1/safety/alarms/stream", srv.base))
        .bearer_auth(&supervisor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut buf = String::new();
    let mut p = phone(2, at(srv.now_ms()) - chrono::Duration::minutes(1));
    let sos = p
        .monitor
        .sos(p.session, &actor(), at(srv.now_ms()))
        .unwrap();
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    let n = next_alarm(&mut resp, &mut buf).await;
    assert_eq!(n["alarm_kind"], "sos");
    assert_eq!(n["event"], "raised");
    assert_eq!(n["alarm"]["event_id"], sos.event.id.to_string());
    assert!(n["sms"]["text"].as_str().unwrap().contains("SOS"));
    assert!(buf.is_empty() || !buf.contains("event: alarm"));
    let open = alarms(&srv, &supervisor, false).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["alarm_id"], n["alarm_id"]);
    // At shutdown the feed ends, so a graceful shutdown is not held open by dashboards.
    srv.state.safety.close();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(_chunk) = resp.chunk().await.unwrap() {}
    })
    .await;
    assert!(end.is_ok(), "the stream ended");
}

#[tokio::test]
async fn an_sos_stamped_by_a_phone_clock_ahead_is_raised_at_once() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    // Another session whose return + grace falls 1 minute from now (server time).
    let other = phone(10, at(srv.now_ms()) - chrono::Duration::minutes(39));
    push_events(&srv, &mut dev, other.monitor.events(other.session)).await;
    let mut rx = srv.state.safety.subscribe();
    // The phone's clock runs 2 minutes ahead (within the protocol's 5-minute drift).
    let phone_now = at(srv.now_ms()) + chrono::Duration::minutes(2);
    let mut p = phone(9, phone_now - chrono::Duration::minutes(1));
    p.monitor.sos(p.session, &actor(), phone_now).unwrap();
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    let n = rx
        .try_recv()
        .expect("raised with the push, not 2 minutes later");
    assert_eq!((n.alarm_kind, n.event), ("sos", "raised"));
    // The other session is not escalated early: only the SOS was raised.
    assert!(rx.try_recv().is_err());
    let open = alarms(&srv, &dev, false).await;
    assert_eq!(open.len(), 1, "{open:?}");
    set_clock(&srv, at(srv.now_ms()) + chrono::Duration::minutes(1));
    let later = srv.state.safety.tick(srv.now_ms()).await;
    assert_eq!(later.len(), 1);
    assert_eq!(
        (later[0].session_id, later[0].event),
        (other.session, "raised")
    );
}

#[tokio::test]
async fn a_duress_check_out_is_silent_on_the_phone_and_an_alarm_on_the_server() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let mut p = phone(3, at(srv.now_ms()) - chrono::Duration::minutes(10));
    let mut normal = phone(3, p.start);
    let now = at(srv.now_ms());
    let pins = pins();
    let (duress_receipt, _) = p
        .monitor
        .check_out(p.session, &actor(), Some("1379"), Some(&pins), now)
        .unwrap();
    let (normal_receipt, _) = normal
        .monitor
        .check_out(normal.session, &actor(), Some("2580"), Some(&pins), now)
        .unwrap();
    // The phone cannot tell them apart.
    assert_eq!(duress_receipt, normal_receipt);
    assert_eq!(
        DeviceView::of(p.monitor.session(p.session).unwrap(), now),
        DeviceView::of(normal.monitor.session(normal.session).unwrap(), now)
    );
    let mut rx = srv.state.safety.subscribe();
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    let n = rx.try_recv().expect("raised with the push");
    assert_eq!((n.alarm_kind, n.event), ("duress", "raised"));
    let open = alarms(&srv, &dev, false).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["kind"], "duress");
    assert_eq!(open[0]["session_status"], "closed");
}

#[tokio::test]
async fn acknowledging_stops_the_ladder_here_and_on_the_phones() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let lead = admin_device(&srv).await;
    let p = phone(4, at(srv.now_ms()));
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    let deadline = p.expected_return + chrono::Duration::milliseconds(GRACE_MS);
    set_clock(&srv, deadline);
    let raised = srv.state.safety.tick(srv.now_ms()).await;
    assert_eq!(raised.len(), 1);
    let alarm_id = raised[0].alarm_id;
    let a = srv
        .post_raw(
            &format!("/v1/safety/alarms/{alarm_id}/ack"),
            Some(&lead.token),
            r#"{"note": "팀장이 직원에게 연락 중"}"#.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["acknowledged"], true);
    assert_eq!(a.body["session_status"], "acknowledged");
    // Steps 2, 3, 4 and the repeats never come.
    for minutes in [5, 10, 15, 30, 60] {
        set_clock(&srv, deadline + chrono::Duration::minutes(minutes));
        let n = srv.state.safety.tick(srv.now_ms()).await;
        assert!(n.is_empty(), "at +{minutes} min: {n:?}");
    }
    // The acknowledgement is in the change log, so the phones stop their own ladder when they pull.
    let log = logged(&srv, &dev).await;
    assert_eq!(log.iter().filter(|(k, _)| k == "acknowledged").count(), 1);
    let mut phone_side = SafetyMonitor::new("phone-planner");
    let pulled = srv.pull(&dev, 0, 5000).await;
    for c in pulled.body["changes"].as_array().unwrap() {
        let change: Change = serde_json::from_value(c["change"].clone()).unwrap();
        if let Op::Append { record } = &change.op {
            let e = donghaeng_core::store::safety_events::from_fields(change.record_id, record)
                .unwrap();
            phone_side.ingest(e).unwrap();
        }
    }
    assert!(phone_side
        .session(p.session)
        .unwrap()
        .acknowledged_overdue
        .contains(&p.expected_return));
    // Unknown alarm id, malformed id, bad body: clear errors.
    let unknown = srv
        .post_raw(
            &format!("/v1/safety/alarms/{}/ack", Uuid::nil()),
            Some(&lead.token),
            vec![],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = srv
        .post_raw("/v1/safety/alarms/nope/ack", Some(&lead.token), vec![])
        .await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "alarm_id_invalid")
    );
    let bad_body = srv
        .post_raw(
            &format!("/v1/safety/alarms/{alarm_id}/ack"),
            Some(&lead.token),
            b"{\"nope\": 1}".to_vec(),
        )
        .await;
    assert_eq!(bad_body.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_late_check_out_resolves_the_alarm_and_keeps_the_history() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let mut p = phone(5, at(srv.now_ms()));
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    let deadline = p.expected_return + chrono::Duration::milliseconds(GRACE_MS);
    set_clock(&srv, deadline + chrono::Duration::milliseconds(STEP_MS));
    let raised = srv.state.safety.tick(srv.now_ms()).await;
    assert_eq!(raised.len(), 2, "steps 1 and 2: {raised:?}");
    // The phone comes back to life and checks out late.
    let late = deadline + chrono::Duration::minutes(7);
    set_clock(&srv, late);
    let before = p.monitor.events(p.session).len();
    p.monitor
        .check_out(p.session, &actor(), None, None, late)
        .unwrap();
    let new: Vec<SafetyEvent> = p.monitor.events(p.session)[before..].to_vec();
    assert_eq!(new.len(), 1);
    let mut rx = srv.state.safety.subscribe();
    push_events(&srv, &mut dev, &new).await;
    let n = rx.try_recv().expect("all-clear with the push");
    assert_eq!((n.alarm_kind, n.event), ("overdue", "all_clear"));
    assert_eq!(n.alarm_id, raised[0].alarm_id);
    // Both steps' recipients hear the all-clear.
    let recipients = n.sms.unwrap().recipients;
    assert!(recipients.iter().any(|c| c.phone == "010-9000-0001"));
    assert!(recipients.iter().any(|c| c.phone == "010-2222-2222"));
    assert!(alarms(&srv, &dev, false).await.is_empty());
    let all = alarms(&srv, &dev, true).await;
    assert_eq!(all.len(), 1);
    let ended: DateTime<Utc> = all[0]["ended_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(ended, late);
    assert_eq!(all[0]["session_status"], "closed");
    // The whole history stays: the start, the prompt, both steps, the check-out and the all-clear.
    let kinds: Vec<String> = logged(&srv, &dev)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "alert_issued").count(),
        4,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"started".to_owned()) && kinds.contains(&"checked_out".to_owned()));
    let (view, events) = srv.state.safety.session(p.session, srv.now_ms()).unwrap();
    assert_eq!(view.alarms.len(), 1);
    assert_eq!(events.len(), 6);
}

#[tokio::test]
async fn no_safety_event_is_lost_or_duplicated_across_push_retries_and_restarts() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let mut p = phone(6, at(srv.now_ms()) - chrono::Duration::minutes(2));
    p.monitor
        .sos(
            p.session,
            &actor(),
            at(srv.now_ms()) - chrono::Duration::minutes(1),
        )
        .unwrap();
    let events = p.monitor.events(p.session).to_vec();
    let batch = changes(&srv, &mut dev, &events);
    let first = srv.push(&dev, &batch).await;
    assert_eq!(first.body["accepted"].as_array().unwrap().len(), 2);
    let mut rx = srv.state.safety.subscribe();
    // The response was lost; the phone pushes the same batch again.
    let again = srv.push(&dev, &batch).await;
    assert_eq!(again.body["duplicates"].as_array().unwrap().len(), 2);
    assert!(
        rx.try_recv().is_err(),
        "a retried push raises nothing twice"
    );
    let (_, held) = srv.state.safety.session(p.session, srv.now_ms()).unwrap();
    // Start, SOS and the server's SOS alert, once each.
    assert_eq!(held.len(), 3);
    let log = logged(&srv, &dev).await;
    assert_eq!(log.len(), 3);
    // A restarted server rebuilds the same state from the change log and owes nothing new.
    let hub = SafetyHub::new(srv.state.changes.clone(), "server");
    assert_eq!(hub.rebuild(srv.now_ms()).await.unwrap(), 3);
    let (_, rebuilt) = hub.session(p.session, srv.now_ms()).unwrap();
    assert_eq!(rebuilt, held);
    assert!(hub.tick(srv.now_ms()).await.is_empty());
    assert_eq!(
        hub.alarms(srv.now_ms(), false),
        srv.state.safety.alarms(srv.now_ms(), false)
    );
    // A malformed safety record is stored (the store does not know it) but never stops the monitor.
    let mut broken = changes(&srv, &mut dev, &events[..1]);
    broken[0].record_id = id(77);
    if let Op::Append { record } = &mut broken[0].op {
        record.insert("payload".into(), "{\"type\":\"nope\"}".into());
    }
    let a = srv.push(&dev, &broken).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(srv.state.safety.session(p.session, srv.now_ms()).is_some());
}

#[tokio::test]
async fn alarms_need_a_token_and_the_supervisor_privilege() {
    let plain = start().await;
    let (status, _) = get(&plain, "/v1/safety/alarms", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&plain, "/v1/safety/alarms/stream", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A field user's token is refused (the privilege matrix is in `dashboard_authz`).
    let srv = plain;
    let dev = srv.device().await;
    let (status, body) = get(&srv, "/v1/safety/alarms", Some(&dev.token)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_supervisor"))
    );
}

/// A tiny webhook receiver on loopback: answers `fail_first` requests with `status`, then 200, and
/// keeps every body.
async fn receiver(fail_first: usize, status: u16) -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let s = s.clone();
            async move {
                let mut v = s.lock().unwrap();
                v.push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                if v.len() <= fail_first {
                    axum::http::StatusCode::from_u16(status).unwrap()
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), seen)
}

fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        first_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

#[tokio::test]
async fn the_webhook_retries_with_backoff_and_gives_up_on_a_refusal() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let mut rx = srv.state.safety.subscribe();
    let mut p = phone(7, at(srv.now_ms()) - chrono::Duration::minutes(1));
    p.monitor
        .sos(p.session, &actor(), at(srv.now_ms()))
        .unwrap();
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    let notice: AlarmNotice = rx.try_recv().unwrap();

    let (url, seen) = receiver(2, 503).await;
    let hook = WebhookNotifier::new(url).unwrap();
    let (attempts, result) = deliver(&hook, &notice, quick(5)).await;
    assert_eq!((attempts, result.is_ok()), (3, true));
    let bodies = seen.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[2]["alarm_id"], notice.alarm_id.to_string());
    assert_eq!(bodies[2]["alarm_kind"], "sos");
    // What it sends: ids, kind, times, and the SMS with its recipients; no worker or household
    // record beyond what the SMS says.
    let keys: Vec<&str> = bodies[2]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "alarm",
            "alarm_id",
            "alarm_kind",
            "at",
            "emergency_numbers",
            "event",
            "household_id",
            "session_id",
            "sms",
            "step",
            "target"
        ]
    );
    assert!(
        !bodies[2].to_string().contains("최영호"),
        "the head's name is masked"
    );

    let (url, seen) = receiver(usize::MAX, 400).await;
    let (attempts, result) = deliver(&WebhookNotifier::new(url).unwrap(), &notice, quick(5)).await;
    assert_eq!(attempts, 1, "a 400 is not retried");
    assert!(!result.unwrap_err().retryable);
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Nobody listening: every attempt made, then the error.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (attempts, result) = deliver(
        &WebhookNotifier::new(format!("http://{dead}/hook")).unwrap(),
        &notice,
        quick(3),
    )
    .await;
    assert_eq!(attempts, 3);
    assert!(result.unwrap_err().retryable);
    assert!(WebhookNotifier::new("ftp://x").is_err());
}

#[tokio::test]
async fn the_hub_sends_every_alarm_to_the_webhook() {
    let srv = start().await;
    let mut dev = admin_device(&srv).await;
    let (url, seen) = receiver(1, 500).await;
    srv.state
        .safety
        .set_notifier(Arc::new(WebhookNotifier::new(url).unwrap()), quick(4));
    let mut p = phone(8, at(srv.now_ms()) - chrono::Duration::minutes(1));
    p.monitor
        .sos(p.session, &actor(), at(srv.now_ms()))
        .unwrap();
    push_events(&srv, &mut dev, p.monitor.events(p.session)).await;
    assert!(eventually(|| async { seen.lock().unwrap().len() >= 2 }).await);
    let bodies = seen.lock().unwrap().clone();
    assert_eq!(bodies[1]["event"], "raised");
    assert_eq!(bodies[1]["alarm"]["type"], "sos");
    // The failed first attempt and its retry carry the same notice.
    assert_eq!(bodies[0], bodies[1]);
}

/// Counts what a node pages.
#[derive(Default)]
struct Pager(Mutex<Vec<AlarmNotice>>);

impl Notifier for Pager {
    fn notify<'a>(&'a self, notice: &'a AlarmNotice) -> DeliveryFuture<'a> {
        self.0.lock().unwrap().push(notice.clone());
        Box::pin(async { Ok(()) })
    }
}

/// A node of a PostgreSQL deployment: its own pool, hub and pager, with advisory-lock leadership.
fn pg_node(store: &PgStore, name: &str) -> (Arc<SafetyHub>, Arc<Pager>) {
    let hub = Arc::new(SafetyHub::new(Arc::new(store.clone()), name));
    hub.set_leadership(Arc::new(store.safety_leadership()));
    let pager = Arc::new(Pager::default());
    hub.set_notifier(pager.clone(), RetryPolicy::default());
    (hub, pager)
}

/// The events as a phone's push, straight into the shared database (which node took it does not
/// matter: the nodes learn of it by following the log).
async fn push_to_db(
    store: &PgStore,
    clock: &mut HybridClock,
    device: Uuid,
    events: &[SafetyEvent],
) {
    let now = Utc::now().timestamp_millis();
    let changes = events
        .iter()
        .map(|e| {
            let hlc = clock.send(now);
            Change {
                id: v7_at(hlc.wall_ms),
                entity: ENTITY.to_owned(),
                record_id: e.id,
                op: Op::Append {
                    record: to_fields(e).unwrap(),
                },
                hlc,
                device_id: device,
            }
        })
        .collect();
    let req = PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id: device,
        changes,
    };
    let resp = store.push(req, now).await.unwrap();
    assert!(resp.rejected.is_empty(), "{:?}", resp.rejected);
}

/// The alerts stored in the log: the node (device id) that stored each.
async fn stored_alerts(store: &PgStore) -> Vec<Uuid> {
    let page = store
        .pull(
            PullRequest {
                protocol_version: ProtocolVersion::CURRENT,
                after_seq: 0,
                limit: 5000,
                resume: None,
            },
            Utc::now().timestamp_millis(),
        )
        .await
        .unwrap();
    page.changes
        .iter()
        .filter(|c| match &c.change.op {
            Op::Append { record } => {
                c.change.entity == ENTITY
                    && record.get("kind") == Some(&Value::from("alert_issued"))
            }
            _ => false,
        })
        .map(|c| c.change.device_id)
        .collect()
}

/// Two server nodes on one PostgreSQL: both follow the log (the follower learns of a session it
/// never received a push for, and of a check-out pushed elsewhere), both show the overdue alarm,
/// but only the leader stores and pages each alert — once. When the leader dies the other node
/// takes over and pages the next step, without paging the first again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_two_nodes_the_leader_alone_stores_and_pages_each_alarm_once() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let (store_a, store_b) = (
        db.store(SkewPolicy::default()).await,
        db.store(SkewPolicy::default()).await,
    );
    let (hub_a, pager_a) = pg_node(&store_a, "node-a");
    let (hub_b, pager_b) = pg_node(&store_b, "node-b");
    let device = Uuid::now_v7();
    let mut clock = HybridClock::new(device);
    let t0 = at(Utc::now().timestamp_millis());
    let p = phone(21, t0);
    push_to_db(&store_a, &mut clock, device, p.monitor.events(p.session)).await;

    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    hub_a.tick(ms(t0)).await;
    hub_b.tick(ms(t0)).await;
    assert!(hub_a.is_leading() && !hub_b.is_leading(), "one leader");
    assert!(
        hub_b.session(p.session, ms(t0)).is_some(),
        "the follower followed the log"
    );

    // The phone dies: at return + grace both nodes raise the alarm on their feeds …
    let deadline = p.expected_return + chrono::Duration::milliseconds(GRACE_MS);
    let follower_saw = hub_b.tick(ms(deadline)).await;
    let leader_saw = hub_a.tick(ms(deadline)).await;
    assert_eq!(follower_saw.len(), 1, "{follower_saw:?}");
    assert_eq!(leader_saw.len(), 1, "{leader_saw:?}");
    assert_eq!(follower_saw[0].alarm_id, leader_saw[0].alarm_id);
    // … the follower, hearing the leader's stored alert, raises nothing more.
    assert!(hub_b.tick(ms(deadline)).await.is_empty());
    // The phone's "are you safe?" prompt (due at return) and step 1, each stored once.
    let node_a = node_device_id("node-a");
    assert_eq!(
        stored_alerts(&store_a).await,
        [node_a; 2],
        "stored once, by the leader"
    );
    assert!(
        eventually(|| async { pager_a.0.lock().unwrap().len() == 1 }).await,
        "the leader pages"
    );
    assert!(
        pager_b.0.lock().unwrap().is_empty(),
        "the follower never pages"
    );

    // The leader's process dies: its database session ends and the lock with it.
    drop(hub_a);
    let step2 = deadline + chrono::Duration::milliseconds(STEP_MS);
    assert!(
        eventually(|| async {
            hub_b.tick(ms(step2)).await;
            hub_b.is_leading()
        })
        .await,
        "the other node takes over"
    );
    hub_b.tick(ms(step2)).await;
    assert_eq!(
        stored_alerts(&store_b).await,
        [node_a, node_a, node_device_id("node-b")],
        "step 2 stored once by the new leader, nothing earlier again"
    );
    assert!(eventually(|| async { !pager_b.0.lock().unwrap().is_empty() }).await);
    let paged: Vec<_> = pager_b.0.lock().unwrap().iter().map(|n| n.step).collect();
    assert_eq!(paged, vec![Some(2)], "the new leader pages step 2 only");

    // A late check-out pushed to any node ends the alarm everywhere that follows the log.
    let mut phone_monitor = p.monitor;
    let late = step2 + chrono::Duration::minutes(1);
    let (_, r) = phone_monitor
        .check_out(p.session, &actor(), None, None, late)
        .unwrap();
    push_to_db(&store_a, &mut clock, device, std::slice::from_ref(&r.event)).await;
    hub_b.tick(ms(late)).await;
    assert!(
        hub_b.alarms(ms(late), false).is_empty(),
        "ended by the check-out"
    );
}
