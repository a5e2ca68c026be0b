//! Forged pushes against the write rules (docs/threat-model.md), on SQLite and PostgreSQL: random
//! worlds (2–3 동 in 1–2 districts, every class of role, a district officer), honest traffic mixed
//! with random forged pushes from random devices — placing fields moved, child records re-pointed,
//! tombstones, assignments, records rewritten under another's id, safety events into other
//! sessions or in another's name, alarm endings from phones, audit entries, worker edits, org and
//! configuration writes. Invariants, checked against a model kept from the honest history alone:
//!
//! - every forged push is refused whole (403 `out_of_scope`, the forged changes named) and the
//!   server's merged state does not change;
//! - no device ever receives a record its honest scope does not hold at the time it pulls;
//! - an SOS ends only by its raiser's withdrawal or a supervisor's resolve;
//! - honest staff devices converge: each holds exactly the server's records of its scope.
//!
//! `FORGED_WORLDS` (default 24 per store) and `FORGED_STEPS` (default 160) set the size; every
//! world runs that many steps, about half of them forged.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use donghaeng_core::model::{OrgUnitKind, Role, Worker};
use donghaeng_core::safety::{
    Actor, AlarmRef, Contact, EventKind, SafetyAssessment, SafetyEvent, SafetyMonitor,
    StartRequest, TeamSafetyConfig,
};
use donghaeng_core::store::safety_events::to_fields;
use donghaeng_core::sync::{Change, HlcTimestamp, Op, Replica};
use donghaeng_sync_server::scope::publish::{self, ADMIN_NODE};
use donghaeng_sync_server::store::{AuthStore, Privilege};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{v7, Backend, TestDevice, TestServer};
use crate::dashboard_fixture::{device_for, household, server, worker};

/// What a user is, for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Planner,
    Nurse,
    Volunteer,
    Reporter,
    /// Staff who sit in a district (구청): their area is every 동 of it.
    District,
}

struct Person {
    user: Uuid,
    dev: TestDevice,
    kind: Kind,
    /// The 동 (index) of their team; for district staff the district's first 동.
    dong: usize,
    district: usize,
    /// Where their pulls have reached, and what they hold (staff only compared).
    cursor: u64,
    replica: Replica,
}

struct Dong {
    id: Uuid,
    team: Uuid,
    district: usize,
}

struct Hh {
    id: Uuid,
    dong: usize,
}

struct Visit {
    id: Uuid,
    hh: usize,
    assigned: BTreeSet<usize>,
}

struct Report {
    id: Uuid,
    dong: usize,
    reporter: usize,
}

struct Session {
    id: Uuid,
    hh: usize,
    participants: Vec<usize>,
    /// The SOS event and the person whose device raised it.
    sos: Option<(Uuid, usize)>,
    sos_ended: bool,
}

/// A world: its server and a model of what the honest history made.
struct World {
    srv: TestServer,
    districts: Vec<Uuid>,
    dongs: Vec<Dong>,
    people: Vec<Person>,
    hhs: Vec<Hh>,
    visits: Vec<Visit>,
    /// Household-bound records (persons, cases, notes, checks …): entity, id, household, writer.
    records: Vec<(&'static str, Uuid, usize, usize)>,
    reports: Vec<Report>,
    sessions: Vec<Session>,
    /// The server's merged state without the audit trail, as of the last honest step.
    dump: String,
    forged: usize,
}

/// Picks the `k`-th of `n` (modulo), `None` when there is none.
fn nth(n: usize, k: u8) -> Option<usize> {
    (n > 0).then(|| usize::from(k) % n)
}

impl World {
    async fn new(backend: Backend, shape: u8) -> Option<World> {
        let srv = server(backend).await?;
        let now = srv.now_ms();
        let unit = |kind: OrgUnitKind, name: String, parent: Option<Uuid>| {
            let srv = &srv;
            async move {
                let id = srv
                    .store
                    .create_unit(kind, name.clone(), parent)
                    .await
                    .unwrap();
                publish::unit(&srv.store, id, kind, &name, parent, now)
                    .await
                    .unwrap();
                id
            }
        };
        let city = unit(OrgUnitKind::City, "서울특별시".into(), None).await;
        let n_districts = 1 + usize::from(shape % 2);
        let n_dongs = 2 + usize::from(shape / 2 % 2);
        let mut districts = Vec::new();
        for d in 0..n_districts {
            districts.push(unit(OrgUnitKind::District, format!("구{d}"), Some(city)).await);
        }
        let mut dongs = Vec::new();
        for i in 0..n_dongs {
            // With two districts, the last 동 is in the second.
            let district = if n_districts == 2 && i == n_dongs - 1 {
                1
            } else {
                0
            };
            let id = unit(
                OrgUnitKind::Dong,
                format!("동{i}"),
                Some(districts[district]),
            )
            .await;
            let team = unit(OrgUnitKind::Team, format!("팀{i}"), Some(id)).await;
            dongs.push(Dong { id, team, district });
        }
        let mut w = World {
            srv,
            districts,
            dongs,
            people: Vec::new(),
            hhs: Vec::new(),
            visits: Vec::new(),
            records: Vec::new(),
            reports: Vec::new(),
            sessions: Vec::new(),
            dump: String::new(),
            forged: 0,
        };
        for d in 0..w.dongs.len() {
            for (kind, role) in [
                (Kind::Planner, Role::WelfarePlanner),
                (Kind::Nurse, Role::VisitingNurse),
                (Kind::Volunteer, Role::VolunteerNeighborhoodCare),
                (Kind::Reporter, Role::CommunityReporter),
            ] {
                w.add_person(w.dongs[d].team, kind, role, d, w.dongs[d].district)
                    .await;
            }
        }
        let district_unit = w.districts[0];
        w.add_person(district_unit, Kind::District, Role::CaseManager, 0, 0)
            .await;
        // The first 동's planner is also its team lead (supervisor): she resolves alarms.
        let lead = w.people[0].user;
        w.srv
            .store
            .set_privilege(lead, Privilege::Supervisor)
            .await
            .unwrap();
        // Each 동: two households (a member each), a visit to the first with the planner and
        // the volunteer, a case, a note, a volunteer's wellness check, a returned invitation
        // letter, a staff crisis report and a reporter's, and a safety session with an SOS.
        for d in 0..w.dongs.len() {
            let planner = w.person(d, Kind::Planner);
            let volunteer = w.person(d, Kind::Volunteer);
            let reporter = w.person(d, Kind::Reporter);
            let h0 = w.new_household(planner, d).await;
            w.new_household(planner, d).await;
            w.new_visit(planner, h0, &[planner, volunteer]).await;
            w.new_record(planner, "cases", h0, json!({"stage": "intake"}))
                .await;
            w.new_record(planner, "case_notes", h0, json!({"body": "상담"}))
                .await;
            w.new_record(volunteer, "wellness_checks", h0, json!({"meals": "good"}))
                .await;
            w.new_record(
                planner,
                "outreach_attempts",
                h0,
                json!({"campaign": "age65", "mode": "letter", "result": "returned"}),
            )
            .await;
            w.new_report(planner, d, planner).await;
            w.new_report(reporter, d, reporter).await;
            w.new_discharge(planner, h0).await;
            w.new_session(planner, h0, &[planner, volunteer], true)
                .await;
        }
        w.refresh().await;
        Some(w)
    }

