//! Session state as a pure fold over the event log.
//!
//! [`SessionState::fold`] sorts the events by `(at, id)` and applies them one by one; it never fails. An
//! event that the rules do not allow (a check-in from someone not on the visit, a second check-out, an SOS
//! silenced from its own device without a reason) is kept in the log but has no effect, and is listed in
//! [`SessionState::ignored`] with the reason, so nothing is silently lost.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::event::{ActionKey, AlarmRef, EventKind, SafetyEvent, SessionPlan};
use super::timeops::add_secs;
use crate::model::{GeoPoint, Id};

crate::code_enum! {
    /// Where a session stands at a given moment (see [`SessionState::status_at`]).
    pub enum SafetySessionStatus: "safety.session.status" {
        /// Events heard, but not (yet) the start.
        Pending = ("pending", "시작 미수신", "start not received"),
        /// 방문 중: nothing due.
        Open = ("open", "방문 중", "out on a visit"),
        /// The deadline passed; the workers were asked "are you safe?" and the grace period runs.
        CheckInDue = ("check_in_due", "안부 확인 요청", "asked if safe"),
        /// Grace period over: the escalation ladder is climbing.
        Escalating = ("escalating", "비상 연락 중", "escalating"),
        /// Someone acknowledged the overdue alarm and took charge; the ladder stopped.
        Acknowledged = ("acknowledged", "담당자 확인", "acknowledged"),
        /// 복귀 완료.
        Closed = ("closed", "복귀", "checked out"),
    }
}

/// How the session closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Closure {
    pub event_id: Id,
    pub at: DateTime<Utc>,
    pub worker_id: Option<Id>,
    pub device_id: String,
    /// A duress check-out. Never shown on the phone (see [`super::view`]).
    pub duress: bool,
}

/// An SOS or duress alarm and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmState {
    pub alarm: AlarmRef,
    pub raised_at: DateTime<Utc>,
    pub raised_by: Option<Id>,
    pub device_id: String,
    pub location: Option<GeoPoint>,
    /// First acknowledgement: repetitions stop.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Cancelled (SOS withdrawn with a reason) or resolved by a supervisor: the alarm is over.
    pub ended: Option<(DateTime<Utc>, String)>,
}

/// An overdue episode that ended because the worker showed up (check-in, extension, check-out) after
/// its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedEpisode {
    pub due: DateTime<Utc>,
    pub resolved_at: DateTime<Utc>,
}

/// The state of one safety session, folded from its events.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionState {
    pub session_id: Id,
    /// The plan from the start event; `None` until the start is heard.
    pub plan: Option<SessionPlan>,
    pub started_at: Option<DateTime<Utc>>,
    /// The start event that counts (the first by `(at, id)`); later ones are ignored.
    pub start_event_id: Option<Id>,
    /// Current expected return (the plan's, or the last extension).
    pub expected_return: Option<DateTime<Utc>>,
    /// Last proof of life: start, check-in, extension.
    pub last_life: Option<DateTime<Utc>>,
    pub closure: Option<Closure>,
    /// Overdue episodes (by deadline) that someone acknowledged.
    pub acknowledged_overdue: BTreeSet<DateTime<Utc>>,
    pub resolved_episodes: Vec<ResolvedEpisode>,
    pub alarms: Vec<AlarmState>,
    /// Alerts issued, per origin (device id or server node).
    pub issued: BTreeMap<String, HashSet<ActionKey>>,
    /// Events kept in the log that had no effect, with the reason code.
    pub ignored: Vec<(Id, &'static str)>,
}

/// Sorts a log into fold order: by time, then by id (ids are unique, so the order is total).
pub fn sort_log(events: &mut [SafetyEvent]) {
    events.sort_by_key(|a| (a.at, a.id));
}

