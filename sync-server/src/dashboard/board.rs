//! The live safety board (안전 현황판): one row per open session of the caller's teams, alarms on
//! top. Built from the server's safety monitor (the same state that raises the alarms), so the board
//! and the notifier never disagree.
//!
//! A row is written for the responder: an SOS or duress alarm first with its time and place (the
//! phone's reported point when it sent one), the workers with their phone numbers (for a `tel:`
//! link), how far the escalation ladder has gone and whom it has alerted, and the household's risk
//! flags (what a visitor must know before going in). Phone numbers are personal data: they are in
//! the answer the supervisor asked for and nowhere else (never in a log line).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::model::{Household, RiskFlag};
use donghaeng_core::safety::{ActionKey, AlarmRef, LadderTarget, ServerView, SessionState};
use donghaeng_core::store::Store;
use donghaeng_core::{CoreResult, ErrorCode};

use crate::safety::alarm::{alarm_id, alarm_kind};

#[derive(Debug, Clone, Serialize)]
pub struct BoardAlarm {
    pub alarm_id: Uuid,
    pub kind: &'static str,
    pub raised_at: DateTime<Utc>,
    pub acknowledged: bool,
    /// Who raised it (an SOS: the worker who pressed it), when known.
    pub raised_by: Option<String>,
    /// Where the phone was when it raised the alarm, if it sent a point.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A worker on the visit, with the number to call them on.
#[derive(Debug, Clone, Serialize)]
pub struct BoardWorker {
    pub worker_id: Uuid,
    pub name: String,
    /// As recorded (digits, dashes, spaces, a leading `+`); the page makes the `tel:` link.
    pub phone: Option<String>,
}

/// How far the escalation of the row's loudest open alarm has gone.
#[derive(Debug, Clone, Serialize)]
pub struct BoardEscalation {
    /// The alarm the escalation is about: `overdue`, `sos` or `duress`.
    pub alarm: &'static str,
    /// The last ladder step issued (1-based); 0 when only the workers were asked if they are safe.
    /// An SOS or duress alarm goes to its recipients at once (step 0, target none).
    pub step: u32,
    /// Steps in the team's ladder.
    pub steps: u32,
    /// The ladder target of `step` (`partner`, `team_lead`, `dong_head`, `emergency`).
    pub target: Option<&'static str>,
    pub target_ko: Option<&'static str>,
    pub target_en: Option<&'static str>,
    /// The names of the people alerted so far, in the order they were alerted (no numbers).
    pub notified: Vec<String>,
}

/// A risk flag with its labels.
#[derive(Debug, Clone, Serialize)]
pub struct BoardFlag {
    pub code: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub session_id: Uuid,
    pub household_id: Option<Uuid>,
    pub address: Option<String>,
    /// The head of household's masked name (김○○).
    pub household: Option<String>,
    pub workers: Vec<String>,
    /// The workers with their phone numbers (the session's snapshot, else the synced worker record).
    pub people: Vec<BoardWorker>,
    pub started_at: Option<DateTime<Utc>>,
    pub expected_return: Option<DateTime<Utc>>,
    /// Seconds until the expected return (negative: overdue).
    pub seconds_left: Option<i64>,
    /// `open`, `check_in_due`, `escalating`, `acknowledged`, `closed`, `pending`.
    pub status: String,
    /// 0 SOS/duress, 1 escalating overdue, 2 asked if safe, 3 acknowledged, 4 calm: the sort key.
    pub priority: u8,
    pub alarms: Vec<BoardAlarm>,
    pub escalation: Option<BoardEscalation>,
    pub risk_flags: Vec<BoardFlag>,
    /// The household's synced location (the map's marker).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// What the board takes from the synced records: per household its flags and location, per worker
/// the phone number.
#[derive(Debug, Default)]
pub struct Records {
    pub households: HashMap<Uuid, HouseholdFacts>,
    pub phones: HashMap<Uuid, String>,
}

#[derive(Debug, Clone, Default)]
pub struct HouseholdFacts {
    pub risk_flags: Vec<RiskFlag>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl Records {
    /// The facts of the households and workers the given sessions name (only those), as the
    /// projection holds them.
    pub fn of(store: &Store, sessions: &[(SessionState, ServerView)]) -> CoreResult<Records> {
        let mut want_h = std::collections::BTreeSet::new();
        let mut want_w = std::collections::BTreeSet::new();
        for (s, _) in sessions {
            if let Some(plan) = &s.plan {
                want_h.insert(plan.household.household_id);
                want_w.extend(plan.participants.iter().map(|w| w.worker_id));
            }
        }
        let mut out = Records::default();
        for h in want_h {
            // A household or worker not synced (yet) has no facts to add.
            match store.households().get(h) {
                Ok(s) => {
                    out.households.insert(h, HouseholdFacts::of(&s.household));
                }
                Err(e) if e.kind == ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        for w in want_w {
            match store.workers().get(w) {
                Ok(worker) => {
                    if let Some(phone) = worker.phone.filter(|s| !s.trim().is_empty()) {
                        out.phones.insert(w, phone);
                    }
                }
                Err(e) if e.kind == ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

impl HouseholdFacts {
    fn of(h: &Household) -> HouseholdFacts {
        HouseholdFacts {
            risk_flags: h.risk_flags.clone(),
            lat: h.location.map(|l| l.lat),
            lon: h.location.map(|l| l.lon),
        }
    }
}

/// Whether a session belongs on the board: not closed, or holding an alarm still open (a duress
/// check-out closes the session and opens the alarm).
pub fn on_board(view: &ServerView) -> bool {
    view.closed_at.is_none() || view.alarms.iter().any(|a| a.ended_at.is_none())
}

fn name_of(st: &SessionState, worker: Option<Uuid>) -> Option<String> {
    let plan = st.plan.as_ref()?;
    let w = worker?;
    plan.participants
        .iter()
        .find(|p| p.worker_id == w)
        .map(|p| p.name.clone())
}

fn push_name(out: &mut Vec<String>, name: &str) {
    if !out.iter().any(|n| n == name) {
        out.push(name.to_owned());
    }
}

/// The escalation of the loudest open alarm: an SOS or duress alarm (alerted at once: the partners
/// and the team lead), else the open overdue episode (the ladder steps issued for its deadline).
fn escalation(st: &SessionState, alarms: &[(AlarmRef, bool)]) -> Option<BoardEscalation> {
    let plan = st.plan.as_ref()?;
    let steps = u32::try_from(plan.config.ladder.len()).unwrap_or(u32::MAX);
    let issued = || st.issued.values().flat_map(|keys| keys.iter());
    let loud = alarms
        .iter()
        .map(|(a, _)| *a)
        .find(|a| matches!(a, AlarmRef::Sos { .. } | AlarmRef::Duress { .. }));
    if let Some(alarm) = loud {
        let (kind, raised_by, sent) = match alarm {
            AlarmRef::Sos { event_id } => (
                "sos",
                st.alarms
                    .iter()
                    .find(|a| a.alarm == alarm)
                    .and_then(|a| a.raised_by),
                issued().any(|k| *k == ActionKey::Sos { event_id }),
            ),
            AlarmRef::Duress { event_id } => (
                "duress",
                None,
                issued().any(|k| *k == ActionKey::Silent { event_id }),
            ),
            AlarmRef::Overdue { .. } => unreachable!("filtered above"),
        };
        let mut notified = Vec::new();
        if sent {
            // The core's recipients of an SOS: the other participants with a phone, then the
            // team-lead contacts (a duress alarm: the team lead only).
            if kind == "sos" {
                for p in &plan.participants {
                    if Some(p.worker_id) != raised_by && p.phone.is_some() {
                        push_name(&mut notified, &p.name);
                    }
                }
            }
            for c in plan.config.team_lead_contacts() {
                push_name(&mut notified, &c.name);
            }
        }
        return Some(BoardEscalation {
            alarm: kind,
            step: 0,
            steps,
            target: None,
            target_ko: None,
            target_en: None,
            notified,
        });
    }
    let due = alarms.iter().find_map(|(a, _)| match a {
        AlarmRef::Overdue { due } => Some(*due),
        _ => None,
    })?;
    let step = issued()
        .filter_map(|k| match k {
            ActionKey::Escalation { due: d, step } if *d == due => Some(*step),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut notified = Vec::new();
    for s in plan.config.ladder.iter().take(step as usize) {
        if s.target == LadderTarget::Partner {
            for p in plan.participants.iter().filter(|p| p.phone.is_some()) {
                push_name(&mut notified, &p.name);
            }
        }
        for c in &s.contacts {
            push_name(&mut notified, &c.name);
        }
    }
    let target = step
        .checked_sub(1)
        .and_then(|i| plan.config.ladder.get(i as usize))
        .map(|s| s.target);
    Some(BoardEscalation {
        alarm: "overdue",
        step,
        steps,
        target: target.map(LadderTarget::code),
        target_ko: target.map(LadderTarget::label_ko),
        target_en: target.map(LadderTarget::label_en),
        notified,
    })
}

pub fn row(
    st: &SessionState,
    view: &ServerView,
    now: DateTime<Utc>,
    records: &Records,
) -> BoardRow {
    let open: Vec<_> = view
        .alarms
        .iter()
        .filter(|a| a.ended_at.is_none())
        .collect();
    let alarms: Vec<BoardAlarm> = open
        .iter()
        .map(|a| {
            let raised = st.alarms.iter().find(|s| s.alarm == a.alarm);
            BoardAlarm {
                alarm_id: alarm_id(st.session_id, &a.alarm),
                kind: alarm_kind(&a.alarm),
                raised_at: a.raised_at,
                acknowledged: a.acknowledged,
                raised_by: raised.and_then(|s| name_of(st, s.raised_by)),
                lat: raised.and_then(|s| s.location).map(|g| g.lat),
                lon: raised.and_then(|s| s.location).map(|g| g.lon),
            }
        })
        .collect();
    let status = view.status.code().to_owned();
    let loud = alarms
        .iter()
        .any(|a| !a.acknowledged && matches!(a.kind, "sos" | "duress"));
    let priority = if loud {
        0
    } else if alarms.iter().any(|a| !a.acknowledged) || status == "escalating" {
        1
    } else if status == "check_in_due" {
        2
    } else if !alarms.is_empty() || status == "acknowledged" {
        3
    } else {
        4
    };
    let refs: Vec<(AlarmRef, bool)> = open.iter().map(|a| (a.alarm, a.acknowledged)).collect();
    let plan = st.plan.as_ref();
    let facts = plan
        .and_then(|p| records.households.get(&p.household.household_id))
        .cloned()
        .unwrap_or_default();
    BoardRow {
        session_id: st.session_id,
        household_id: plan.map(|p| p.household.household_id),
        address: plan.map(|p| p.household.address.clone()),
        household: plan.map(|p| p.household.masked_name.clone()),
        workers: plan
            .map(|p| p.participants.iter().map(|w| w.name.clone()).collect())
            .unwrap_or_default(),
        people: plan
            .map(|p| {
                p.participants
                    .iter()
                    .map(|w| BoardWorker {
                        worker_id: w.worker_id,
                        name: w.name.clone(),
                        phone: w
                            .phone
                            .clone()
                            .filter(|s| !s.trim().is_empty())
                            .or_else(|| records.phones.get(&w.worker_id).cloned()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        started_at: st.started_at,
        expected_return: view.expected_return,
        seconds_left: view.expected_return.map(|r| (r - now).num_seconds()),
        status,
        priority,
        alarms,
        escalation: escalation(st, &refs),
        risk_flags: facts
            .risk_flags
            .iter()
            .map(|f| BoardFlag {
                code: f.code(),
                ko: f.label_ko(),
                en: f.label_en(),
            })
            .collect(),
        lat: facts.lat,
        lon: facts.lon,
    }
}

/// Sorts the board: alarms first, then the soonest expected return.
pub fn sort(rows: &mut [BoardRow]) {
    rows.sort_by(|a, b| {
        (a.priority, a.expected_return, a.session_id).cmp(&(
            b.priority,
            b.expected_return,
            b.session_id,
        ))
    });
}