    async fn add_person(
        &mut self,
        unit: Uuid,
        kind: Kind,
        role: Role,
        dong: usize,
        district: usize,
    ) {
        let info = self
            .srv
            .store
            .create_user(unit, format!("{kind:?}{dong}"), role)
            .await
            .unwrap();
        publish::user(&self.srv.store, &info, self.srv.now_ms())
            .await
            .unwrap();
        let dev = device_for(&self.srv, info.id).await;
        self.people.push(Person {
            user: info.id,
            dev,
            kind,
            dong,
            district,
            cursor: 0,
            replica: Replica::new(),
        });
    }

    fn person(&self, dong: usize, kind: Kind) -> usize {
        self.people
            .iter()
            .position(|p| p.dong == dong && p.kind == kind)
            .unwrap()
    }

    fn is_staff(&self, p: usize) -> bool {
        matches!(
            self.people[p].kind,
            Kind::Planner | Kind::Nurse | Kind::District
        )
    }

    /// Whether person `p`'s area holds 동 `d`.
    fn area_holds(&self, p: usize, d: usize) -> bool {
        let person = &self.people[p];
        match person.kind {
            Kind::District => self.dongs[d].district == person.district,
            _ => person.dong == d,
        }
    }

    /// The honest scope: may `p` hold household `h` now?
    fn sees(&self, p: usize, h: usize) -> bool {
        let dong = self.hhs[h].dong;
        match self.people[p].kind {
            Kind::Planner | Kind::Nurse | Kind::District => self.area_holds(p, dong),
            Kind::Volunteer => {
                self.area_holds(p, dong)
                    && self
                        .visits
                        .iter()
                        .any(|v| v.hh == h && v.assigned.contains(&p))
            }
            Kind::Reporter => false,
        }
    }

    // --- building changes ---

    fn change(&mut self, p: usize, entity: &str, record: Uuid, op: Op) -> Change {
        let now = self.srv.now_ms();
        let dev = &mut self.people[p].dev;
        Change {
            id: v7(),
            entity: entity.to_owned(),
            record_id: record,
            op,
            hlc: dev.clock.send(now),
            device_id: dev.id,
        }
    }

    fn upsert(&mut self, p: usize, entity: &str, record: Uuid, fields: Value) -> Change {
        let fields = serde_json::from_value(fields).unwrap();
        self.change(p, entity, record, Op::Upsert { fields })
    }

    fn append(&mut self, p: usize, entity: &str, record: Uuid, fields: Value) -> Change {
        let record_fields = serde_json::from_value(fields).unwrap();
        self.change(
            p,
            entity,
            record,
            Op::Append {
                record: record_fields,
            },
        )
    }

    fn event(&mut self, p: usize, session: Uuid, worker: Option<Uuid>, kind: EventKind) -> Change {
        let e = SafetyEvent {
            id: v7(),
            session_id: session,
            at: Utc::now(),
            worker_id: worker,
            device_id: self.people[p].dev.id.to_string(),
            location: None,
            kind,
        };
        self.append(
            p,
            "safety_events",
            e.id,
            serde_json::to_value(to_fields(&e).unwrap()).unwrap(),
        )
    }

    // --- honest pushes ---

    async fn honest(&mut self, p: usize, changes: Vec<Change>) {
        let a = self.srv.push(&self.people[p].dev, &changes).await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "an honest push was refused: {}",
            a.body
        );
        assert_eq!(
            a.body["accepted"].as_array().map(Vec::len),
            Some(changes.len()),
            "{}",
            a.body
        );
        // As a phone does, it holds what it wrote (the server never sends it back).
        if self.is_staff(p) {
            for c in &changes {
                self.people[p].replica.apply(c).unwrap();
            }
        }
    }

    async fn new_household(&mut self, p: usize, d: usize) -> usize {
        let id = v7();
        let dong = self.dongs[d].id;
        let hh = self.upsert(
            p,
            "households",
            id,
            json!({"dong_id": dong.to_string(), "head_name": "최○○", "address": "주소"}),
        );
        let person_id = v7();
        let member = self.upsert(
            p,
            "persons",
            person_id,
            json!({"household_id": id.to_string(), "name": "최○○"}),
        );
        self.honest(p, vec![hh, member]).await;
        self.hhs.push(Hh { id, dong: d });
        let h = self.hhs.len() - 1;
        self.records.push(("persons", person_id, h, p));
        h
    }

