//! Write authority (기록 권한): whether a device may push a change. Each change is judged on the
//! record as the server holds it now, on what the change would make of it, and on who pushes it —
//! never on the change alone, which says only where it *puts* the record. `docs/threat-model.md`
//! lists the attacks each rule refuses and the tests that prove it.
//!
//! - A change to a stored record needs write access where the record is **now** and where the
//!   change would **leave** it. Moving a household to another 동 therefore takes someone whose area
//!   holds both (district staff: a transfer), and is recorded in the audit trail. A child record's
//!   household, a crisis report's reporter and an activity's worker never change once set; a
//!   published user's team and roles are the administrator's.
//! - References between records (`visit_id`, `case_id`, `referral_id`, `corrects`) stay inside
//!   one household.
//! - An append-only record is written once, by its writer: the merge keeps the earliest stamp, so
//!   a second append under the same id from another device could replace it.
//! - A companion writes only in households she is or was assigned to, never assignments, and
//!   never deletes; a community reporter writes only her own crisis reports.
//! - Safety events come only from the session's participants, each as its own user and device;
//!   an SOS is withdrawn only by the device that raised it; alarms are acknowledged and resolved
//!   only on the server (the supervisor routes), never by a phone's event.
//! - Audit entries from phones only say that this user, on this device, viewed or exported what
//!   they may read.
//! - A hospital-discharge referral is received, assigned, confirmed (and paid) and reported by the
//!   district; its 동 records the care plan and the service.
//! - Org units and configuration come from the admin command only.
//!
//! Records written earlier in the same push place the later ones (a household and its members
//! travel together): the batch is judged in order, each allowed change learnt before the next.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use donghaeng_core::model::discharge::{self, Office};
use donghaeng_core::safety::EventKind;
use donghaeng_core::store::audit::AuditAction;
use donghaeng_core::store::safety_events;
use donghaeng_core::sync::entity::{entity, EntityKind};
use donghaeng_core::sync::{Change, Fields, Op, RejectedChange};

use super::index::ScopeIndex;
use super::placement::{placing_slots, uuid_value, Placement, Slot};
use super::rules::{Class, COMPANION_WRITES};
use super::view::Viewer;
use crate::store::FeedKeys;

/// Why one change may not be written: a stable code, the field concerned, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub field: String,
    pub ko: String,
    pub en: String,
}

impl Refusal {
    fn new(code: &'static str, field: &str, ko: &str, en: &str) -> Refusal {
        Refusal {
            code,
            field: field.to_owned(),
            ko: ko.to_owned(),
            en: en.to_owned(),
        }
    }

    /// The refusal as the push's error body lists it: the change's id, and the entity and field
    /// named in both languages.
    pub fn rejected(&self, c: &Change) -> RejectedChange {
        RejectedChange {
            id: c.id,
            code: self.code.to_owned(),
            ko: format!("{}.{}: {}", c.entity, self.field, self.ko),
            en: format!("{}.{}: {}", c.entity, self.field, self.en),
        }
    }
}

/// A household moved between 동 by a push (a transfer: recorded in the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub change_id: Uuid,
    pub household: Uuid,
    pub from: Uuid,
    pub to: Uuid,
}

/// A push found writable: each change's household (for the audit trail) and feed keys (where
/// it is stored for the devices' pulls, `super::feed`), and the transfers.
#[derive(Debug, Default)]
pub struct Judged {
    pub households: Vec<Option<Uuid>>,
    pub keys: Vec<FeedKeys>,
    pub transfers: Vec<Transfer>,
}

