//! The live safety board (안전 현황판): one row per open session of the caller's teams, alarms on
//! top. Built from the server's safety monitor (the same state that raises the alarms), so the board
//! and the notifier never disagree.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::safety::{ServerView, SessionState};

use crate::safety::alarm::{alarm_id, alarm_kind};

#[derive(Debug, Clone, Serialize)]
pub struct BoardAlarm {
    pub alarm_id: Uuid,
    pub kind: &'static str,
    pub raised_at: DateTime<Utc>,
    pub acknowledged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    pub session_id: Uuid,
    pub household_id: Option<Uuid>,
    pub address: Option<String>,
    /// The head of household's masked name (김○○).
    pub household: Option<String>,
    pub workers: Vec<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub expected_return: Option<DateTime<Utc>>,
    /// Seconds until the expected return (negative: overdue).
    pub seconds_left: Option<i64>,
    /// `open`, `check_in_due`, `escalating`, `acknowledged`, `closed`, `pending`.
    pub status: String,
    /// 0 SOS/duress, 1 escalating overdue, 2 asked if safe, 3 acknowledged, 4 calm: the sort key.
    pub priority: u8,
    pub alarms: Vec<BoardAlarm>,
}

/// Whether a session belongs on the board: not closed, or holding an alarm still open (a duress
/// check-out closes the session and opens the alarm).
pub fn on_board(view: &ServerView) -> bool {
    view.closed_at.is_none() || view.alarms.iter().any(|a| a.ended_at.is_none())
}

pub fn row(st: &SessionState, view: &ServerView, now: DateTime<Utc>) -> BoardRow {
    let alarms: Vec<BoardAlarm> = view
        .alarms
        .iter()
        .filter(|a| a.ended_at.is_none())
        .map(|a| BoardAlarm {
            alarm_id: alarm_id(st.session_id, &a.alarm),
            kind: alarm_kind(&a.alarm),
            raised_at: a.raised_at,
            acknowledged: a.acknowledged,
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
    let plan = st.plan.as_ref();
    BoardRow {
        session_id: st.session_id,
        household_id: plan.map(|p| p.household.household_id),
        address: plan.map(|p| p.household.address.clone()),
        household: plan.map(|p| p.household.masked_name.clone()),
        workers: plan
            .map(|p| p.participants.iter().map(|w| w.name.clone()).collect())
            .unwrap_or_default(),
        started_at: st.started_at,
        expected_return: view.expected_return,
        seconds_left: view.expected_return.map(|r| (r - now).num_seconds()),
        status,
        priority,
        alarms,
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