    async fn new_visit(&mut self, p: usize, h: usize, workers: &[usize]) -> usize {
        let id = v7();
        let household_id = self.hhs[h].id;
        let visit = self.upsert(
            p,
            "visits",
            id,
            json!({"household_id": household_id.to_string(), "status": "planned"}),
        );
        let assign: serde_json::Map<String, Value> = workers
            .iter()
            .map(|w| (self.people[*w].user.to_string(), json!(true)))
            .collect();
        let assignment = self.upsert(p, "visit_workers", id, Value::Object(assign));
        self.honest(p, vec![visit, assignment]).await;
        self.visits.push(Visit {
            id,
            hh: h,
            assigned: workers.iter().copied().collect(),
        });
        self.visits.len() - 1
    }

    async fn new_record(&mut self, p: usize, entity: &'static str, h: usize, fields: Value) {
        let id = v7();
        let mut fields = fields;
        fields["household_id"] = json!(self.hhs[h].id.to_string());
        // As a phone writes it: the one who made the record is its writer.
        let author = match entity {
            "wellness_checks" | "outreach_attempts" => Some("worker_id"),
            "case_notes" => Some("author_id"),
            _ => None,
        };
        if let Some(field) = author {
            fields[field] = json!(self.people[p].user.to_string());
        }
        let c = if entity == "cases" {
            self.upsert(p, entity, id, fields)
        } else {
            self.append(p, entity, id, fields)
        };
        self.honest(p, vec![c]).await;
        self.records.push((entity, id, h, p));
    }

    /// A hospital-discharge referral of household `h`: received and assigned by the district
    /// officer (when her district holds the 동), then planned by the 동's `planner`.
    async fn new_discharge(&mut self, planner: usize, h: usize) {
        let officer = self
            .people
            .iter()
            .position(|p| p.kind == Kind::District)
            .unwrap();
        if !self.area_holds(officer, self.hhs[h].dong) {
            return;
        }
        let patient = self
            .records
            .iter()
            .find(|r| r.0 == "persons" && r.2 == h)
            .map(|r| r.1)
            .unwrap();
        let id = v7();
        let received = self.upsert(
            officer,
            "discharge_referrals",
            id,
            json!({"household_id": self.hhs[h].id.to_string(), "person_id": patient.to_string(),
                   "hospital": "서울의료원", "referred_on": "2026-11-30",
                   "assigned_by": self.people[officer].user.to_string(),
                   "assigned_on": "2026-12-01"}),
        );
        self.honest(officer, vec![received]).await;
        self.records.push(("discharge_referrals", id, h, officer));
        let planned = self.upsert(
            planner,
            "discharge_referrals",
            id,
            json!({"care_plan_on": "2026-12-02", "discharge_on": "2026-12-04"}),
        );
        self.honest(planner, vec![planned]).await;
    }

    async fn new_report(&mut self, p: usize, d: usize, reporter: usize) {
        let id = v7();
        let c = self.upsert(
            p,
            "crisis_reports",
            id,
            json!({"dong_id": self.dongs[d].id.to_string(),
                   "reporter_id": self.people[reporter].user.to_string(),
                   "address": "골목", "status": "referred"}),
        );
        self.honest(p, vec![c]).await;
        self.reports.push(Report {
            id,
            dong: d,
            reporter,
        });
    }

    async fn new_session(&mut self, p: usize, h: usize, workers: &[usize], sos: bool) {
        let device = self.people[p].dev.id.to_string();
        let dong = self.hhs[h].dong;
        let staff: Vec<Worker> = workers
            .iter()
            .map(|w| worker(self.people[*w].user, self.dongs[dong].team, "방문자"))
            .collect();
        let hh = household(self.hhs[h].id, self.dongs[dong].id, "주소");
        let cfg = TeamSafetyConfig::standard(
            Contact::new("팀장", "010-9000-0001"),
            Contact::new("동장", "010-9000-0002"),
        );
        let now: DateTime<Utc> = Utc::now();
        let session_id = v7();
        let actor = Actor::new(self.people[p].user, device.clone());
        let mut m = SafetyMonitor::new(device);
        let start = m
            .start(
                &StartRequest {
                    session_id: Some(session_id),
                    visit_id: None,
                    household: &hh,
                    district_id: self.districts[self.dongs[dong].district],
                    contact_mode: donghaeng_core::model::ContactMode::Home,
                    workers: &staff,
                    expected_return: now + chrono::Duration::hours(2),
                    checkin_interval_secs: None,
                    assessment: SafetyAssessment::complete(),
                    advisory_override: None,
                    config: &cfg,
                    regular_volunteer: None,
                    advisories: &[],
                },
                &actor,
                now,
            )
            .unwrap()
            .event;
        let mut events = vec![start];
        let mut raised = None;
        if sos {
            let e = m.sos(session_id, &actor, now).unwrap().event;
            raised = Some((e.id, p));
            events.push(e);
        }
        let changes: Vec<Change> = events
            .iter()
            .map(|e| {
                let fields = serde_json::to_value(to_fields(e).unwrap()).unwrap();
                self.append(p, "safety_events", e.id, fields)
            })
            .collect();
        self.honest(p, changes).await;
        self.sessions.push(Session {
            id: session_id,
            hh: h,
            participants: workers.to_vec(),
            sos: raised,
            sos_ended: false,
        });
    }

    async fn refresh(&mut self) {
        self.dump = self.srv.dump_without_audit().await;
    }