impl Viewer {
    /// Judges a whole push. `Err`: every change this user may not write, with its reason (the push
    /// is then refused whole and nothing of it stored).
    pub fn judge_push(
        &self,
        ix: &ScopeIndex,
        changes: &[Change],
    ) -> Result<Judged, Vec<RejectedChange>> {
        let mut judge = Judge {
            viewer: self,
            ix,
            area: ix.area_of(self.unit),
            batch: Batch::default(),
        };
        let mut judged = Judged::default();
        let mut refused = Vec::new();
        for c in changes {
            match judge.change(c) {
                Ok(verdict) => {
                    judged.keys.push(judge.landing(c, &verdict).keys());
                    judge.batch.learn(c, &verdict);
                    judged.households.push(verdict.household);
                    if let Some((from, to)) = verdict.transfer {
                        judged.transfers.push(Transfer {
                            change_id: c.id,
                            household: c.record_id,
                            from,
                            to,
                        });
                    }
                }
                // A refused change is not learnt: what depends on it is refused too.
                Err(r) => refused.push(r.rejected(c)),
            }
        }
        if refused.is_empty() {
            Ok(judged)
        } else {
            Err(refused)
        }
    }
}

/// What an allowed change is and does.
#[derive(Debug, Default)]
pub(super) struct Verdict {
    pub(super) household: Option<Uuid>,
    /// The record's placement after the change (learnt by the batch).
    pub(super) placed: Option<Placement>,
    /// A safety session the change starts: its household and participants.
    pub(super) session: Option<(Uuid, Uuid, HashSet<Uuid>)>,
    /// A household's 동 moved (from, to).
    transfer: Option<(Uuid, Uuid)>,
}

/// What the push itself has written so far (allowed changes only), over the server's state.
#[derive(Debug, Default)]
struct Batch {
    placed: HashMap<(String, Uuid), Placement>,
    sessions: HashMap<Uuid, (Uuid, HashSet<Uuid>)>,
    sos: HashSet<Uuid>,
    appended: HashSet<Uuid>,
}

impl Batch {
    fn learn(&mut self, c: &Change, v: &Verdict) {
        if let Some(p) = v.placed {
            self.placed.insert((c.entity.clone(), c.record_id), p);
        }
        if let Some((session, household, workers)) = &v.session {
            self.sessions
                .insert(*session, (*household, workers.clone()));
        }
        if matches!(c.op, Op::Append { .. }) {
            self.appended.insert(c.record_id);
            if c.entity == safety_events::ENTITY && is_sos(c) {
                self.sos.insert(c.record_id);
            }
        }
    }
}

fn is_sos(c: &Change) -> bool {
    let Op::Append { record } = &c.op else {
        return false;
    };
    safety_events::from_fields(c.record_id, record).is_ok_and(|e| e.kind == EventKind::Sos)
}

pub(super) struct Judge<'a> {
    viewer: &'a Viewer,
    ix: &'a ScopeIndex,
    area: Uuid,
    batch: Batch,
}

/// Fields that point at another record that must be of the same household, and its entity
/// (`None`: the record's own entity).
const SAME_HOUSEHOLD_REFS: &[(&str, Option<&str>)] = &[
    ("visit_id", Some("visits")),
    ("case_id", Some("cases")),
    ("referral_id", Some("referrals")),
    ("person_id", Some("persons")),
    ("corrects", None),
];

