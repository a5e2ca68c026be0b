//! [`SafetyMonitor`]: many sessions, one deadline index.
//!
//! The phone holds a monitor with its own sessions; the server holds one with every open session it has
//! heard of. Both run the same rules ([`super::schedule`]). Sessions are indexed by their next deadline in
//! a `BTreeSet<(deadline, session)>`, so [`SafetyMonitor::next_deadline`] is O(log n) and
//! [`SafetyMonitor::tick`] touches only the sessions that are due.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::action::{build, SafetyAction};
use super::commands::{self, Actor, CheckOutReceipt, Recorded, StartRequest};
use super::config::{MAX_SESSION_SECS, MIN_CHECKIN_SECS};
use super::event::{AlarmRef, EventKind, SafetyEvent};
use super::pin::WorkerPins;
use super::schedule::schedule;
use super::state::SessionState;
use crate::model::Id;
use crate::{CoreError, CoreResult};

#[derive(Debug, Clone)]
struct Entry {
    /// Sorted by `(at, id)`.
    log: Vec<SafetyEvent>,
    ids: HashSet<Id>,
    state: SessionState,
    /// The key under which the session sits in the index.
    indexed: Option<DateTime<Utc>>,
}

/// Holds sessions and answers their deadlines. Deterministic given its inputs and `now`.
#[derive(Debug, Clone)]
pub struct SafetyMonitor {
    /// Who this monitor issues alerts as: the device id, or e.g. `server:seoul-1`.
    origin: String,
    sessions: HashMap<Id, Entry>,
    index: BTreeSet<(DateTime<Utc>, Id)>,
    /// The latest `now` seen by `tick`; deadlines of newly ingested events are computed against it.
    last_tick: DateTime<Utc>,
}

