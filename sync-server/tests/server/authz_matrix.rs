//! The server's authorisation matrix (권한 표), issue 10: every endpoint × every caller (no token, a
//! forged, an expired and a revoked device's token, an admin, a 동 supervisor, and a field user of
//! each role) × the caller's own 동 and another 동 → the expected answer. [`ENDPOINTS`] must list
//! exactly the server's routes: an endpoint added without rows fails the test.
//!
//! "Allowed" is checked by the answer and, where the answer carries data, by what it holds: a pull
//! or an alarm list answers 200 to every authenticated caller but must not carry the other 동's
//! household or alarm.

use std::collections::BTreeSet;

use donghaeng_core::model::Role;
use donghaeng_core::safety::{EventKind, SafetyEvent};
use donghaeng_core::store::safety_events::to_fields;
use donghaeng_core::sync::{Change, Op, ProtocolVersion, PushRequest, SkewPolicy};
use donghaeng_sync_server::store::{AuthStore, Privilege};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{Backend, TestDevice, TestServer};
use crate::dashboard_authz::{world, World};
use crate::dashboard_fixture::{device_for, server, user};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    NoToken,
    Forged,
    Expired,
    Revoked,
    Admin,
    /// A supervisor (team lead) of 동 A.
    Supervisor,
    /// A field user of 동 A's team with this role.
    Field(Role),
}

/// Which 동's data the request is about: the caller's own (A) or another (B). Callers with no
/// area (no token) are asked about A and B alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Own,
    Other,
}

/// What must come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// This status, whatever the body.
    Status(u16),
    /// 200, and the 동's record (household, alarm, session, unit) is in the answer.
    Sees,
    /// 200, and the 동's record is not in the answer.
    Hidden,
}

use Expect::{Hidden, Sees, Status};

/// Every route of the server (`routes::table()`), by method and path pattern.
const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/v1/push"),
    ("POST", "/v1/pull"),
    ("POST", "/v1/snapshot"),
    ("POST", "/v1/enrol"),
    ("POST", "/v1/token"),
    ("GET", "/v1/safety/alarms"),
    ("GET", "/v1/safety/alarms/stream"),
    ("POST", "/v1/safety/alarms/{id}/ack"),
    ("POST", "/v1/safety/alarms/{id}/resolve"),
    ("GET", "/dashboard"),
    ("GET", "/dashboard/app.js"),
    ("GET", "/dashboard/app.css"),
    ("GET", "/dashboard/vendor/leaflet.js"),
    ("GET", "/dashboard/vendor/leaflet.css"),
    ("GET", "/dashboard/vendor/LICENSE-leaflet.txt"),
    ("POST", "/dashboard/api/login"),
    ("POST", "/dashboard/api/logout"),
    ("GET", "/dashboard/api/me"),
    ("GET", "/dashboard/api/board"),
    ("GET", "/dashboard/api/board/stream"),
    ("GET", "/dashboard/api/units"),
    ("GET", "/dashboard/api/figures"),
    ("GET", "/dashboard/api/incidents"),
    ("GET", "/dashboard/api/due"),
    ("GET", "/dashboard/api/plan"),
    ("GET", "/dashboard/api/map"),
    ("GET", "/dashboard/api/audit"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
];

/// Staff (public officials and hired outreach staff) see their 동; companions and reporters do not
/// see households they are not assigned to or did not report (docs/scopes.md).
fn is_staff(role: Role) -> bool {
    matches!(
        role,
        Role::WelfarePlanner
            | Role::VisitingNurse
            | Role::CareManager
            | Role::CaseManager
            | Role::MentalHealthOfficer
    )
}