impl Judge<'_> {
    fn change(&self, c: &Change) -> Result<Verdict, Refusal> {
        match c.entity.as_str() {
            "org_units" | "config_documents" => Err(Refusal::new(
                "server_only",
                "record",
                "조직과 설정은 관리자 명령으로만 바꿀 수 있습니다",
                "org units and configuration are changed by the admin command only",
            )),
            "audit_entries" => self.audit_entry(c),
            "safety_events" => self.safety_event(c),
            "incidents" => self.incident(c),
            "visit_workers" => self.assignment(c),
            _ => self.record(c),
        }
    }

    // --- what the server holds ---

    /// The record's placement now: as this push left it, else as the server holds it.
    pub(super) fn held(&self, entity: &str, record: Uuid) -> Option<Placement> {
        self.batch
            .placed
            .get(&(entity.to_owned(), record))
            .copied()
            .or_else(|| self.ix.placement(entity, record))
    }

    pub(super) fn team_of(&self, worker: Uuid) -> Option<Uuid> {
        self.held("workers", worker).and_then(|p| p.team)
    }

    pub(super) fn dong_of(&self, household: Uuid) -> Option<Uuid> {
        self.held("households", household).and_then(|p| p.dong)
    }

    fn in_area(&self, unit: Option<Uuid>) -> bool {
        unit.is_some_and(|u| self.ix.within(u, self.area))
    }

    fn household_in_area(&self, household: Option<Uuid>) -> bool {
        household.is_some_and(|h| self.in_area(self.dong_of(h)))
    }

    /// A session's household and participants: started in this push, or on the server.
    pub(super) fn session(&self, session: Uuid) -> Option<(Uuid, HashSet<Uuid>)> {
        if let Some(s) = self.batch.sessions.get(&session) {
            return Some(s.clone());
        }
        let household = self.ix.session_household(session)?;
        let workers = self.ix.session_participants(session)?;
        Some((household, workers))
    }

    /// Whether the user may read the household now (what a phone's audit entry may be about).
    fn may_read_household(&self, household: Uuid) -> bool {
        if self
            .batch
            .placed
            .contains_key(&("households".to_owned(), household))
        {
            return self.viewer.class == Class::Staff && self.household_in_area(Some(household));
        }
        self.viewer.sees_household(self.ix, household)
    }

    // --- the rules ---

    /// Whether the user may write a record of `entity` placed at `p`.
    fn may_write(&self, entity: &str, p: &Placement) -> bool {
        let v = self.viewer;
        let team_of = |w: Option<Uuid>| w.and_then(|w| self.team_of(w));
        match (v.class, entity) {
            (Class::Staff, "households") => self.in_area(p.dong),
            (Class::Staff, "workers") => self.in_area(p.team),
            (Class::Staff, "crisis_reports") if p.household.is_none() => self.in_area(p.dong),
            (Class::Reporter, "crisis_reports") => {
                p.reporter == Some(v.user_id)
                    && self.in_area(p.dong)
                    && p.household.is_none_or(|h| self.household_in_area(Some(h)))
            }
            // An activity with no household belongs to its worker.
            (_, "volunteer_activity") if p.household.is_none() => {
                p.worker == Some(v.user_id)
                    || (v.class == Class::Staff && self.in_area(team_of(p.worker)))
            }
            (Class::Staff, _) => self.household_in_area(p.household),
            (Class::Companion, e) if COMPANION_WRITES.contains(&e) => {
                p.household.is_some_and(|h| {
                    self.household_in_area(Some(h)) && self.ix.ever_assigned(v.user_id, h)
                })
            }
            _ => false,
        }
    }

    fn check_now(&self, entity: &str, now: &Placement) -> Result<(), Refusal> {
        if self.may_write(entity, now) {
            return Ok(());
        }
        Err(Refusal::new(
            "out_of_scope",
            "record",
            "서버에 있는 이 기록은 담당 범위 밖이라 고칠 수 없습니다",
            "the record, as the server holds it, is outside this user's scope",
        ))
    }

    fn check_next(&self, c: &Change, next: &Placement) -> Result<(), Refusal> {
        if self.may_write(&c.entity, next) {
            return Ok(());
        }
        let carried = placing_slots(&c.entity)
            .iter()
            .find(|s| c.op.fields().is_some_and(|f| f.contains_key(s.field())));
        Err(Refusal::new(
            "out_of_scope",
            carried.map_or("record", |s| s.field()),
            "이 변경은 기록을 담당 범위 밖에 두게 됩니다",
            "the change would place the record outside this user's scope",
        ))
    }

    /// An append under an id another device already wrote would replace its record.
    fn append_once(&self, c: &Change) -> Result<(), Refusal> {
        let append_only = entity(&c.entity).is_some_and(|e| e.kind == EntityKind::AppendOnly);
        if !append_only || self.batch.appended.contains(&c.record_id) {
            return Ok(());
        }
        match self.ix.appended_by(c.record_id) {
            Some(writer) if writer != self.viewer.device_id => Err(Refusal::new(
                "record_exists",
                "record_id",
                "다른 기기가 이미 쓴 기록입니다. 추가 기록은 고칠 수 없고, 정정은 새 기록으로 합니다",
                "another device already wrote this record; append-only records are corrected by a new record, never rewritten",
            )),
            _ => Ok(()),
        }
    }

    /// A mutable or append-only record placed by its own fields.
    fn record(&self, c: &Change) -> Result<Verdict, Refusal> {
        let entity = c.entity.as_str();
        let now = self.held(entity, c.record_id);
        self.append_once(c)?;
        self.district_fields(c, now.is_none())?;
        if matches!(c.op, Op::Delete) {
            if self.viewer.class != Class::Staff {
                return Err(Refusal::new(
                    "delete_not_allowed",
                    "record",
                    "이 역할은 기록을 삭제할 수 없습니다",
                    "this role may not delete records",
                ));
            }
            let Some(now) = now else {
                return Err(unknown_record());
            };
            self.check_now(entity, &now)?;
            return Ok(Verdict {
                household: now.household,
                ..Verdict::default()
            });
        }
        let next = now.unwrap_or_default().after(c);
        if let Some(now) = &now {
            self.fixed_fields(c, now, &next)?;
            self.check_now(entity, now)?;
        }
        self.author(c, now.is_none())?;
        self.check_next(c, &next)?;
        self.same_household_refs(c, &next)?;
        let transfer = match (entity, now.and_then(|p| p.dong), next.dong) {
            ("households", Some(from), Some(to)) if from != to => Some((from, to)),
            _ => None,
        };
        Ok(Verdict {
            household: next.household,
            placed: Some(next),
            transfer,
            ..Verdict::default()
        })
    }

    /// Placing fields that never change once set; a published user's team and roles.
    fn fixed_fields(&self, c: &Change, now: &Placement, next: &Placement) -> Result<(), Refusal> {
        for &slot in placing_slots(&c.entity) {
            // A 동 or a team may change, when the user's area holds both ends.
            if matches!(slot, Slot::Dong | Slot::Team) {
                continue;
            }
            if now.get(slot).is_some() && now.get(slot) != next.get(slot) {
                return Err(Refusal::new(
                    "placement_fixed",
                    slot.field(),
                    "이 항목은 기록을 만든 뒤에는 바꿀 수 없습니다 (다른 가구·사람에게 옮길 수 없음)",
                    "this field cannot change once the record exists (it cannot be moved to another household or person)",
                ));
            }
        }
        if c.entity == "workers" && self.ix.is_published_worker(c.record_id) {
            let admin_field = ["team_id", "roles"]
                .into_iter()
                .find(|f| c.op.fields().is_some_and(|fs| fs.contains_key(*f)));
            if let Some(field) = admin_field {
                return Err(Refusal::new(
                    "managed_by_admin",
                    field,
                    "사용자의 소속과 역할은 관리자만 바꿀 수 있습니다",
                    "a user's unit and role are changed by the administrator only",
                ));
            }
        }
        Ok(())
    }

    /// Who a record may name as the one who made it (its author field, [`AUTHOR_FIELDS`]): staff
    /// may record for a colleague of their area (a report phoned in, a volunteer's hours, an
    /// attempt a colleague made) or leave it unnamed; a companion or a reporter only herself. Judged
    /// on a new record, and on every change that carries the field.
    fn author(&self, c: &Change, created: bool) -> Result<(), Refusal> {
        let Some(field) = author_field(&c.entity) else {
            return Ok(());
        };
        let carried = c.op.fields().and_then(|f| f.get(field));
        if !created && carried.is_none() {
            return Ok(());
        }
        let named = carried.and_then(uuid_value);
        let v = self.viewer;
        let ok = match v.class {
            Class::Staff => named.is_none_or(|w| w == v.user_id || self.in_area(self.team_of(w))),
            Class::Companion | Class::Reporter => named == Some(v.user_id),
        };
        if ok {
            return Ok(());
        }
        Err(not_as_self(field))
    }

    /// A hospital-discharge referral's district steps ([`discharge::written_by`]): the hospital's
    /// referral as received, its assignment to a 동, the confirmation that pays the providers and the
    /// report to the hospital are the district's (구청, or the city above it). A 동's user may not
    /// create or delete such a record, nor touch those fields — a 동 cannot mark its own work
    /// confirmed and paid. The 동 records the care plan, the service and the day of discharge.
    fn district_fields(&self, c: &Change, created: bool) -> Result<(), Refusal> {
        if c.entity != discharge::ENTITY || self.at_district() {
            return Ok(());
        }
        let field = if created || matches!(c.op, Op::Delete) {
            Some("record")
        } else {
            c.op.fields().and_then(|f| {
                f.keys()
                    .map(String::as_str)
                    .find(|k| discharge::written_by(k) == Some(Office::District))
            })
        };
        match field {
            None => Ok(()),
            Some(field) => Err(Refusal::new(
                "district_only",
                field,
                "퇴원환자 연계의 접수·동 배정·결과 확인·수가 지급·병원 회신은 구청 담당자만 기록할 수 있습니다",
                "a discharge referral is received, assigned, confirmed, paid and reported by the district only",
            )),
        }
    }

    /// Whether the user is district (or city) staff: their area is a 구 or the 시, not a 동.
    fn at_district(&self) -> bool {
        self.viewer.class == Class::Staff
            && matches!(self.ix.unit_kind(self.area), Some("district" | "city"))
    }

    fn same_household_refs(&self, c: &Change, next: &Placement) -> Result<(), Refusal> {
        let Some(fields) = c.op.fields() else {
            return Ok(());
        };
        for (field, target) in SAME_HOUSEHOLD_REFS {
            let Some(id) = fields.get(*field).and_then(uuid_value) else {
                continue;
            };
            let target = target.unwrap_or(c.entity.as_str());
            let theirs = self.held(target, id).and_then(|p| p.household);
            if theirs.is_some() && theirs != next.household {
                return Err(Refusal::new(
                    "reference_elsewhere",
                    field,
                    "다른 가구의 기록을 가리킬 수 없습니다",
                    "the referenced record belongs to another household",
                ));
            }
        }
        Ok(())
    }

    /// A visit's assignments (visit_workers): staff of the visit's household only.
    fn assignment(&self, c: &Change) -> Result<Verdict, Refusal> {
        if self.viewer.class != Class::Staff {
            return Err(Refusal::new(
                "assignment_not_allowed",
                "record",
                "방문 배정은 담당 직원만 바꿀 수 있습니다",
                "only staff may change who is assigned to a visit",
            ));
        }
        let household = self.held("visits", c.record_id).and_then(|p| p.household);
        if household.is_none() {
            return Err(unknown_record());
        }
        let p = Placement {
            household,
            ..Placement::default()
        };
        self.check_now("visits", &p)?;
        Ok(Verdict {
            household,
            ..Verdict::default()
        })
    }

    fn incident(&self, c: &Change) -> Result<Verdict, Refusal> {
        let record = appended(c)?;
        self.append_once(c)?;
        let v = self.viewer;
        let reporter = record.get("reporter_id").and_then(uuid_value);
        if record.contains_key("reporter_id") && reporter != Some(v.user_id) {
            return Err(not_as_self("reporter_id"));
        }
        match record.get("session_id").and_then(uuid_value) {
            Some(session) => {
                let Some((household, workers)) = self.session(session) else {
                    return Err(session_unknown());
                };
                let p = Placement {
                    household: Some(household),
                    ..Placement::default()
                };
                let ok = workers.contains(&v.user_id)
                    || (v.class == Class::Staff && self.may_write("incidents", &p));
                if !ok {
                    return Err(not_in_session());
                }
                Ok(Verdict {
                    household: Some(household),
                    ..Verdict::default()
                })
            }
            // An incident away from any visit (at the 주민센터, on the way): filed by its reporter,
            // as themself, in the district they work in.
            None => {
                let district = record.get("district_id").and_then(uuid_value);
                let ok = v.class != Class::Reporter
                    && reporter == Some(v.user_id)
                    && district.is_some_and(|d| self.ix.within(v.unit, d));
                if !ok {
                    return Err(Refusal::new(
                        "out_of_scope",
                        "district_id",
                        "방문과 무관한 사고는 본인이 근무하는 구에 본인 이름으로만 보고할 수 있습니다",
                        "an incident away from a visit is filed by its reporter, as themself, in the district they work in",
                    ));
                }
                Ok(Verdict::default())
            }
        }
    }

    fn safety_event(&self, c: &Change) -> Result<Verdict, Refusal> {
        let record = appended(c)?;
        let event = safety_events::from_fields(c.record_id, record).map_err(|e| {
            Refusal::new(
                "safety_event_invalid",
                e.field.as_deref().unwrap_or("payload"),
                "안전 기록의 형식이 올바르지 않습니다",
                "the safety event is malformed",
            )
        })?;
        self.append_once(c)?;
        let v = self.viewer;
        if event.device_id != v.device_id.to_string() {
            return Err(not_as_self("device_id"));
        }
        let as_self = match event.kind {
            // An alert the phone's own ladder issued may name nobody.
            EventKind::AlertIssued { .. } => event.worker_id.is_none_or(|w| w == v.user_id),
            _ => event.worker_id == Some(v.user_id),
        };
        if !as_self {
            return Err(not_as_self("worker_id"));
        }
        match &event.kind {
            EventKind::Acknowledged { .. } | EventKind::AlarmResolved { .. } => {
                return Err(Refusal::new(
                    "alarm_action_server_only",
                    "kind",
                    "경보 확인·종료는 감독자 화면(서버)에서만 할 수 있습니다",
                    "alarms are acknowledged and resolved on the server only (the supervisor routes)",
                ));
            }
            EventKind::Started(plan) => {
                if self.session(event.session_id).is_some() {
                    return Err(Refusal::new(
                        "session_exists",
                        "session_id",
                        "이미 시작된 안전 세션입니다",
                        "this safety session has already started",
                    ));
                }
                let household = plan.household.household_id;
                let workers: HashSet<Uuid> =
                    plan.participants.iter().map(|p| p.worker_id).collect();
                if !workers.contains(&v.user_id) {
                    return Err(not_in_session());
                }
                let p = Placement {
                    household: Some(household),
                    ..Placement::default()
                };
                if !self.may_write("safety_events", &p) {
                    return Err(Refusal::new(
                        "out_of_scope",
                        "payload",
                        "담당 범위 밖 가구의 방문은 시작할 수 없습니다",
                        "a visit to a household outside this user's scope cannot be started",
                    ));
                }
                // Every participant works where the household is: a session's events reach its
                // participants, so naming an outsider would show them the visit.
                let dong = self.dong_of(household);
                let outsider = workers.iter().any(|w| {
                    !self.team_of(*w).is_some_and(|t| {
                        dong.is_some_and(|d| self.ix.within(d, self.ix.area_of(t)))
                    })
                });
                if outsider {
                    return Err(Refusal::new(
                        "participant_outside",
                        "payload",
                        "방문 인원은 가구가 있는 동의 직원·봉사자여야 합니다",
                        "every participant must work where the household is",
                    ));
                }
                return Ok(Verdict {
                    household: Some(household),
                    session: Some((event.session_id, household, workers)),
                    ..Verdict::default()
                });
            }
            EventKind::SosCancelled { sos_event_id, .. } => {
                let raiser = if self.batch.sos.contains(sos_event_id) {
                    Some(v.device_id)
                } else {
                    self.ix.sos_raised_by(*sos_event_id)
                };
                if raiser != Some(v.device_id) {
                    return Err(Refusal::new(
                        "not_your_sos",
                        "payload",
                        "긴급호출은 호출한 기기에서만 취소할 수 있습니다 (그 밖에는 감독자가 종료)",
                        "an SOS is withdrawn only from the device that raised it (otherwise a supervisor resolves it)",
                    ));
                }
            }
            _ => {}
        }
        let Some((household, workers)) = self.session(event.session_id) else {
            return Err(session_unknown());
        };
        if !workers.contains(&v.user_id) {
            return Err(not_in_session());
        }
        Ok(Verdict {
            household: Some(household),
            ..Verdict::default()
        })
    }

    fn audit_entry(&self, c: &Change) -> Result<Verdict, Refusal> {
        let record = appended(c)?;
        self.append_once(c)?;
        let v = self.viewer;
        let field_uuid = |name: &str| record.get(name).and_then(uuid_value);
        if field_uuid("device_id") != Some(v.device_id) {
            return Err(not_as_self("device_id"));
        }
        let actor = record.get("actor_id").filter(|a| !a.is_null());
        if actor.is_some() && field_uuid("actor_id") != Some(v.user_id) {
            return Err(not_as_self("actor_id"));
        }
        let action = record.get("action").and_then(|a| a.as_str());
        let phone_action = [AuditAction::Viewed, AuditAction::Exported]
            .iter()
            .any(|a| Some(a.code()) == action);
        if !phone_action {
            return Err(Refusal::new(
                "audit_action_server_only",
                "action",
                "기기는 열람·내보내기 기록만 남길 수 있습니다",
                "a phone records only what its user viewed or exported",
            ));
        }
        let about_entity = record.get("entity").and_then(|e| e.as_str());
        let about_record = field_uuid("record_id")
            .zip(about_entity)
            .and_then(|(id, e)| self.held(e, id))
            .and_then(|p| p.household);
        for h in [field_uuid("household_id"), about_record]
            .into_iter()
            .flatten()
        {
            if !self.may_read_household(h) {
                return Err(Refusal::new(
                    "out_of_scope",
                    "household_id",
                    "볼 수 없는 가구에 대한 감사 기록은 남길 수 없습니다",
                    "an audit entry may only be about records this user may read",
                ));
            }
        }
        Ok(Verdict::default())
    }
}