impl SessionState {
    /// Folds the events of one session (in any order; duplicates by id count once). Events of other
    /// sessions are ignored.
    pub fn fold(session_id: Id, events: &[SafetyEvent]) -> SessionState {
        let mut sorted: Vec<&SafetyEvent> = events
            .iter()
            .filter(|e| e.session_id == session_id)
            .collect();
        sorted.sort_by_key(|a| (a.at, a.id));
        sorted.dedup_by(|a, b| a.id == b.id);
        let mut st = SessionState {
            session_id,
            ..SessionState::default()
        };
        // The start comes first whatever the clocks said, so that membership is known for every event.
        if let Some(start) = sorted
            .iter()
            .find(|e| matches!(e.kind, EventKind::Started(_)))
        {
            if let EventKind::Started(plan) = &start.kind {
                st.plan = Some((**plan).clone());
                st.started_at = Some(start.at);
                st.start_event_id = Some(start.id);
                st.expected_return = Some(plan.expected_return);
                st.last_life = Some(start.at);
            }
        }
        for e in sorted {
            st.apply(e);
        }
        st
    }

    /// Applies one event that sorts after every event applied so far.
    pub(crate) fn apply(&mut self, e: &SafetyEvent) {
        match &e.kind {
            EventKind::Started(_) => {
                if self.start_event_id != Some(e.id) {
                    self.ignore(e, "duplicate_start");
                }
            }
            EventKind::CheckedIn => {
                if let Some(reason) = self.refuse_worker_event(e) {
                    self.ignore(e, reason);
                } else {
                    self.proof_of_life(e.at);
                }
            }
            EventKind::ReturnExtended { expected_return } => {
                if let Some(reason) = self.refuse_worker_event(e) {
                    self.ignore(e, reason);
                } else if *expected_return <= e.at
                    || *expected_return - e.at > Duration::seconds(super::config::MAX_SESSION_SECS)
                {
                    self.ignore(e, "expected_return_out_of_range");
                } else {
                    self.proof_of_life(e.at);
                    self.expected_return = Some(*expected_return);
                }
            }
            EventKind::CheckedOut | EventKind::DuressCheckedOut => {
                if let Some(reason) = self.refuse_worker_event(e) {
                    self.ignore(e, reason);
                    return;
                }
                let duress = matches!(e.kind, EventKind::DuressCheckedOut);
                self.end_episode(e.at);
                self.closure = Some(Closure {
                    event_id: e.id,
                    at: e.at,
                    worker_id: e.worker_id,
                    device_id: e.device_id.clone(),
                    duress,
                });
                if duress {
                    self.raise(e, AlarmRef::Duress { event_id: e.id });
                }
            }
            EventKind::Sos => {
                // An SOS is honoured even after check-out or from an unknown worker: safety first.
                self.raise(e, AlarmRef::Sos { event_id: e.id });
            }
            EventKind::SosCancelled {
                sos_event_id,
                reason,
            } => {
                let reason = reason.as_deref().map(str::trim).unwrap_or("");
                let Some(alarm) = self.alarms.iter_mut().find(|a| {
                    a.alarm
                        == AlarmRef::Sos {
                            event_id: *sos_event_id,
                        }
                }) else {
                    self.ignore(e, "alarm_not_found");
                    return;
                };
                if alarm.ended.is_some() {
                    self.ignore(e, "alarm_already_ended");
                } else if alarm.device_id == e.device_id && reason.is_empty() {
                    self.ignore(e, "sos_cancel_reason_required");
                } else {
                    alarm.ended = Some((e.at, reason.to_owned()));
                }
            }
            EventKind::Acknowledged { alarm, .. } => match alarm {
                AlarmRef::Overdue { due } => {
                    self.acknowledged_overdue.insert(*due);
                }
                other => match self.alarms.iter_mut().find(|a| a.alarm == *other) {
                    Some(a) if a.acknowledged_at.is_none() => a.acknowledged_at = Some(e.at),
                    Some(_) => self.ignore(e, "alarm_already_acknowledged"),
                    None => self.ignore(e, "alarm_not_found"),
                },
            },
            EventKind::AlarmResolved { alarm, note } => {
                match self.alarms.iter_mut().find(|a| a.alarm == *alarm) {
                    Some(a) if a.ended.is_none() => {
                        a.ended = Some((e.at, note.clone()));
                        a.acknowledged_at.get_or_insert(e.at);
                    }
                    Some(_) => self.ignore(e, "alarm_already_ended"),
                    None => self.ignore(e, "alarm_not_found"),
                }
            }
            EventKind::AlertIssued { key } => {
                // Look up before inserting: avoids cloning the origin on every alert of a busy tick.
                if let Some(set) = self.issued.get_mut(&e.device_id) {
                    set.insert(*key);
                } else {
                    self.issued
                        .entry(e.device_id.clone())
                        .or_default()
                        .insert(*key);
                }
            }
        }
    }