/// The matrix itself.
fn expected(method: &str, path: &str, who: Who, scope: Scope) -> Expect {
    use Who::*;
    let own = scope == Scope::Own;
    let unauthenticated = matches!(who, NoToken | Forged | Expired | Revoked);
    // Open to anyone: the page's static files (no data), health, metrics (counts only), the
    // API document; enrolment, token and login judge their own credentials (bogus here).
    match (method, path) {
        ("GET", "/dashboard" | "/dashboard/app.js" | "/dashboard/app.css")
        | (
            "GET",
            "/dashboard/vendor/leaflet.js"
            | "/dashboard/vendor/leaflet.css"
            | "/dashboard/vendor/LICENSE-leaflet.txt",
        )
        | ("GET", "/healthz" | "/metrics" | "/openapi.json") => return Status(200),
        ("POST", "/v1/enrol" | "/v1/token" | "/dashboard/api/login") => return Status(401),
        _ => {}
    }
    if unauthenticated {
        return Status(401);
    }
    let supervisor = matches!(who, Admin | Supervisor);
    match (method, path) {
        // Sync: by role and area, whatever the privilege (the admin and supervisor accounts here
        // are welfare planners of the city and of 동 A).
        ("POST", "/v1/push") => match who {
            Admin => Status(200),
            Supervisor => Status(if own { 200 } else { 403 }),
            Field(r) if is_staff(r) && own => Status(200),
            _ => Status(403),
        },
        // A snapshot holds what the feed would bring: the same read rule decides.
        ("POST", "/v1/pull" | "/v1/snapshot") => match who {
            Admin => Sees,
            Supervisor => {
                if own {
                    Sees
                } else {
                    Hidden
                }
            }
            Field(r) if is_staff(r) && own => Sees,
            _ => Hidden,
        },
        // Supervision: supervisors of the area and admins; field users never.
        _ if !supervisor => Status(403),
        ("GET", "/v1/safety/alarms" | "/dashboard/api/board" | "/dashboard/api/units") => {
            if own || who == Admin {
                Sees
            } else {
                Hidden
            }
        }
        ("POST", "/v1/safety/alarms/{id}/ack") => {
            Status(if own || who == Admin { 200 } else { 404 })
        }
        // The note is missing on purpose: only a caller allowed to act on the alarm learns that.
        ("POST", "/v1/safety/alarms/{id}/resolve") => {
            Status(if own || who == Admin { 400 } else { 404 })
        }
        (
            "GET",
            "/dashboard/api/figures"
            | "/dashboard/api/due"
            | "/dashboard/api/plan"
            | "/dashboard/api/map"
            | "/dashboard/api/audit",
        ) => Status(if own || who == Admin { 200 } else { 404 }),
        ("GET", "/v1/safety/alarms/stream" | "/dashboard/api/board/stream")
        | ("GET", "/dashboard/api/me" | "/dashboard/api/incidents")
        | ("POST", "/dashboard/api/logout") => Status(200),
        _ => panic!("no rows for {method} {path}"),
    }
}

/// Who, their device (if any), its token (if any), and their user id (if any).
type Caller = (Who, Option<TestDevice>, Option<String>, Option<Uuid>);

struct Callers {
    devices: Vec<Caller>,
}

impl Callers {
    async fn make(srv: &TestServer, w: &World) -> Callers {
        let mut devices = Vec::new();
        let field_device = |role| async move {
            let u = user(srv, w.org.team_a, "직원", role, Privilege::Field).await;
            (device_for(srv, u).await, u)
        };
        devices.push((Who::NoToken, None, None, None));
        devices.push((
            Who::Forged,
            None,
            Some("forged-token-0123456789".to_owned()),
            None,
        ));
        let (expired, _) = field_device(Role::WelfarePlanner).await;
        let ttl = srv.state.config.token_ttl_ms;
        let old = srv
            .store
            .issue_token(
                expired.id,
                expired.secret.clone(),
                srv.now_ms() - 2 * ttl,
                ttl,
            )
            .await
            .unwrap();
        devices.push((Who::Expired, None, Some(old.access_token), None));
        let (revoked, _) = field_device(Role::VisitingNurse).await;
        srv.store
            .revoke_device(revoked.id, srv.now_ms())
            .await
            .unwrap();
        devices.push((Who::Revoked, None, Some(revoked.token.clone()), None));
        for (who, unit, privilege) in [
            (Who::Admin, w.org.city, Privilege::Admin),
            (Who::Supervisor, w.org.team_a, Privilege::Supervisor),
        ] {
            let u = user(srv, unit, "관리", Role::WelfarePlanner, privilege).await;
            let d = device_for(srv, u).await;
            let t = d.token.clone();
            devices.push((who, Some(d), Some(t), Some(u)));
        }
        for role in Role::ALL {
            let (d, u) = field_device(*role).await;
            let t = d.token.clone();
            devices.push((Who::Field(*role), Some(d), Some(t), Some(u)));
        }
        Callers { devices }
    }
}