/// The field that names who made a record of the entity (the reporter, the worker, the author).
const AUTHOR_FIELDS: &[(&str, &str)] = &[
    ("crisis_reports", "reporter_id"),
    ("volunteer_activity", "worker_id"),
    ("wellness_checks", "worker_id"),
    ("outreach_attempts", "worker_id"),
    ("service_provisions", "recorded_by"),
    ("case_notes", "author_id"),
    ("referrals", "referred_by"),
    ("discharge_referrals", "assigned_by"),
];

fn author_field(entity: &str) -> Option<&'static str> {
    AUTHOR_FIELDS
        .iter()
        .find(|(e, _)| *e == entity)
        .map(|(_, f)| *f)
}

/// The record of an append; these entities are only ever appended.
fn appended(c: &Change) -> Result<&Fields, Refusal> {
    match &c.op {
        Op::Append { record } => Ok(record),
        _ => Err(Refusal::new(
            "op_not_allowed",
            "op",
            "이 기록은 추가만 할 수 있습니다",
            "this record can only be appended",
        )),
    }
}

fn not_as_self(field: &str) -> Refusal {
    Refusal::new(
        "not_as_self",
        field,
        "다른 사람이나 다른 기기의 이름으로 기록할 수 없습니다",
        "a record cannot be written in another user's or device's name",
    )
}

fn not_in_session() -> Refusal {
    Refusal::new(
        "not_in_session",
        "session_id",
        "이 안전 세션의 방문 인원이 아닙니다",
        "this user is not a participant of the safety session",
    )
}

fn session_unknown() -> Refusal {
    Refusal::new(
        "session_unknown",
        "session_id",
        "서버에 시작 기록이 없는 안전 세션입니다",
        "the server has no start of this safety session",
    )
}

fn unknown_record() -> Refusal {
    Refusal::new(
        "record_unknown",
        "record_id",
        "서버에 없는 기록입니다",
        "the server holds no such record",
    )
}