    fn ignore(&mut self, e: &SafetyEvent, reason: &'static str) {
        self.ignored.push((e.id, reason));
    }

    /// Why a worker's event (check-in, extension, check-out) cannot apply, if it cannot.
    fn refuse_worker_event(&self, e: &SafetyEvent) -> Option<&'static str> {
        let Some(plan) = &self.plan else {
            return Some("session_not_started");
        };
        if self.closure.is_some() {
            return Some("session_closed");
        }
        match e.worker_id {
            Some(w) if plan.participants.iter().any(|p| p.worker_id == w) => None,
            _ => Some("worker_not_in_session"),
        }
    }

    fn proof_of_life(&mut self, at: DateTime<Utc>) {
        self.end_episode(at);
        if self.last_life.is_none_or(|l| at > l) {
            self.last_life = Some(at);
        }
    }

    /// The worker showed up at `at`: if the current deadline had passed, that episode is over.
    fn end_episode(&mut self, at: DateTime<Utc>) {
        if let Some(due) = self.due_at() {
            if at >= due {
                self.resolved_episodes.push(ResolvedEpisode {
                    due,
                    resolved_at: at,
                });
            }
        }
    }

    fn raise(&mut self, e: &SafetyEvent, alarm: AlarmRef) {
        self.alarms.push(AlarmState {
            alarm,
            raised_at: e.at,
            raised_by: e.worker_id,
            device_id: e.device_id.clone(),
            location: e.location,
            acknowledged_at: None,
            ended: None,
        });
    }

    /// The current deadline: the expected return, or the next check-in if that comes first; after the
    /// expected return has passed and the worker answered, the next re-check. `None` when the session is
    /// closed or its start is unknown.
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        let plan = self.plan.as_ref()?;
        if self.closure.is_some() {
            return None;
        }
        let life = self.last_life?;
        let ret = self.expected_return?;
        let mut due = if ret > life {
            ret
        } else {
            add_secs(life, plan.config.overdue_recheck_secs)
        };
        if let Some(iv) = plan.checkin_interval_secs {
            due = due.min(add_secs(life, iv));
        }
        Some(due)
    }

    pub fn is_closed(&self) -> bool {
        self.closure.is_some()
    }

    /// Whether `origin` has issued the alert `key`.
    pub fn has_issued(&self, origin: &str, key: &ActionKey) -> bool {
        self.issued.get(origin).is_some_and(|s| s.contains(key))
    }

    /// The status at `now`.
    pub fn status_at(&self, now: DateTime<Utc>) -> SafetySessionStatus {
        let Some(plan) = &self.plan else {
            return SafetySessionStatus::Pending;
        };
        if self.closure.is_some() {
            return SafetySessionStatus::Closed;
        }
        match self.due_at() {
            Some(due) if now >= due => {
                if self.acknowledged_overdue.contains(&due) {
                    SafetySessionStatus::Acknowledged
                } else if now >= add_secs(due, plan.config.grace_secs) {
                    SafetySessionStatus::Escalating
                } else {
                    SafetySessionStatus::CheckInDue
                }
            }
            _ => SafetySessionStatus::Open,
        }
    }

    /// SOS and duress alarms not yet over.
    pub fn active_alarms(&self) -> impl Iterator<Item = &AlarmState> {
        self.alarms.iter().filter(|a| a.ended.is_none())
    }
}
