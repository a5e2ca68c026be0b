//! Shared set-up of the dashboard tests: a published org tree with two 동 (A and B) under one
//! district, users with privileges and web logins, devices, households and safety sessions pushed
//! over HTTP, and a cookie-carrying web client.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use donghaeng_core::model::{ContactMode, CrisisLevel, Household, OrgUnitKind, Role, Worker};
use donghaeng_core::safety::{
    Actor, Contact, SafetyAssessment, SafetyEvent, SafetyMonitor, StartRequest, TeamSafetyConfig,
};
use donghaeng_core::store::device_sync::capture::v7_at;
use donghaeng_core::store::safety_events::{to_fields, ENTITY};
use donghaeng_core::sync::entity::{entity as entity_spec, EntityKind};
use donghaeng_core::sync::{Change, HybridClock, Op, SkewPolicy};
use donghaeng_sync_server::accounts::password;
use donghaeng_sync_server::scope::publish;
use donghaeng_sync_server::store::{AuthStore, Privilege};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{scoped_config, Backend, TestDevice, TestServer};

pub const PASSWORD: &str = "correct-horse-battery";

pub struct Org {
    pub city: Uuid,
    pub gu: Uuid,
    pub dong_a: Uuid,
    pub team_a: Uuid,
    pub dong_b: Uuid,
    pub team_b: Uuid,
}

/// A server with role scopes on (as the process runs) on `backend`; `None` when PostgreSQL tests
/// are skipped on purpose.
pub async fn server(backend: Backend) -> Option<TestServer> {
    TestServer::on_with(backend, scoped_config(), SkewPolicy::default()).await
}

async fn unit(srv: &TestServer, kind: OrgUnitKind, name: &str, parent: Option<Uuid>) -> Uuid {
    let id = srv
        .store
        .create_unit(kind, name.into(), parent)
        .await
        .unwrap();
    publish::unit(&srv.store, id, kind, name, parent, srv.now_ms())
        .await
        .unwrap();
    id
}

pub async fn org(srv: &TestServer) -> Org {
    let city = unit(srv, OrgUnitKind::City, "서울특별시", None).await;
    let gu = unit(srv, OrgUnitKind::District, "성북구", Some(city)).await;
    let dong_a = unit(srv, OrgUnitKind::Dong, "길음1동", Some(gu)).await;
    let team_a = unit(srv, OrgUnitKind::Team, "길음1동 복지팀", Some(dong_a)).await;
    let dong_b = unit(srv, OrgUnitKind::Dong, "정릉2동", Some(gu)).await;
    let team_b = unit(srv, OrgUnitKind::Team, "정릉2동 복지팀", Some(dong_b)).await;
    Org {
        city,
        gu,
        dong_a,
        team_a,
        dong_b,
        team_b,
    }
}

/// A published user of `unit` with `privilege`.
pub async fn user(
    srv: &TestServer,
    unit: Uuid,
    name: &str,
    role: Role,
    privilege: Privilege,
) -> Uuid {
    let u = srv
        .store
        .create_user(unit, name.into(), role)
        .await
        .unwrap();
    publish::user(&srv.store, &u, srv.now_ms()).await.unwrap();
    srv.store.set_privilege(u.id, privilege).await.unwrap();
    u.id
}

/// A user with a web login `login` and [`PASSWORD`].
pub async fn web_user(srv: &TestServer, unit: Uuid, login: &str, privilege: Privilege) -> Uuid {
    let id = user(srv, unit, login, Role::WelfarePlanner, privilege).await;
    let phc = password::hash(PASSWORD).unwrap();
    srv.store
        .set_web_login(id, login.into(), phc)
        .await
        .unwrap();
    id
}