impl SafetyMonitor {
    pub fn new(origin: impl Into<String>) -> Self {
        SafetyMonitor {
            origin: origin.into(),
            sessions: HashMap::new(),
            index: BTreeSet::new(),
            last_tick: DateTime::<Utc>::MIN_UTC,
        }
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Adds an event heard from anywhere (this device, sync, the server). Idempotent by event id:
    /// `Ok(false)` if it was already known. Refused only if malformed; the session is then unchanged.
    pub fn ingest(&mut self, event: SafetyEvent) -> CoreResult<bool> {
        check_structure(&event)?;
        let sid = event.session_id;
        let entry = self.sessions.entry(sid).or_insert_with(|| Entry {
            log: Vec::new(),
            ids: HashSet::new(),
            state: SessionState {
                session_id: sid,
                ..SessionState::default()
            },
            indexed: None,
        });
        if !entry.ids.insert(event.id) {
            return Ok(false);
        }
        let key = (event.at, event.id);
        let pos = entry.log.partition_point(|e| (e.at, e.id) < key);
        let appends = pos == entry.log.len();
        let is_start = matches!(event.kind, EventKind::Started(_));
        let incremental = appends && entry.state.plan.is_some() && !is_start;
        entry.log.insert(pos, event);
        if incremental {
            if let Some(e) = entry.log.last() {
                entry.state.apply(e);
            }
        } else if matches!(entry.log[pos].kind, EventKind::AlertIssued { .. }) && !is_start {
            // Only adds to a set: order does not matter.
            let e = entry.log[pos].clone();
            entry.state.apply(&e);
        } else {
            entry.state = SessionState::fold(sid, &entry.log);
        }
        self.reindex(sid);
        Ok(true)
    }

    /// Ingests many events; each succeeds or fails on its own, so one bad event never drops another.
    pub fn ingest_all(
        &mut self,
        events: impl IntoIterator<Item = SafetyEvent>,
    ) -> Vec<CoreResult<bool>> {
        events.into_iter().map(|e| self.ingest(e)).collect()
    }

    fn reindex(&mut self, sid: Id) {
        let Some(entry) = self.sessions.get(&sid) else {
            return;
        };
        let s = schedule(&entry.state, &self.origin, self.last_tick);
        let next = match (s.due.first(), s.next) {
            (Some(d), _) => Some(d.at),
            (None, n) => n,
        };
        self.index_at(sid, next);
    }

    fn index_at(&mut self, sid: Id, next: Option<DateTime<Utc>>) {
        let Some(entry) = self.sessions.get_mut(&sid) else {
            return;
        };
        if let Some(old) = entry.indexed.take() {
            self.index.remove(&(old, sid));
        }
        if let Some(at) = next {
            self.index.insert((at, sid));
            entry.indexed = Some(at);
        }
    }

    /// When the shell should wake up next (one OS alarm). If it is at or before `now`, tick at once.
    pub fn next_deadline(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let _ = now; // The index already holds absolute times; `now` is kept for a stable signature.
        self.index.first().map(|(at, _)| *at)
    }

    /// Everything due at `now`, each exactly once per origin: a second tick at the same `now` returns
    /// nothing. Each action's `record` has been appended to its session's log already.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<SafetyAction> {
        if now > self.last_tick {
            self.last_tick = now;
        }
        let due_sessions: Vec<Id> = self
            .index
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| *id)
            .collect();
        // At least one action per due session: reserve once rather than regrow a large vector.
        let mut actions = Vec::with_capacity(due_sessions.len());
        for sid in due_sessions {
            self.tick_one(sid, now, &mut actions);
        }
        actions
    }

    /// Runs one session's deadlines at `now`, leaving every other session alone. For the server: an SOS
    /// stamped by a phone whose clock runs a little ahead is raised when it arrives, not when the
    /// server's clock catches up, without issuing anything early for other sessions.
    pub fn tick_session(&mut self, sid: Id, now: DateTime<Utc>) -> Vec<SafetyAction> {
        let mut actions = Vec::new();
        self.tick_one(sid, now, &mut actions);
        actions
    }

    fn tick_one(&mut self, sid: Id, now: DateTime<Utc>, actions: &mut Vec<SafetyAction>) {
        let Some(entry) = self.sessions.get_mut(&sid) else {
            return;
        };
        let s = schedule(&entry.state, &self.origin, now);
        let mut all_built = true;
        for d in s.due {
            if let Some(action) = build(&entry.state, &self.origin, d.key, d.at, now) {
                entry.state.apply(&action.record);
                if entry.ids.insert(action.record.id) {
                    let k = (action.record.at, action.record.id);
                    let pos = entry.log.partition_point(|e| (e.at, e.id) < k);
                    entry.log.insert(pos, action.record.clone());
                }
                actions.push(action);
            } else {
                all_built = false;
            }
        }
        // Everything due is now issued, so the next deadline is the schedule's `next` (no need to
        // compute the schedule again, which halves the cost of a busy tick).
        if all_built {
            self.index_at(sid, s.next);
        } else {
            self.reindex(sid);
        }
    }

    pub fn session(&self, id: Id) -> Option<&SessionState> {
        self.sessions.get(&id).map(|e| &e.state)
    }

    /// The session's log in fold order.
    pub fn events(&self, id: Id) -> &[SafetyEvent] {
        self.sessions.get(&id).map_or(&[], |e| e.log.as_slice())
    }

    pub fn session_ids(&self) -> impl Iterator<Item = Id> + '_ {
        self.sessions.keys().copied()
    }

    /// Sessions neither closed nor pending.
    pub fn open_count(&self) -> usize {
        self.sessions
            .values()
            .filter(|e| e.state.plan.is_some() && !e.state.is_closed())
            .count()
    }

    /// Drops sessions that are closed, have no alarm left and owe no alert, returning their ids, so that a
    /// long-running server does not keep every finished session in memory. Their events stay in the
    /// store; ingesting one of them again brings the session back.
    pub fn remove_settled(&mut self) -> Vec<Id> {
        let settled: Vec<Id> = self
            .sessions
            .iter()
            .filter(|(_, e)| {
                e.state.is_closed()
                    && e.indexed.is_none()
                    && e.state.active_alarms().next().is_none()
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &settled {
            self.sessions.remove(id);
        }
        settled
    }

    fn state(&self, id: Id) -> CoreResult<&SessionState> {
        self.session(id).ok_or_else(|| {
            CoreError::invalid_transition(
                "no_open_session",
                "진행 중인 안전 세션이 없습니다",
                "there is no open safety session",
            )
        })
    }

    fn record(&mut self, r: Recorded) -> CoreResult<Recorded> {
        self.ingest(r.event.clone())?;
        Ok(r)
    }

    /// Validates and opens a session (see [`commands::start`]).
    pub fn start(
        &mut self,
        req: &StartRequest<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> CoreResult<Recorded> {
        if let Some(sid) = req.session_id {
            if self.session(sid).is_some_and(|s| s.plan.is_some()) {
                return Err(CoreError::conflict(
                    "session_already_started",
                    "이미 시작된 안전 세션입니다",
                    "the safety session has already started",
                ));
            }
        }
        let r = commands::start(req, actor, now)?;
        self.record(r)
    }

    pub fn check_in(
        &mut self,
        session: Id,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> CoreResult<Recorded> {
        let r = commands::check_in(self.state(session)?, actor, now)?;
        self.record(r)
    }

    pub fn extend_return(
        &mut self,
        session: Id,
        actor: &Actor,
        expected_return: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> CoreResult<Recorded> {
        let r = commands::extend_return(self.state(session)?, actor, expected_return, now)?;
        self.record(r)
    }

    /// Check-out; the receipt is the same for a normal and a duress PIN. Hand only the receipt to the UI.
    pub fn check_out(
        &mut self,
        session: Id,
        actor: &Actor,
        pin: Option<&str>,
        pins: Option<&WorkerPins>,
        now: DateTime<Utc>,
    ) -> CoreResult<(CheckOutReceipt, Recorded)> {
        let (receipt, r) = commands::check_out(self.state(session)?, actor, pin, pins, now)?;
        let r = self.record(r)?;
        Ok((receipt, r))
    }

    pub fn sos(&mut self, session: Id, actor: &Actor, now: DateTime<Utc>) -> CoreResult<Recorded> {
        let r = commands::sos(self.state(session)?, actor, now)?;
        self.record(r)
    }

    pub fn cancel_sos(
        &mut self,
        session: Id,
        actor: &Actor,
        sos_event_id: Id,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<Recorded> {
        let r = commands::cancel_sos(self.state(session)?, actor, sos_event_id, reason, now)?;
        self.record(r)
    }

    pub fn acknowledge(
        &mut self,
        session: Id,
        actor: &Actor,
        alarm: AlarmRef,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> CoreResult<Recorded> {
        let r = commands::acknowledge(self.state(session)?, actor, alarm, note, now)?;
        self.record(r)
    }

    pub fn resolve(
        &mut self,
        session: Id,
        actor: &Actor,
        alarm: AlarmRef,
        note: &str,
        now: DateTime<Utc>,
    ) -> CoreResult<Recorded> {
        let r = commands::resolve(self.state(session)?, actor, alarm, note, now)?;
        self.record(r)
    }
}

/// Structural checks on an event from outside (sync, server): the rest is the fold's business.
fn check_structure(e: &SafetyEvent) -> CoreResult<()> {
    if e.device_id.trim().is_empty() {
        return Err(CoreError::invalid(
            "device_id_required",
            "event.device_id",
            "이벤트에 기기 식별자가 없습니다",
            "the event has no device id",
        ));
    }
    if let EventKind::Started(plan) = &e.kind {
        plan.config.validate()?;
        // The same bounds as a start made on this device, so no synced plan can stretch a deadline.
        let ahead = plan
            .expected_return
            .signed_duration_since(e.at)
            .num_seconds();
        if !(1..=MAX_SESSION_SECS).contains(&ahead) {
            return Err(CoreError::invalid(
                "expected_return_out_of_range",
                "event.expected_return",
                "복귀 예정 시각은 시작 후 12시간 이내여야 합니다",
                "the expected return must be within 12 hours after the start",
            ));
        }
        if let Some(iv) = plan.checkin_interval_secs {
            if !(MIN_CHECKIN_SECS..=MAX_SESSION_SECS).contains(&iv) {
                return Err(CoreError::invalid(
                    "checkin_interval_out_of_range",
                    "event.checkin_interval_secs",
                    format!("안부 확인 간격은 5분~12시간이어야 합니다 (입력: {iv}초)"),
                    format!("the check-in interval must be 5 min – 12 h (got {iv} s)"),
                ));
            }
        }
        if plan.participants.is_empty() {
            return Err(CoreError::invalid(
                "safety_pair_required",
                "event.participants",
                "시작 이벤트에 방문 인원이 없습니다",
                "the start event has no participants",
            ));
        }
    }
    Ok(())
}