    /// One honest act of a worker's day, chosen by `a`, `b`, `c`.
    async fn honest_step(&mut self, a: u8, b: u8, c: u8) {
        let n_dongs = self.dongs.len();
        let d = usize::from(b) % n_dongs;
        let planner = self.person(d, Kind::Planner);
        match a % 9 {
            0 => {
                self.new_household(planner, d).await;
            }
            1 => {
                // A household field edited by a staff member who may.
                let Some(h) = nth(self.hhs.len(), c) else {
                    return;
                };
                let Some(p) = (0..self.people.len()).find(|&p| self.is_staff(p) && self.sees(p, h))
                else {
                    return;
                };
                let id = self.hhs[h].id;
                let ch = self.upsert(p, "households", id, json!({"crisis_level": 1 + c % 5}));
                self.honest(p, vec![ch]).await;
            }
            2 => {
                // A staff member assigns (or unassigns) the 동's volunteer on a visit.
                let Some(v) = nth(self.visits.len(), c) else {
                    return;
                };
                let dong = self.hhs[self.visits[v].hh].dong;
                let (lead, vol) = (
                    self.person(dong, Kind::Planner),
                    self.person(dong, Kind::Volunteer),
                );
                let on = !self.visits[v].assigned.contains(&vol);
                let id = self.visits[v].id;
                let ch = self.upsert(
                    lead,
                    "visit_workers",
                    id,
                    json!({ self.people[vol].user.to_string(): on }),
                );
                self.honest(lead, vec![ch]).await;
                if on {
                    self.visits[v].assigned.insert(vol);
                } else {
                    self.visits[v].assigned.remove(&vol);
                }
            }
            3 => {
                // A new visit, with the volunteer, to one of the 동's households.
                let mine: Vec<usize> = (0..self.hhs.len())
                    .filter(|&h| self.hhs[h].dong == d)
                    .collect();
                let Some(i) = nth(mine.len(), c) else { return };
                let vol = self.person(d, Kind::Volunteer);
                self.new_visit(planner, mine[i], &[planner, vol]).await;
            }
            4 => {
                // The volunteer records a wellness check where she is assigned.
                let vol = self.person(d, Kind::Volunteer);
                let Some(h) = (0..self.hhs.len()).find(|&h| self.sees(vol, h)) else {
                    return;
                };
                self.new_record(vol, "wellness_checks", h, json!({"mood": "good"}))
                    .await;
            }
            5 => {
                // A case note by staff.
                let Some(h) = (0..self.hhs.len()).find(|&h| self.sees(planner, h)) else {
                    return;
                };
                self.new_record(planner, "case_notes", h, json!({"body": "기록"}))
                    .await;
            }
            6 => {
                // The district officer transfers a household between two 동 of her district.
                let officer = self
                    .people
                    .iter()
                    .position(|p| p.kind == Kind::District)
                    .unwrap();
                let Some(h) = nth(self.hhs.len(), c) else {
                    return;
                };
                let from = self.hhs[h].dong;
                let to = (0..n_dongs).find(|&t| t != from && self.area_holds(officer, t));
                let (Some(to), true) = (to, self.area_holds(officer, from)) else {
                    return;
                };
                let id = self.hhs[h].id;
                let dong = self.dongs[to].id;
                let ch = self.upsert(
                    officer,
                    "households",
                    id,
                    json!({"dong_id": dong.to_string()}),
                );
                self.honest(officer, vec![ch]).await;
                self.hhs[h].dong = to;
            }
            7 => {
                // A participant checks in on her session; or the raiser withdraws her SOS.
                let Some(s) = nth(self.sessions.len(), c) else {
                    return;
                };
                let sid = self.sessions[s].id;
                if let (Some((sos, raiser)), false, true) =
                    (self.sessions[s].sos, self.sessions[s].sos_ended, b % 2 == 0)
                {
                    let user = self.people[raiser].user;
                    let ch = self.event(
                        raiser,
                        sid,
                        Some(user),
                        EventKind::SosCancelled {
                            sos_event_id: sos,
                            reason: Some("오작동".into()),
                        },
                    );
                    self.honest(raiser, vec![ch]).await;
                    self.sessions[s].sos_ended = true;
                } else {
                    let who = self.sessions[s].participants[usize::from(b) % 2];
                    let user = self.people[who].user;
                    let ch = self.event(who, sid, Some(user), EventKind::CheckedIn);
                    self.honest(who, vec![ch]).await;
                }
            }
            _ => {
                // The team lead of the first 동 resolves an SOS of her area through the route.
                let lead = 0;
                let Some(s) = (0..self.sessions.len()).find(|&s| {
                    self.sessions[s].sos.is_some()
                        && !self.sessions[s].sos_ended
                        && self.area_holds(lead, self.hhs[self.sessions[s].hh].dong)
                }) else {
                    return;
                };
                let sid = self.sessions[s].id;
                let alarm = self
                    .srv
                    .state
                    .safety
                    .alarms(self.srv.now_ms(), false)
                    .into_iter()
                    .find(|a| a.session_id == sid && a.kind == "sos")
                    .expect("the SOS alarm is open on the server");
                let a = self
                    .srv
                    .post(
                        &format!("/v1/safety/alarms/{}/resolve", alarm.alarm_id),
                        Some(&self.people[lead].dev.token),
                        &json!({"note": "통화로 안전 확인"}),
                    )
                    .await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.body);
                self.sessions[s].sos_ended = true;
            }
        }
        self.refresh().await;
    }

    // --- forged pushes ---

    /// Pushes `changes` from `p`; the ones in `forged` are forbidden. The push must be refused
    /// whole, naming every forged change, and nothing may change on the server.
    async fn forged(&mut self, p: usize, changes: Vec<Change>, forged: &[Uuid], what: &str) {
        let a = self.srv.push(&self.people[p].dev, &changes).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::FORBIDDEN, "out_of_scope"),
            "forged push accepted ({what}, {:?}): {}",
            self.people[p].kind,
            a.body
        );
        let named: HashSet<String> = a.body["refused"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        for f in forged {
            assert!(
                named.contains(&f.to_string()),
                "{what}: forged change not named: {}",
                a.body
            );
        }
        for r in a.body["refused"].as_array().unwrap() {
            let (ko, en) = (r["ko"].as_str().unwrap(), r["en"].as_str().unwrap());
            assert!(
                ko.contains('.') && en.contains('.'),
                "{what}: no field named: {r}"
            );
        }
        assert_eq!(
            self.srv.dump_without_audit().await,
            self.dump,
            "{what}: a refused push changed the server"
        );
        self.forged += 1;
    }

    /// One forgery, chosen by `a`, by a person chosen by `b`, against records chosen by `c`.
    async fn forged_step(&mut self, a: u8, b: u8, c: u8) {
        let p = usize::from(b) % self.people.len();
        let kind = self.people[p].kind;
        let user = self.people[p].user;
        // Targets the person may not write: households outside her scope (for staff: another
        // 동; for companions: unassigned; reporters: any).
        let foreign: Vec<usize> = (0..self.hhs.len())
            .filter(|&h| match kind {
                Kind::Volunteer => !self.sees(p, h),
                Kind::Reporter => true,
                _ => !self.sees(p, h),
            })
            .collect();
        let mine: Vec<usize> = (0..self.hhs.len()).filter(|&h| self.sees(p, h)).collect();
        let honest_extra = |w: &mut World| -> Option<Change> {
            // Something the person may write, to mix into the batch (it must not land either).
            let h = *mine.first()?;
            let staff = w.is_staff(p);
            let id = w.hhs[h].id;
            staff.then(|| w.upsert(p, "households", id, json!({"phone": "010-0000-0000"})))
        };
        match a % 21 {
            0 => {
                // Move another 동's household into one's own (or any) 동.
                let Some(h) = foreign.get(usize::from(c) % foreign.len().max(1)).copied() else {
                    return;
                };
                let id = self.hhs[h].id;
                let dong = self.dongs[self.people[p].dong].id;
                let f = self.upsert(p, "households", id, json!({"dong_id": dong.to_string()}));
                let fid = f.id;
                let mut batch = vec![f];
                batch.extend(honest_extra(self));
                self.forged(p, batch, &[fid], "household moved in").await;
            }
            1 => {
                // Move one's own household out to a 동 outside the area.
                let Some(&h) = mine.get(usize::from(c) % mine.len().max(1)) else {
                    return;
                };
                let Some(out) = (0..self.dongs.len()).find(|&d| !self.area_holds(p, d)) else {
                    return;
                };
                let id = self.hhs[h].id;
                let dong = self.dongs[out].id;
                let f = self.upsert(p, "households", id, json!({"dong_id": dong.to_string()}));
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "household moved out").await;
            }
            2 | 3 => {
                // Re-point a child record at another household (even within one's own 동).
                let Some(r) = nth(self.records.len(), c) else {
                    return;
                };
                let (entity, id, h, writer) = self.records[r];
                let Some(to) = (0..self.hhs.len())
                    .find(|&t| t != h && self.sees(p, t))
                    .or_else(|| (0..self.hhs.len()).find(|&t| t != h))
                else {
                    return;
                };
                let target = self.hhs[to].id.to_string();
                let f = if entity == "cases" || entity == "persons" {
                    self.upsert(p, entity, id, json!({"household_id": target}))
                } else if writer == p {
                    // Its own append-only record, re-appended elsewhere.
                    self.append(p, entity, id, json!({"household_id": target}))
                } else {
                    return;
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "child re-pointed").await;
            }
            4 => {
                // Delete a record outside one's writable set (companions and reporters: any).
                let Some(r) = nth(self.records.len(), c) else {
                    return;
                };
                let (entity, id, h, _) = self.records[r];
                if !matches!(entity, "persons" | "cases") {
                    return;
                }
                if self.is_staff(p) && self.sees(p, h) {
                    return;
                }
                let f = self.change(p, entity, id, Op::Delete);
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "tombstone").await;
            }
            5 => {
                // Edit or write into a household outside the scope.
                let Some(&h) = foreign.get(usize::from(c) % foreign.len().max(1)) else {
                    return;
                };
                let id = self.hhs[h].id;
                let f = match c % 3 {
                    0 => self.upsert(p, "households", id, json!({"crisis_level": 5})),
                    1 => self.append(
                        p,
                        "case_notes",
                        v7(),
                        json!({"household_id": id.to_string(), "body": "위조"}),
                    ),
                    // Who refused a universal visit, and why: staff of the area only.
                    _ => self.append(
                        p,
                        "outreach_attempts",
                        v7(),
                        json!({"household_id": id.to_string(), "campaign": "age65",
                               "mode": "phone", "result": "refused", "refusal_reason": "privacy"}),
                    ),
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "write outside scope").await;
            }
            6 => {
                // Assign oneself (or anyone) to a visit: companions never, staff only in area.
                let Some(v) = nth(self.visits.len(), c) else {
                    return;
                };
                let h = self.visits[v].hh;
                if self.is_staff(p) && self.sees(p, h) {
                    return;
                }
                let id = self.visits[v].id;
                let f = self.upsert(p, "visit_workers", id, json!({ user.to_string(): true }));
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "assignment").await;
            }
            7 => {
                // Rewrite someone else's append-only record under its id, stamped in the past
                // (the merge keeps the earliest stamp).
                let Some(r) = nth(self.records.len(), c) else {
                    return;
                };
                let (entity, id, h, writer) = self.records[r];
                if writer == p || !matches!(entity, "case_notes" | "wellness_checks") {
                    return;
                }
                let household_id = self.hhs[h].id.to_string();
                let mut f = self.append(
                    p,
                    entity,
                    id,
                    json!({"household_id": household_id, "note": "덮어쓰기"}),
                );
                f.hlc = HlcTimestamp {
                    wall_ms: 1,
                    counter: 0,
                    node: f.device_id,
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "append-only rewritten")
                    .await;
            }
            8 => {
                // A worker record moved to another team, or a published user's role changed.
                let Some(other) = nth(self.people.len(), c) else {
                    return;
                };
                let target = self.people[other].user;
                let f = if c % 2 == 0 {
                    let team = self.dongs[usize::from(c) % self.dongs.len()].team;
                    self.upsert(p, "workers", target, json!({"team_id": team.to_string()}))
                } else {
                    self.upsert(p, "workers", target, json!({"roles": "visiting_nurse"}))
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "worker edited").await;
            }
            9 => {
                // Org units and configuration are the admin's.
                let dong = self.dongs[0].id;
                let f = if c % 2 == 0 {
                    self.upsert(p, "org_units", dong, json!({"parent_id": null}))
                } else {
                    self.upsert(
                        p,
                        "config_documents",
                        v7(),
                        json!({"kind": "cadence", "unit_id": dong.to_string(), "body": "{}"}),
                    )
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "org or configuration")
                    .await;
            }
            10 => {
                // A reporter re-owns or edits a report not hers; staff re-own one.
                let Some(r) = nth(self.reports.len(), c) else {
                    return;
                };
                let report = &self.reports[r];
                let (id, dong, reporter) = (report.id, report.dong, report.reporter);
                let f = if kind == Kind::Reporter && reporter != p {
                    self.upsert(p, "crisis_reports", id, json!({"note": "수정"}))
                } else if reporter != p {
                    self.upsert(
                        p,
                        "crisis_reports",
                        id,
                        json!({"reporter_id": user.to_string()}),
                    )
                } else {
                    // Her own report, moved to another 동.
                    let Some(out) =
                        (0..self.dongs.len()).find(|&d| d != dong && !self.area_holds(p, d))
                    else {
                        return;
                    };
                    let to = self.dongs[out].id;
                    self.upsert(p, "crisis_reports", id, json!({"dong_id": to.to_string()}))
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "crisis report").await;
            }
            11 => {
                // A record in someone else's name: a crisis report, or a check, an attempt, a
                // note or a service record in a household one may write, naming a worker
                // outside one's area as the one who made it.
                let Some(other) = (0..self.people.len())
                    .find(|&o| o != p && !self.area_holds(p, self.people[o].dong))
                else {
                    return;
                };
                let them = self.people[other].user.to_string();
                let f = if c % 5 == 0 {
                    let dong = self.dongs[self.people[p].dong].id;
                    self.upsert(
                        p,
                        "crisis_reports",
                        v7(),
                        json!({"dong_id": dong.to_string(), "reporter_id": them}),
                    )
                } else {
                    let Some(&h) = mine.first() else { return };
                    let household_id = self.hhs[h].id.to_string();
                    let (entity, fields) = match c % 5 {
                        1 => (
                            "wellness_checks",
                            json!({"household_id": household_id, "worker_id": them, "meals": "good"}),
                        ),
                        2 => (
                            "outreach_attempts",
                            json!({"household_id": household_id, "worker_id": them,
                                   "campaign": "age65", "mode": "phone", "result": "no_answer"}),
                        ),
                        3 => (
                            "case_notes",
                            json!({"household_id": household_id, "author_id": them, "body": "위조"}),
                        ),
                        _ => (
                            "service_provisions",
                            json!({"household_id": household_id, "recorded_by": them,
                                   "item": "meals", "provided_on": "2026-12-01", "quantity": 1}),
                        ),
                    };
                    self.append(p, entity, v7(), fields)
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "record in another's name")
                    .await;
            }
            12 | 13 => {
                // Events into a session the person is not on, or in a participant's name.
                let Some(s) = nth(self.sessions.len(), c) else {
                    return;
                };
                let (sid, participants) =
                    (self.sessions[s].id, self.sessions[s].participants.clone());
                let f = if participants.contains(&p) {
                    let other = participants.iter().copied().find(|&o| o != p).unwrap();
                    let them = self.people[other].user;
                    self.event(p, sid, Some(them), EventKind::CheckedOut)
                } else {
                    let kind = [EventKind::CheckedOut, EventKind::CheckedIn, EventKind::Sos]
                        [usize::from(c) % 3]
                        .clone();
                    self.event(p, sid, Some(user), kind)
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "event into another session")
                    .await;
            }
            14 => {
                // A phone ends an alarm: resolve or acknowledge it, or withdraw a colleague's SOS.
                let Some(s) = nth(self.sessions.len(), c) else {
                    return;
                };
                let Some((sos, raiser)) = self.sessions[s].sos else {
                    return;
                };
                let sid = self.sessions[s].id;
                let alarm = AlarmRef::Sos { event_id: sos };
                let kind = match c % 3 {
                    0 => EventKind::AlarmResolved {
                        alarm,
                        note: "끝".into(),
                    },
                    1 => EventKind::Acknowledged { alarm, note: None },
                    _ if raiser != p => EventKind::SosCancelled {
                        sos_event_id: sos,
                        reason: Some("괜찮음".into()),
                    },
                    _ => return,
                };
                let f = self.event(p, sid, Some(user), kind);
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "alarm ended by a phone")
                    .await;
            }
            15 => {
                // A second start of an existing session, naming oneself.
                let Some(s) = nth(self.sessions.len(), c) else {
                    return;
                };
                let (sid, h) = (self.sessions[s].id, self.sessions[s].hh);
                let dong = self.hhs[h].dong;
                let hh = household(self.hhs[h].id, self.dongs[dong].id, "주소");
                let me = worker(user, self.dongs[self.people[p].dong].team, "침입자");
                let Some(first) = self.sessions[s]
                    .participants
                    .iter()
                    .copied()
                    .find(|&o| o != p)
                else {
                    return;
                };
                let partner = worker(self.people[first].user, self.dongs[dong].team, "동행자");
                let cfg = TeamSafetyConfig::standard(
                    Contact::new("팀장", "010-1"),
                    Contact::new("동장", "010-2"),
                );
                let device = self.people[p].dev.id.to_string();
                let mut m = SafetyMonitor::new(device.clone());
                let now = Utc::now();
                let start = m
                    .start(
                        &StartRequest {
                            session_id: Some(sid),
                            visit_id: None,
                            household: &hh,
                            district_id: self.districts[0],
                            contact_mode: donghaeng_core::model::ContactMode::Home,
                            workers: &[me, partner],
                            expected_return: now + chrono::Duration::hours(1),
                            checkin_interval_secs: None,
                            assessment: SafetyAssessment::complete(),
                            advisory_override: None,
                            config: &cfg,
                            regular_volunteer: None,
                            advisories: &[],
                        },
                        &Actor::new(user, device),
                        now,
                    )
                    .unwrap()
                    .event;
                let fields = serde_json::to_value(to_fields(&start).unwrap()).unwrap();
                let f = self.append(p, "safety_events", start.id, fields);
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "second start").await;
            }
            16 => {
                // The server's own origin, to pre-mark its alerts as issued.
                let Some(s) = self
                    .sessions
                    .iter()
                    .position(|s| s.participants.contains(&p))
                else {
                    return;
                };
                let sid = self.sessions[s].id;
                let mut f = self.event(
                    p,
                    sid,
                    None,
                    EventKind::AlertIssued {
                        key: donghaeng_core::safety::ActionKey::Prompt { due: Utc::now() },
                    },
                );
                if let Op::Append { record } = &mut f.op {
                    record.insert("device_id".into(), json!("server"));
                }
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "server origin").await;
            }
            17 | 18 => {
                // Audit entries about another's household, as another actor or device, or of an
                // action only the server records.
                let Some(&h) = foreign.get(usize::from(c) % foreign.len().max(1)) else {
                    return;
                };
                let household_id = self.hhs[h].id.to_string();
                let me = self.people[p].dev.id.to_string();
                let other = self.people[(p + 1) % self.people.len()].user.to_string();
                let fields = match c % 4 {
                    0 => {
                        json!({"at": 1, "actor_id": user.to_string(), "device_id": me, "action": "viewed", "household_id": household_id})
                    }
                    1 => json!({"at": 1, "actor_id": other, "device_id": me, "action": "viewed"}),
                    2 => {
                        json!({"at": 1, "actor_id": null, "device_id": ADMIN_NODE.to_string(), "action": "viewed"})
                    }
                    _ => {
                        json!({"at": 1, "actor_id": user.to_string(), "device_id": me, "action": "changed"})
                    }
                };
                let f = self.append(p, "audit_entries", v7(), fields);
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "audit entry").await;
            }
            20 => {
                // The district's steps of a discharge referral from a 동's phone: mark it
                // confirmed (the providers paid), re-date its assignment, receive a new one, or
                // delete one — in a household the 동 may otherwise write.
                if kind == Kind::District {
                    return;
                }
                let Some(&(_, id, h, _)) = self
                    .records
                    .iter()
                    .filter(|r| r.0 == "discharge_referrals")
                    .nth(usize::from(c) % self.dongs.len())
                else {
                    return;
                };
                let f = match c % 4 {
                    0 => self.upsert(
                        p,
                        "discharge_referrals",
                        id,
                        json!({"confirmed_on": "2026-12-03"}),
                    ),
                    1 => self.upsert(
                        p,
                        "discharge_referrals",
                        id,
                        json!({"assigned_on": "2026-12-02"}),
                    ),
                    2 => {
                        let household_id = self.hhs[h].id.to_string();
                        self.upsert(
                            p,
                            "discharge_referrals",
                            v7(),
                            json!({"household_id": household_id, "hospital": "위조병원",
                                   "referred_on": "2026-12-01", "assigned_on": "2026-12-01",
                                   "assigned_by": user.to_string()}),
                        )
                    }
                    _ => self.change(p, "discharge_referrals", id, Op::Delete),
                };
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "district's step from a 동")
                    .await;
            }
            _ => {
                // A companion re-points her own visit at a household she is not assigned to.
                if kind != Kind::Volunteer {
                    return;
                }
                let Some(v) = self.visits.iter().position(|v| v.assigned.contains(&p)) else {
                    return;
                };
                let Some(&h) = foreign.first() else { return };
                let (id, to) = (self.visits[v].id, self.hhs[h].id);
                let f = self.upsert(p, "visits", id, json!({"household_id": to.to_string()}));
                let fid = f.id;
                self.forged(p, vec![f], &[fid], "visit re-pointed").await;
            }
        }
    }

    // --- reads ---

    /// Every device pulls what is new; each received change must be in its honest scope now.
    async fn pull_all(&mut self) {
        for p in 0..self.people.len() {
            loop {
                let cursor = self.people[p].cursor;
                let a = self.srv.pull(&self.people[p].dev, cursor, 500).await;
                assert_eq!(a.status, StatusCode::OK, "{}", a.body);
                for sc in a.body["changes"].as_array().unwrap() {
                    let c: Change = serde_json::from_value(sc["change"].clone()).unwrap();
                    self.check_readable(p, &c);
                    if self.is_staff(p) {
                        self.people[p].replica.apply(&c).unwrap();
                    }
                }
                for r in a.body["purge"].as_array().unwrap() {
                    let id: Uuid = r["record_id"].as_str().unwrap().parse().unwrap();
                    self.people[p]
                        .replica
                        .purge(r["entity"].as_str().unwrap(), id);
                }
                self.people[p].cursor = a.body["next_seq"].as_u64().unwrap();
                if !a.body["has_more"].as_bool().unwrap() {
                    break;
                }
            }
        }
    }

    /// The household (index) a record belongs to in the model.
    fn household_of(&self, c: &Change) -> Option<usize> {
        let by_id = |id: Uuid| self.hhs.iter().position(|h| h.id == id);
        match c.entity.as_str() {
            "households" => by_id(c.record_id),
            "visits" | "visit_workers" => self
                .visits
                .iter()
                .find(|v| v.id == c.record_id)
                .map(|v| v.hh),
            "safety_events" => {
                let Op::Append { record } = &c.op else {
                    return None;
                };
                let sid: Uuid = record["session_id"].as_str()?.parse().ok()?;
                self.sessions.iter().find(|s| s.id == sid).map(|s| s.hh)
            }
            _ => self
                .records
                .iter()
                .find(|r| r.1 == c.record_id)
                .map(|r| r.2),
        }
    }

    fn check_readable(&self, p: usize, c: &Change) {
        if c.device_id == self.people[p].dev.id {
            return; // its own change, sent back
        }
        let person = &self.people[p];
        let ok = match c.entity.as_str() {
            "org_units" => true,
            "audit_entries" => false,
            "workers" => {
                let team = self.people.iter().find(|o| o.user == c.record_id);
                team.is_some_and(|o| o.kind != Kind::District && self.area_holds(p, o.dong))
                    || (person.kind == Kind::District
                        && team.is_some_and(|o| o.kind == Kind::District))
            }
            "crisis_reports" => {
                let r = self.reports.iter().find(|r| r.id == c.record_id).unwrap();
                match person.kind {
                    Kind::Reporter => r.reporter == p,
                    Kind::Volunteer => false,
                    _ => self.area_holds(p, r.dong),
                }
            }
            "safety_events" => {
                let Op::Append { record } = &c.op else {
                    panic!()
                };
                let sid: Uuid = record["session_id"].as_str().unwrap().parse().unwrap();
                let s = self.sessions.iter().find(|s| s.id == sid).unwrap();
                s.participants.contains(&p) || self.sees(p, s.hh)
            }
            entity => {
                let h = self
                    .household_of(c)
                    .unwrap_or_else(|| panic!("unknown record {c:?}"));
                let companion_may = matches!(
                    entity,
                    "households" | "persons" | "visits" | "visit_workers" | "wellness_checks"
                );
                self.sees(p, h) && (person.kind != Kind::Volunteer || companion_may)
            }
        };
        assert!(
            ok,
            "{:?} {} received {} {}",
            person.kind, p, c.entity, c.record_id
        );
    }

    /// Honest staff devices hold exactly the server's records of their scope.
    async fn check_converged(&mut self) {
        self.pull_all().await;
        let server = self.srv.store_dump().await;
        for p in (0..self.people.len()).filter(|&p| self.is_staff(p)) {
            let held: BTreeSet<String> = self.people[p]
                .replica
                .canonical_dump()
                .lines()
                .filter(|l| !l.contains("\"audit_entries\""))
                .map(str::to_owned)
                .collect();
            let expected: BTreeSet<String> = server
                .lines()
                .filter(|l| self.expected_line(p, l))
                .map(str::to_owned)
                .collect();
            let extra: Vec<&String> = held.difference(&expected).collect();
            let missing: Vec<&String> = expected.difference(&held).collect();
            assert!(
                extra.is_empty() && missing.is_empty(),
                "staff device {p} ({:?}) did not converge: holds beyond its scope {extra:#?}, lacks {missing:#?}",
                self.people[p].kind
            );
        }
    }

    /// Whether a line of the server's dump is a record staff member `p` must hold.
    fn expected_line(&self, p: usize, line: &str) -> bool {
        let v: Value = serde_json::from_str(line).unwrap();
        let id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
        let entity = v["entity"].as_str().unwrap();
        let by_id = |id: Uuid| self.hhs.iter().position(|h| h.id == id);
        let h = match entity {
            "households" => by_id(id),
            "visits" | "visit_workers" => self.visits.iter().find(|x| x.id == id).map(|x| x.hh),
            "safety_events" => {
                let sid: Uuid = v["record"]["session_id"].as_str().unwrap().parse().unwrap();
                let s = self.sessions.iter().find(|s| s.id == sid);
                return s.is_some_and(|s| s.participants.contains(&p) || self.sees(p, s.hh));
            }
            "crisis_reports" => {
                let r = self.reports.iter().find(|r| r.id == id).unwrap();
                return self.area_holds(p, r.dong);
            }
            "org_units" => return true,
            "workers" => {
                let o = self.people.iter().find(|o| o.user == id).unwrap();
                return if o.kind == Kind::District {
                    self.people[p].kind == Kind::District
                } else {
                    self.area_holds(p, o.dong)
                };
            }
            "audit_entries" => return false,
            _ => self.records.iter().find(|r| r.1 == id).map(|r| r.2),
        };
        h.is_some_and(|h| self.sees(p, h))
    }

    /// An SOS is ended on the server exactly when the model ended it (raiser or supervisor).
    fn check_sos(&self) {
        let alarms = self.srv.state.safety.alarms(self.srv.now_ms(), true);
        for s in self.sessions.iter().filter(|s| s.sos.is_some()) {
            let a = alarms
                .iter()
                .find(|a| a.session_id == s.id && a.kind == "sos")
                .expect("the SOS is known to the server");
            assert_eq!(a.ended_at.is_some(), s.sos_ended, "session {}", s.id);
        }
    }
}

