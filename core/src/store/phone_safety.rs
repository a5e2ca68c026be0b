//! The safety session as a phone runs it (기기 안전 세션): the core's [`SafetyMonitor`] for one
//! visit, every event recorded in the store as it happens (so it syncs and survives the app being
//! killed), the workers' check-out PINs kept hashed in the store, and the session rebuilt from both
//! after a kill ([`PhoneSafety::resume`]). Both shells drive it through the facade.
//!
//! Recording never blocks safety: a failed write (store closed, disk full) leaves the events in
//! memory, counted by [`PhoneSafety::unsaved_events`], and retried by the next [`PhoneSafety::record`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::model::{ContactMode, Id};
use crate::safety::{
    Actor, CheckOutReceipt, Contact, DeviceView, EventKind, SafetyAssessment, SafetyEvent,
    SafetyMonitor, StartRequest, TeamSafetyConfig, WorkerPins,
};
use crate::store::Store;
use crate::{CoreError, CoreResult};

/// What the app gives to open a session (방문 시작); the household, the workers, the district, the
/// team's published escalation ladder and the disaster advisories in force come from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitStart {
    pub household_id: Id,
    pub visit_id: Option<Id>,
    /// Everyone going, the starter included.
    pub worker_ids: Vec<Id>,
    /// The worker starting the session on this phone: her team's ladder applies.
    pub starter_id: Id,
    pub contact_mode: ContactMode,
    pub expected_return: DateTime<Utc>,
    pub checkin_interval_secs: Option<i64>,
    pub assessment: SafetyAssessment,
    pub advisory_override: Option<String>,
    pub regular_volunteer: Option<Id>,
    /// Team lead and 동장, for the standard ladder, used only while no ladder is published for the
    /// starter's team (`admin publish-config --kind safety_ladder`).
    pub fallback_contacts: Option<(Contact, Contact)>,
}

/// One phone's safety session.
#[derive(Debug)]
pub struct PhoneSafety {
    device_id: String,
    monitor: SafetyMonitor,
    session: Option<Id>,
    pins: HashMap<Id, WorkerPins>,
    /// Workers whose PINs were set since the last [`PhoneSafety::record`].
    pins_to_save: HashSet<Id>,
    /// Events of the session already in the store.
    saved: HashSet<Id>,
}

impl PhoneSafety {
    /// A session not started yet, for the phone `device_id`.
    pub fn new(device_id: impl Into<String>) -> PhoneSafety {
        let device_id = device_id.into();
        PhoneSafety {
            monitor: SafetyMonitor::new(device_id.clone()),
            device_id,
            session: None,
            pins: HashMap::new(),
            pins_to_save: HashSet::new(),
            saved: HashSet::new(),
        }
    }

    pub fn monitor(&self) -> &SafetyMonitor {
        &self.monitor
    }

    /// For the commands of the open session (check-in, SOS, tick …); record afterwards.
    pub fn monitor_mut(&mut self) -> &mut SafetyMonitor {
        &mut self.monitor
    }

    pub fn session_id(&self) -> Option<Id> {
        self.session
    }

    /// The open session's id, or `no_open_session`.
    pub fn open_session(&self) -> CoreResult<Id> {
        self.session.ok_or_else(no_open_session)
    }