/// Enrols a device for `user` over HTTP.
pub async fn device_for(srv: &TestServer, user: Uuid) -> TestDevice {
    let code = srv.enrolment_code(user).await;
    let a = srv.post("/v1/enrol", None, &json!({"code": code})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let id: Uuid = a.body["device_id"].as_str().unwrap().parse().unwrap();
    let secret = a.body["device_secret"].as_str().unwrap().to_owned();
    let token = srv.token(id, &secret).await;
    TestDevice {
        id,
        secret,
        token,
        clock: HybridClock::new(id),
    }
}

/// Field staff of both 동: a planner and a nurse in 동 A's team, a planner in 동 B's, and a phone
/// for each planner.
pub struct TwoDongs {
    pub org: Org,
    pub planner: Uuid,
    pub nurse: Uuid,
    pub other: Uuid,
    pub phone_a: TestDevice,
    pub phone_b: TestDevice,
}

pub async fn two_dongs(srv: &TestServer) -> TwoDongs {
    let org = org(srv).await;
    let field = |unit, name, role| user(srv, unit, name, role, Privilege::Field);
    let planner = field(org.team_a, "김민지", Role::WelfarePlanner).await;
    let nurse = field(org.team_a, "이수정", Role::VisitingNurse).await;
    let other = field(org.team_b, "박서연", Role::WelfarePlanner).await;
    TwoDongs {
        phone_a: device_for(srv, planner).await,
        phone_b: device_for(srv, other).await,
        org,
        planner,
        nurse,
        other,
    }
}

pub fn household(id: Uuid, dong: Uuid, address: &str) -> Household {
    Household {
        id,
        dong_id: dong,
        head_name: "최영호".to_owned(),
        address: address.to_owned(),
        location: None,
        crisis_level: CrisisLevel::CRISIS,
        tags: vec![],
        risk_flags: vec![],
        phone: None,
        archived: false,
    }
}

/// Pushes upserts of `(entity, record, fields)` from `dev`; every change must be accepted.
pub async fn push_records(srv: &TestServer, dev: &mut TestDevice, records: &[(&str, Uuid, Value)]) {
    let changes: Vec<Change> = records
        .iter()
        .map(|(entity, id, fields)| {
            let hlc = dev.clock.send(srv.now_ms());
            Change {
                id: v7_at(hlc.wall_ms),
                entity: (*entity).to_owned(),
                record_id: *id,
                op: match entity_spec(entity).map(|e| e.kind) {
                    Some(EntityKind::AppendOnly) => Op::Append {
                        record: serde_json::from_value(fields.clone()).unwrap(),
                    },
                    _ => Op::Upsert {
                        fields: serde_json::from_value(fields.clone()).unwrap(),
                    },
                },
                hlc,
                device_id: dev.id,
            }
        })
        .collect();
    let a = srv.push(dev, &changes).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.body["accepted"].as_array().map(Vec::len),
        Some(records.len()),
        "{}",
        a.body
    );
}

pub async fn push_household(srv: &TestServer, dev: &mut TestDevice, h: &Household) {
    push_records(
        srv,
        dev,
        &[(
            "households",
            h.id,
            json!({"dong_id": h.dong_id.to_string(), "head_name": h.head_name, "address": h.address,
                   "lat": null, "lon": null, "crisis_level": h.crisis_level.value(), "tags": "",
                   "risk_flags": "", "phone": null, "archived": i64::from(h.archived)}),
        )],
    )
    .await;
}

/// Starts a safety session for `workers` at `household` on a phone monitor and, if `sos`, presses
/// SOS; pushes the events from `dev` in one push. Returns the session id.
pub async fn session(
    srv: &TestServer,
    dev: &mut TestDevice,
    household: &Household,
    workers: &[Worker],
    sos: bool,
) -> Uuid {
    let (id, start, sos_event) = session_events(srv, dev.id, household, workers);
    let mut events = vec![start];
    if sos {
        events.push(sos_event);
    }
    push_events(srv, dev, &events).await;
    id
}

/// A session's start event and an SOS event of its first worker, recorded on `device` (the phone
/// that will push them), not pushed.
pub fn session_events(
    srv: &TestServer,
    device: Uuid,
    household: &Household,
    workers: &[Worker],
) -> (Uuid, SafetyEvent, SafetyEvent) {
    let now: DateTime<Utc> =
        DateTime::from_timestamp_millis(srv.now_ms() - srv.now_ms() % 1000).unwrap();
    let cfg = TeamSafetyConfig::standard(
        Contact::new("정팀장", "010-9000-0001"),
        Contact::new("한동장", "010-9000-0002"),
    );
    let session_id = Uuid::now_v7();
    let req = StartRequest {
        session_id: Some(session_id),
        visit_id: None,
        household,
        district_id: Uuid::from_u128(700),
        contact_mode: ContactMode::Home,
        workers,
        expected_return: now + chrono::Duration::minutes(60),
        checkin_interval_secs: None,
        assessment: SafetyAssessment::complete(),
        advisory_override: None,
        config: &cfg,
        regular_volunteer: None,
        advisories: &[],
    };
    let actor = Actor::new(workers[0].id, device.to_string());
    let mut m = SafetyMonitor::new(device.to_string());
    let start = m.start(&req, &actor, now).unwrap().event;
    let sos = m.sos(session_id, &actor, now).unwrap().event;
    (session_id, start, sos)
}

