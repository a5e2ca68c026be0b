//! What the phone may show, and what the server's supervisors see.
//!
//! **The phone UI must never reveal a duress check-out**: [`DeviceView`] of a session closed with the
//! duress PIN is equal, field for field, to that of a normal check-out, and the silent alarm is not in
//! it. The shell must not render the raw event log, `SafetyAction`s with [`super::ActionKind::is_silent`],
//! or [`ServerView`] on the worker's phone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::AlarmRef;
use super::state::{SafetySessionStatus, SessionState};
use super::timeops::add_secs;
use crate::model::Id;

/// The phone's view of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SafetyStatus"))]
pub struct DeviceView {
    pub session_id: Id,
    pub status: SafetySessionStatus,
    #[cfg_attr(feature = "uniffi", uniffi(name = "expected_return_ms"))]
    pub expected_return: Option<DateTime<Utc>>,
    /// The next deadline (return or check-in) while open.
    #[cfg_attr(feature = "uniffi", uniffi(name = "next_due_ms"))]
    pub next_due: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "closed_at_ms"))]
    pub closed_at: Option<DateTime<Utc>>,
    /// SOS alarms raised and not over (never duress).
    pub open_sos: Vec<Id>,
}

impl DeviceView {
    pub fn of(st: &SessionState, now: DateTime<Utc>) -> Self {
        DeviceView {
            session_id: st.session_id,
            status: st.status_at(now),
            expected_return: st.expected_return,
            next_due: st.due_at(),
            closed_at: st.closure.as_ref().map(|c| c.at),
            open_sos: st
                .active_alarms()
                .filter_map(|a| match a.alarm {
                    AlarmRef::Sos { event_id } => Some(event_id),
                    _ => None,
                })
                .collect(),
        }
    }
}

/// One alarm as supervisors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmView {
    pub alarm: AlarmRef,
    /// `overdue`, `sos` or `duress`.
    pub kind: String,
    pub raised_at: DateTime<Utc>,
    pub acknowledged: bool,
    pub ended_at: Option<DateTime<Utc>>,
}

/// The server's (supervisors') view: the duress alarm is visible here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerView {
    pub session_id: Id,
    pub status: SafetySessionStatus,
    pub expected_return: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub duress: bool,
    pub alarms: Vec<AlarmView>,
}

impl ServerView {
    pub fn of(st: &SessionState, now: DateTime<Utc>) -> Self {
        let mut alarms: Vec<AlarmView> = st
            .alarms
            .iter()
            .map(|a| AlarmView {
                alarm: a.alarm,
                kind: match a.alarm {
                    AlarmRef::Sos { .. } => "sos",
                    AlarmRef::Duress { .. } => "duress",
                    AlarmRef::Overdue { .. } => "overdue",
                }
                .to_owned(),
                raised_at: a.raised_at,
                acknowledged: a.acknowledged_at.is_some(),
                ended_at: a.ended.as_ref().map(|(t, _)| *t),
            })
            .collect();
        // Overdue alarms: the current episode once escalating, and past episodes that escalated.
        if let (Some(plan), Some(due)) = (&st.plan, st.due_at()) {
            let raised = add_secs(due, plan.config.grace_secs);
            if now >= raised {
                alarms.push(AlarmView {
                    alarm: AlarmRef::Overdue { due },
                    kind: "overdue".to_owned(),
                    raised_at: raised,
                    acknowledged: st.acknowledged_overdue.contains(&due),
                    ended_at: None,
                });
            }
        }
        if let Some(plan) = &st.plan {
            for ep in &st.resolved_episodes {
                let raised = add_secs(ep.due, plan.config.grace_secs);
                if ep.resolved_at >= raised {
                    alarms.push(AlarmView {
                        alarm: AlarmRef::Overdue { due: ep.due },
                        kind: "overdue".to_owned(),
                        raised_at: raised,
                        acknowledged: st.acknowledged_overdue.contains(&ep.due),
                        ended_at: Some(ep.resolved_at),
                    });
                }
            }
        }
        alarms.sort_by_key(|a| (a.raised_at, a.alarm));
        ServerView {
            session_id: st.session_id,
            status: st.status_at(now),
            expected_return: st.expected_return,
            closed_at: st.closure.as_ref().map(|c| c.at),
            duress: st.closure.as_ref().is_some_and(|c| c.duress),
            alarms,
        }
    }
}