    /// The phone's view of the open session at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> CoreResult<DeviceView> {
        let sid = self.open_session()?;
        let st = self.monitor.session(sid).ok_or_else(no_open_session)?;
        Ok(DeviceView::of(st, now))
    }

    /// Opens the session (방문 시작); one per object.
    pub fn start(
        &mut self,
        req: &StartRequest<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> CoreResult<Id> {
        if self.session.is_some() {
            return Err(CoreError::conflict(
                "session_already_started",
                "이미 시작된 안전 세션입니다",
                "the safety session has already started",
            ));
        }
        let sid = self.monitor.start(req, actor, now)?.event.session_id;
        self.session = Some(sid);
        Ok(sid)
    }

    /// The escalation ladder published for `worker_id`'s team (`admin publish-config --kind
    /// safety_ladder`), or `None`: then a session needs the team lead and 동장 typed in
    /// (`VisitStart::fallback_contacts`), which is what the pre-visit form asks for.
    pub fn published_ladder(store: &Store, worker_id: Id) -> CoreResult<Option<TeamSafetyConfig>> {
        let team = store.workers().get(worker_id)?.team_id;
        Ok(store.config_docs().safety(team)?.value)
    }

    /// Opens the session for a visit from what `store` holds: the team's published ladder (else the
    /// standard one over `fallback_contacts`; neither: `safety_ladder_missing`), the advisories
    /// addressed to the household's 동 or above, the district above the 동.
    pub fn start_visit(
        &mut self,
        store: &Store,
        v: &VisitStart,
        now: DateTime<Utc>,
    ) -> CoreResult<Id> {
        let household = store.households().get(v.household_id)?.household;
        let workers = v
            .worker_ids
            .iter()
            .map(|w| store.workers().get(*w))
            .collect::<CoreResult<Vec<_>>>()?;
        let config = match (
            Self::published_ladder(store, v.starter_id)?,
            &v.fallback_contacts,
        ) {
            (Some(published), _) => published,
            (None, Some((lead, head))) => TeamSafetyConfig::standard(lead.clone(), head.clone()),
            (None, None) => return Err(ladder_missing()),
        };
        let district_id = store
            .org()
            .get(household.dong_id)?
            .parent_id
            .unwrap_or(household.dong_id);
        let advisories = store.config_docs().advisories(household.dong_id)?.value;
        let req = StartRequest {
            session_id: None,
            visit_id: v.visit_id,
            household: &household,
            district_id,
            contact_mode: v.contact_mode,
            workers: &workers,
            expected_return: v.expected_return,
            checkin_interval_secs: v.checkin_interval_secs,
            assessment: v.assessment.clone(),
            advisory_override: v.advisory_override.clone(),
            regular_volunteer: v.regular_volunteer,
            config: &config,
            advisories: &advisories,
        };
        let actor = Actor::new(v.starter_id, self.device_id.clone());
        self.start(&req, &actor, now)
    }

    /// A worker's check-out PINs (already hashed); kept in the store at the next record.
    pub fn set_pins(&mut self, pins: WorkerPins) {
        self.pins_to_save.insert(pins.worker_id);
        self.pins.insert(pins.worker_id, pins);
    }

    /// 복귀 with the worker's PIN (checked against the PINs set for her, if any). The receipt is the
    /// same for the normal and the duress PIN.
    pub fn check_out(
        &mut self,
        actor: &Actor,
        pin: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<CheckOutReceipt> {
        let sid = self.open_session()?;
        let pins = self.pins.get(&actor.worker_id);
        let (receipt, _) = self.monitor.check_out(sid, actor, pin, pins, now)?;
        Ok(receipt)
    }

    fn unsaved(&self) -> Vec<SafetyEvent> {
        self.session.map_or_else(Vec::new, |sid| {
            self.monitor
                .events(sid)
                .iter()
                .filter(|e| !self.saved.contains(&e.id))
                .cloned()
                .collect()
        })
    }

    /// Events not yet in the store (0 normally).
    pub fn unsaved_events(&self) -> u64 {
        self.unsaved().len() as u64
    }

    /// Records in `store` the events and PINs not yet there (idempotent by event id).
    pub fn record(&mut self, store: &Store) -> CoreResult<()> {
        if !self.pins_to_save.is_empty() {
            let at_ms = store.clock().now().timestamp_millis();
            let pins: Vec<&WorkerPins> = self
                .pins_to_save
                .iter()
                .filter_map(|w| self.pins.get(w))
                .collect();
            save_pins(store, &pins, at_ms)?;
            self.pins_to_save.clear();
        }
        let new = self.unsaved();
        if !new.is_empty() {
            store.safety_events().record_all(&new)?;
            self.saved.extend(new.iter().map(|e| e.id));
        }
        Ok(())
    }

    /// The session this phone had open, rebuilt from the store after the app was killed: the latest
    /// session started on `device_id` that may still owe something at `now` (see
    /// [`crate::store::safety_events::SafetyEvents::live_sessions`]), with its workers' PINs. `None`
    /// if there is none. Alerts already issued are in the store and are not issued again.
    pub fn resume(
        store: &Store,
        device_id: &str,
        now: DateTime<Utc>,
    ) -> CoreResult<Option<PhoneSafety>> {
        let live = store.safety_events().live_sessions(now)?;
        let Some(sid) = live
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Started(_)) && e.device_id == device_id)
            .max_by_key(|e| (e.at, e.id))
            .map(|e| e.session_id)
        else {
            return Ok(None);
        };
        let events: Vec<SafetyEvent> = live.into_iter().filter(|e| e.session_id == sid).collect();
        let mut phone = PhoneSafety::new(device_id);
        let ids: Vec<Id> = events.iter().map(|e| e.id).collect();
        // A stored event the monitor refuses (a rule newer than the event) stays in the store
        // untouched; the session resumes from the others, as the core's rebuild_monitor does.
        for (id, r) in ids.into_iter().zip(phone.monitor.ingest_all(events)) {
            if r.is_ok() {
                phone.saved.insert(id);
            }
        }
        let Some(plan) = phone.monitor.session(sid).and_then(|s| s.plan.as_ref()) else {
            return Ok(None);
        };
        let workers: Vec<Id> = plan.participants.iter().map(|p| p.worker_id).collect();
        for pins in load_pins(store, &workers)? {
            phone.pins.insert(pins.worker_id, pins);
        }
        phone.session = Some(sid);
        Ok(Some(phone))
    }
}