/// Pushes safety events from `dev` as its outbox would; every one must be stored.
pub async fn push_events(srv: &TestServer, dev: &mut TestDevice, events: &[SafetyEvent]) {
    let changes: Vec<Change> = events
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
        .collect();
    let a = srv.push(dev, &changes).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.body["rejected"].as_array().map(Vec::len),
        Some(0),
        "{}",
        a.body
    );
}

pub fn worker(id: Uuid, team: Uuid, name: &str) -> Worker {
    Worker {
        id,
        team_id: team,
        name: name.to_owned(),
        roles: vec![Role::WelfarePlanner],
        phone: Some("010-1111-1111".to_owned()),
        active: true,
    }
}

/// An answer of the web API.
pub struct Web {
    pub status: StatusCode,
    pub body: Value,
    pub set_cookie: Option<String>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
}

/// A browser-like client: sends the session cookie and the CSRF header it was given.
pub struct Browser<'a> {
    pub srv: &'a TestServer,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    client: reqwest::Client,
}

impl<'a> Browser<'a> {
    pub fn new(srv: &'a TestServer) -> Self {
        Browser {
            srv,
            cookie: None,
            csrf: None,
            client: srv.client.clone(),
        }
    }

    /// A browser on another machine: its connections come from `addr` (a loopback address such as
    /// 127.0.0.7), so the server sees another client address.
    pub fn at(srv: &'a TestServer, addr: std::net::IpAddr) -> Self {
        Browser {
            client: reqwest::Client::builder()
                .local_address(addr)
                .build()
                .unwrap(),
            ..Browser::new(srv)
        }
    }

    async fn send(&self, rq: reqwest::RequestBuilder) -> Web {
        let mut rq = rq;
        if let Some(c) = &self.cookie {
            rq = rq.header("cookie", format!("dh_session={c}"));
        }
        if let Some(t) = &self.csrf {
            rq = rq.header("x-csrf-token", t);
        }
        let resp = rq.send().await.unwrap();
        let status = resp.status();
        let set_cookie = resp
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_owned());
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = resp.bytes().await.unwrap();
        Web {
            status,
            body: serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
            set_cookie,
            retry_after,
        }
    }

    /// A GET whose body is a file (an xlsx export): the status, the content type and the bytes.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let mut rq = self.client.get(format!("{}{path}", self.srv.base));
        if let Some(c) = &self.cookie {
            rq = rq.header("cookie", format!("dh_session={c}"));
        }
        let resp = rq.send().await.unwrap();
        let status = resp.status();
        let kind = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, resp.bytes().await.unwrap().to_vec())
    }

    pub async fn get(&self, path: &str) -> Web {
        self.send(self.client.get(format!("{}{path}", self.srv.base)))
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Web {
        self.send(
            self.client
                .post(format!("{}{path}", self.srv.base))
                .json(&body),
        )
        .await
    }

    /// Logs in; on success keeps the cookie and the CSRF token.
    pub async fn login(&mut self, login: &str, password: &str) -> Web {
        let w = self
            .post(
                "/dashboard/api/login",
                json!({"login": login, "password": password}),
            )
            .await;
        if w.status == StatusCode::OK {
            let c = w.set_cookie.clone().unwrap();
            let token = c
                .split(';')
                .next()
                .unwrap()
                .strip_prefix("dh_session=")
                .unwrap();
            self.cookie = Some(token.to_owned());
            self.csrf = w.body["user"]["csrf_token"].as_str().map(str::to_owned);
        }
        w
    }
}

/// A planner and a nurse of 동 A's team about to visit a household of 동 A: the org, the planner's
/// phone (the household already pushed from it), the household and the pair as session workers.
pub struct PairVisit {
    pub org: Org,
    pub phone: TestDevice,
    pub household: Household,
    pub workers: [Worker; 2],
}

pub async fn pair_visit(srv: &TestServer, address: &str) -> PairVisit {
    let o = org(srv).await;
    let planner = user(
        srv,
        o.team_a,
        "김민지",
        Role::WelfarePlanner,
        Privilege::Field,
    )
    .await;
    let nurse = user(
        srv,
        o.team_a,
        "이수정",
        Role::VisitingNurse,
        Privilege::Field,
    )
    .await;
    let mut phone = device_for(srv, planner).await;
    let h = household(Uuid::now_v7(), o.dong_a, address);
    push_household(srv, &mut phone, &h).await;
    PairVisit {
        workers: [
            worker(planner, o.team_a, "김민지"),
            worker(nurse, o.team_a, "이수정"),
        ],
        org: o,
        phone,
        household: h,
    }
}