/// Sends the request of (`method`, `path`) about `scope`'s 동 as `who`; returns the status and
/// whether the 동's record is in the answer.
async fn ask(
    srv: &TestServer,
    w: &World,
    method: &str,
    path: &str,
    scope: Scope,
    token: Option<&str>,
    device: Option<&mut TestDevice>,
) -> (u16, bool) {
    let (dong, household, alarm, session) = match scope {
        Scope::Own => (w.org.dong_a, w.household_a, &w.alarm_a, w.sos_a),
        Scope::Other => (w.org.dong_b, w.household_b, &w.alarm_b, w.sos_b),
    };
    let url_path = path.replace("{id}", alarm);
    let query = match path {
        "/dashboard/api/figures"
        | "/dashboard/api/due"
        | "/dashboard/api/plan"
        | "/dashboard/api/map" => {
            format!("?unit={dong}")
        }
        "/dashboard/api/audit" => format!("?household_id={household}"),
        _ => String::new(),
    };
    let body: Value = match path {
        "/v1/push" => {
            let (id, device_id, hlc) = match device {
                Some(d) => (d.id, d.id, d.clock.send(srv.now_ms())),
                None => {
                    let mut clock = donghaeng_core::sync::HybridClock::new(Uuid::now_v7());
                    let hlc = clock.send(srv.now_ms());
                    (hlc.node, hlc.node, hlc)
                }
            };
            let change = Change {
                id: donghaeng_core::store::device_sync::capture::v7_at(hlc.wall_ms),
                entity: "households".into(),
                record_id: Uuid::now_v7(),
                op: Op::Upsert {
                    fields: serde_json::from_value(
                        json!({"dong_id": dong.to_string(), "head_name": "권한표"}),
                    )
                    .unwrap(),
                },
                hlc,
                device_id,
            };
            serde_json::to_value(PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: id,
                changes: vec![change],
            })
            .unwrap()
        }
        "/v1/pull" => json!({"protocol_version": 1, "after_seq": 0, "limit": 5000}),
        "/v1/snapshot" => json!({"protocol_version": ProtocolVersion::CURRENT, "limit": 5000}),
        "/v1/enrol" => json!({"code": "NOT-A-CODE"}),
        "/v1/token" => json!({"device_id": Uuid::now_v7(), "device_secret": "guess"}),
        // A new unknown login each time: five failures of one login from one address lock it.
        "/dashboard/api/login" => {
            json!({"login": format!("nobody.{}", Uuid::now_v7().simple()), "password": "wrong-password"})
        }
        _ => json!({}),
    };
    let url = format!("{}{url_path}{query}", srv.base);
    let mut rq = srv
        .client
        .request(Method::from_bytes(method.as_bytes()).unwrap(), url);
    if method == "POST" {
        rq = rq.json(&body);
    }
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    let resp = rq.send().await.unwrap();
    let status = resp.status().as_u16();
    if path.ends_with("/stream") {
        // A live feed: the status is the answer; the body never ends.
        return (status, false);
    }
    let text = resp.text().await.unwrap_or_default();
    let needle = match path {
        "/v1/pull" | "/v1/snapshot" => household.to_string(),
        "/v1/safety/alarms" => alarm.clone(),
        "/dashboard/api/board" => session.to_string(),
        "/dashboard/api/units" => dong.to_string(),
        _ => String::new(),
    };
    (status, !needle.is_empty() && text.contains(&needle))
}