fn ladder_missing() -> CoreError {
    CoreError::invalid(
        "safety_ladder_missing",
        "team_lead",
        "이 팀의 비상 연락 체계가 배포되지 않았습니다. 팀장과 동장 연락처를 입력하거나 관리자에게 배포를 요청하세요.",
        "no escalation ladder is published for this team; enter the team lead and the head of the dong, or ask the administrator to publish one",
    )
}

fn no_open_session() -> CoreError {
    CoreError::invalid_transition(
        "no_open_session",
        "진행 중인 안전 세션이 없습니다",
        "there is no open safety session",
    )
}

fn save_pins(store: &Store, pins: &[&WorkerPins], at_ms: i64) -> CoreResult<()> {
    store.write(|tx| {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO safety_pins (worker_id, normal_hash, duress_hash, set_at_ms)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (worker_id) DO UPDATE SET normal_hash = ?2, duress_hash = ?3, set_at_ms = ?4",
        )?;
        for p in pins {
            stmt.execute(params![
                p.worker_id.to_string(),
                p.normal_hash,
                p.duress_hash,
                at_ms
            ])?;
        }
        Ok(())
    })
}

fn load_pins(store: &Store, workers: &[Id]) -> CoreResult<Vec<WorkerPins>> {
    store.read(|tx| {
        let mut stmt = tx.prepare_cached(
            "SELECT normal_hash, duress_hash FROM safety_pins WHERE worker_id = ?1",
        )?;
        let mut out = Vec::new();
        for w in workers {
            let mut rows = stmt.query(params![w.to_string()])?;
            if let Some(r) = rows.next()? {
                out.push(WorkerPins {
                    worker_id: *w,
                    normal_hash: r.get(0)?,
                    duress_hash: r.get(1)?,
                });
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::PinParams;

    #[test]
    fn pins_are_kept_hashed_and_replaced_per_worker() {
        let store = Store::open_in_memory().unwrap();
        let w = Id::now_v7();
        let first = WorkerPins::new(w, "2468", Some("1357"), PinParams::for_tests()).unwrap();
        let mut phone = PhoneSafety::new("phone-1");
        phone.set_pins(first);
        phone.record(&store).unwrap();
        let stored = load_pins(&store, &[w, Id::now_v7()]).unwrap();
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].normal_hash.contains("2468"));
        assert_eq!(
            stored[0].verify("1357").unwrap(),
            crate::safety::pin::PinMatch::Duress
        );
        // New PINs for the same worker replace the old ones; nothing to record twice.
        phone.set_pins(WorkerPins::new(w, "9753", None, PinParams::for_tests()).unwrap());
        phone.record(&store).unwrap();
        let stored = load_pins(&store, &[w]).unwrap();
        assert_eq!(stored[0].duress_hash, None);
        assert!(stored[0].verify("2468").is_err());
        assert_eq!(phone.unsaved_events(), 0);
        assert_eq!(phone.open_session().unwrap_err().code, "no_open_session");
    }
}