/// One step: honest or forged, with its three choices.
type Step = (bool, u8, u8, u8);

async fn run(backend: Backend, shape: u8, steps: Vec<Step>) -> usize {
    let Some(mut w) = World::new(backend, shape).await else {
        return 0;
    };
    w.pull_all().await;
    for (i, (honest, a, b, c)) in steps.into_iter().enumerate() {
        if honest {
            w.honest_step(a, b, c).await;
        } else {
            w.forged_step(a, b, c).await;
        }
        if i % 16 == 15 {
            w.pull_all().await;
            w.check_sos();
        }
    }
    w.check_sos();
    w.check_converged().await;
    w.forged
}

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn forged_pushes_are_refused_and_change_nothing(backend: Backend) {
    let worlds = env_or("FORGED_WORLDS", 24);
    let steps = env_or("FORGED_STEPS", 160) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: worlds,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let strategy = (
        any::<u8>(),
        prop::collection::vec(
            (any::<bool>(), any::<u8>(), any::<u8>(), any::<u8>()),
            steps,
        ),
    );
    let total = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&strategy, |(shape, steps)| {
            let n = rt.block_on(run(backend, shape, steps));
            total.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    let total = total.into_inner();
    eprintln!("{backend:?}: {total} forged pushes refused in {worlds} worlds");
    let skipped = backend == Backend::Postgres && std::env::var("DONGHAENG_SKIP_PG").is_ok();
    assert!(
        skipped || total >= worlds as usize * steps / 4,
        "too few forgeries: {total}"
    );
}

#[test]
fn on_sqlite_forged_pushes_are_refused_and_change_nothing() {
    forged_pushes_are_refused_and_change_nothing(Backend::Sqlite);
}

#[test]
fn on_postgres_forged_pushes_are_refused_and_change_nothing() {
    forged_pushes_are_refused_and_change_nothing(Backend::Postgres);
}