async fn every_endpoint_answers_every_caller_as_the_matrix_says(backend: Backend) {
    // Who may do what, not how often: bogus credentials are sent for every cell.
    let config = crate::common::unthrottled(crate::common::scoped_config());
    let Some(srv) = TestServer::on_with(backend, config, SkewPolicy::default()).await else {
        return;
    };
    // Every route has rows, and every row names a route.
    let routes: BTreeSet<(String, String)> = donghaeng_sync_server::routes::table()
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let listed: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        routes, listed,
        "ENDPOINTS must list exactly the server's routes"
    );

    let w = world(&srv).await;
    let mut callers = Callers::make(&srv, &w).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    // Acting on alarms last: an acknowledgement changes state (harmlessly for the other rows).
    let mut order: Vec<&(&str, &str)> = ENDPOINTS.iter().collect();
    order.sort_by_key(|(m, p)| (p.contains("{id}"), *p == "/dashboard/api/logout", *m));
    for &&(method, path) in &order {
        for (who, device, token, _) in callers.devices.iter_mut() {
            for scope in [Scope::Own, Scope::Other] {
                let want = expected(method, path, *who, scope);
                let (status, sees) = ask(
                    &srv,
                    &w,
                    method,
                    path,
                    scope,
                    token.as_deref(),
                    device.as_mut(),
                )
                .await;
                let ok = match want {
                    Status(s) => status == s,
                    Sees => status == 200 && sees,
                    Hidden => status == 200 && !sees,
                };
                checked += 1;
                if !ok {
                    failures.push(format!(
                        "{method} {path} as {who:?} ({scope:?}): expected {want:?}, got {status} (record in answer: {sees})"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, ENDPOINTS.len() * (6 + Role::ALL.len()) * 2);
}

/// The audit trail through the dashboard API: 동 A's supervisor sees who changed household A (the
/// server's entry for the push) and who viewed it on a phone (the phone's own entry, synced), and
/// nothing of household B; a phone may not write an entry in someone else's name; the admin also
/// sees refusals of unknown callers, which name no household.
async fn supervisors_see_the_audit_trail_of_their_households_only(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let w = world(&srv).await;
    let nurse = user(
        &srv,
        w.org.team_a,
        "간호",
        Role::VisitingNurse,
        Privilege::Field,
    )
    .await;
    let mut phone = device_for(&srv, nurse).await;
    let entry = |actor: Uuid, phone: &mut TestDevice| {
        let hlc = phone.clock.send(srv.now_ms());
        Change {
            id: donghaeng_core::store::device_sync::capture::v7_at(hlc.wall_ms),
            entity: "audit_entries".into(),
            record_id: Uuid::now_v7(),
            op: Op::Append {
                record: serde_json::from_value(json!({
                    "at": srv.now_ms(), "actor_id": actor.to_string(),
                    "device_id": phone.id.to_string(), "action": "viewed",
                    "entity": "households", "record_id": w.household_a.to_string(),
                    "household_id": w.household_a.to_string(), "detail": null
                }))
                .unwrap(),
            },
            hlc,
            device_id: phone.id,
        }
    };
    let mine = entry(nurse, &mut phone);
    let a = srv.push(&phone, std::slice::from_ref(&mine)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    // In someone else's name: refused, stored nowhere.
    let forged = entry(Uuid::now_v7(), &mut phone);
    let a = srv.push(&phone, std::slice::from_ref(&forged)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    // A request with a forged token: a refusal of an unknown caller.
    let a = srv.post("/v1/pull", Some("forged"), &json!({})).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    srv.state.audit.flush().await;

    let lead = device_for(
        &srv,
        user(
            &srv,
            w.org.team_a,
            "팀장",
            Role::WelfarePlanner,
            Privilege::Supervisor,
        )
        .await,
    )
    .await;
    let admin = device_for(
        &srv,
        user(
            &srv,
            w.org.city,
            "관리",
            Role::WelfarePlanner,
            Privilege::Admin,
        )
        .await,
    )
    .await;
    let get = |path: String, token: String| {
        let srv = &srv;
        async move {
            let r = srv
                .client
                .get(format!("{}{path}", srv.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, body) = get(
        format!("/dashboard/api/audit?household_id={}", w.household_a),
        lead.token.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let entries = body["entries"].as_array().unwrap();
    let actions: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains("viewed") && actions.contains("changed"),
        "{body}"
    );
    let viewed = entries.iter().find(|e| e["action"] == "viewed").unwrap();
    assert_eq!(viewed["actor_id"], json!(nurse.to_string()));
    assert_eq!(viewed["device_id"], json!(phone.id.to_string()));
    assert!(!body.to_string().contains(&forged.record_id.to_string()));
    // The whole area: nothing of household B, and no entry about no household.
    let (s, all) = get("/dashboard/api/audit".into(), lead.token.clone()).await;
    assert_eq!(s, StatusCode::OK);
    for e in all["entries"].as_array().unwrap() {
        assert_eq!(e["household_id"], json!(w.household_a.to_string()), "{e}");
    }
    let (s, _) = get(
        format!("/dashboard/api/audit?household_id={}", w.household_b),
        lead.token.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The admin sees B's entries and the refusal of the forged token.
    let (_, all) = get("/dashboard/api/audit".into(), admin.token.clone()).await;
    let text = all.to_string();
    assert!(text.contains(&w.household_b.to_string()));
    assert!(text.contains("token_invalid POST /v1/pull"), "{text}");
    // Malformed: a 400 naming the parameter.
    let (s, body) = get(
        "/dashboard/api/audit?household_id=x".into(),
        lead.token.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "household_id");
}

/// The write semantics of `POST /v1/push` (docs/threat-model.md): what a change *does* to a record
/// as the server holds it, by caller and by whose 동 the record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    /// A household moved between 동: own → other (Own), other → own (Other).
    Move,
    /// A person re-pointed at another household: within the caller's 동 (Own), from the other 동
    /// into it (Other).
    Repoint,
    /// A person deleted.
    Delete,
    /// A check-out pushed into the 동's SOS session by someone not on it.
    SessionEvent,
    /// An SOS resolved by a phone's event instead of the supervisor route.
    PhoneResolve,
    /// A phone's audit entry that the caller viewed the 동's household.
    Audit,
}

const WRITES: &[Write] = &[
    Write::Move,
    Write::Repoint,
    Write::Delete,
    Write::SessionEvent,
    Write::PhoneResolve,
    Write::Audit,
];

/// The write matrix: the status of the push.
fn expected_write(write: Write, who: Who, scope: Scope) -> u16 {
    use Who::*;
    let own = scope == Scope::Own;
    if matches!(who, NoToken | Forged | Expired | Revoked) {
        return 401;
    }
    // The admin account here is a welfare planner of the city (its area holds both 동); the
    // supervisor a welfare planner of 동 A's team: the privilege gives no write rights.
    let city_staff = who == Admin;
    let staff_a = matches!(who, Supervisor) || matches!(who, Field(r) if is_staff(r));
    let allowed = match write {
        // Moving needs both ends in the area; re-pointing is never allowed; no phone resolves
        // an alarm or writes into a session it is not on.
        Write::Move => city_staff,
        Write::Repoint | Write::SessionEvent | Write::PhoneResolve => false,
        Write::Delete | Write::Audit => city_staff || (staff_a && own),
    };
    if allowed {
        200
    } else {
        403
    }
}

async fn every_write_answers_every_caller_as_the_write_matrix_says(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let w = world(&srv).await;
    let mut callers = Callers::make(&srv, &w).await;
    // Records made afresh for each cell, by staff of each 동 who are not callers.
    let mut setup_a = device_for(
        &srv,
        user(
            &srv,
            w.org.team_a,
            "준비",
            Role::WelfarePlanner,
            Privilege::Field,
        )
        .await,
    )
    .await;
    let mut setup_b = device_for(
        &srv,
        user(
            &srv,
            w.org.team_b,
            "준비",
            Role::WelfarePlanner,
            Privilege::Field,
        )
        .await,
    )
    .await;
    let sos = |session: Uuid| {
        srv.state
            .safety
            .alarms(srv.now_ms(), false)
            .into_iter()
            .find(|a| a.session_id == session)
            .map(|a| a.alarm)
            .unwrap()
    };
    let (sos_a, sos_b) = (sos(w.sos_a), sos(w.sos_b));
    let mut failures = Vec::new();
    let mut checked = 0;
    for &write in WRITES {
        for (who, device, token, caller) in callers.devices.iter_mut() {
            for scope in [Scope::Own, Scope::Other] {
                let (h_a, p_a) = fresh(&srv, &mut setup_a, w.org.dong_a).await;
                let (h_b, p_b) = fresh(&srv, &mut setup_b, w.org.dong_b).await;
                let (mine, theirs, dong_a, dong_b) = (h_a, h_b, w.org.dong_a, w.org.dong_b);
                let (session, alarm, household) = match scope {
                    Scope::Own => (w.sos_a, sos_a, w.household_a),
                    Scope::Other => (w.sos_b, sos_b, w.household_b),
                };
                let own = scope == Scope::Own;
                let (entity, record, op) = match write {
                    Write::Move => {
                        let (h, to) = if own {
                            (mine, dong_b)
                        } else {
                            (theirs, dong_a)
                        };
                        (
                            "households",
                            h,
                            upsert_op(json!({"dong_id": to.to_string()})),
                        )
                    }
                    Write::Repoint => {
                        let p = if own { p_a } else { p_b };
                        let to = w.household_a.to_string();
                        ("persons", p, upsert_op(json!({"household_id": to})))
                    }
                    Write::Delete => ("persons", if own { p_a } else { p_b }, Op::Delete),
                    Write::SessionEvent | Write::PhoneResolve => {
                        let kind = if write == Write::SessionEvent {
                            EventKind::CheckedOut
                        } else {
                            EventKind::AlarmResolved {
                                alarm,
                                note: "phone".into(),
                            }
                        };
                        let dev = device.as_ref().map_or(Uuid::now_v7(), |d| d.id);
                        let event = SafetyEvent {
                            id: Uuid::now_v7(),
                            session_id: session,
                            at: chrono::Utc::now(),
                            worker_id: *caller,
                            device_id: dev.to_string(),
                            location: None,
                            kind,
                        };
                        (
                            "safety_events",
                            event.id,
                            Op::Append {
                                record: to_fields(&event).unwrap(),
                            },
                        )
                    }
                    Write::Audit => {
                        let dev = device.as_ref().map_or(Uuid::now_v7(), |d| d.id);
                        (
                            "audit_entries",
                            Uuid::now_v7(),
                            Op::Append {
                                record: serde_json::from_value(json!({
                                    "at": srv.now_ms(),
                                    "actor_id": caller.map(|u| u.to_string()),
                                    "device_id": dev.to_string(), "action": "viewed",
                                    "household_id": household.to_string()
                                }))
                                .unwrap(),
                            },
                        )
                    }
                };
                let status =
                    push_one(&srv, device.as_mut(), token.as_deref(), entity, record, op).await;
                let want = expected_write(write, *who, scope);
                checked += 1;
                if status != want {
                    failures.push(format!(
                        "{write:?} as {who:?} ({scope:?}): expected {want}, got {status}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, WRITES.len() * (6 + Role::ALL.len()) * 2);
}

fn upsert_op(fields: Value) -> Op {
    Op::Upsert {
        fields: serde_json::from_value(fields).unwrap(),
    }
}

/// A fresh household of `dong` with one member, pushed by `dev`: (household, person).
async fn fresh(srv: &TestServer, dev: &mut TestDevice, dong: Uuid) -> (Uuid, Uuid) {
    let (h, p) = (Uuid::now_v7(), Uuid::now_v7());
    crate::dashboard_fixture::push_records(
        srv,
        dev,
        &[
            (
                "households",
                h,
                json!({"dong_id": dong.to_string(), "head_name": "새 가구"}),
            ),
            (
                "persons",
                p,
                json!({"household_id": h.to_string(), "name": "가족"}),
            ),
        ],
    )
    .await;
    (h, p)
}

/// Pushes one change as the caller (its own device, or an unknown one for callers without).
async fn push_one(
    srv: &TestServer,
    device: Option<&mut TestDevice>,
    token: Option<&str>,
    entity: &str,
    record_id: Uuid,
    op: Op,
) -> u16 {
    let (device_id, hlc) = match device {
        Some(d) => (d.id, d.clock.send(srv.now_ms())),
        None => {
            let mut clock = donghaeng_core::sync::HybridClock::new(Uuid::now_v7());
            let hlc = clock.send(srv.now_ms());
            (hlc.node, hlc)
        }
    };
    let change = Change {
        id: donghaeng_core::store::device_sync::capture::v7_at(hlc.wall_ms),
        entity: entity.into(),
        record_id,
        op,
        hlc,
        device_id,
    };
    let req = PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id,
        changes: vec![change],
    };
    let mut rq = srv.client.post(format!("{}/v1/push", srv.base)).json(&req);
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    rq.send().await.unwrap().status().as_u16()
}

crate::on_both_stores!(
    every_endpoint_answers_every_caller_as_the_matrix_says,
    every_write_answers_every_caller_as_the_write_matrix_says,
    supervisors_see_the_audit_trail_of_their_households_only
);
