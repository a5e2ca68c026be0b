//! Server-side alarm records (경보 기록) and the notices the live feed and the notifier carry.
//!
//! An alarm is identified by its session and its [`AlarmRef`] (the overdue episode, the SOS event, the
//! duress check-out); [`alarm_id`] turns that pair into a stable UUID, the same after a restart, so a
//! dashboard can acknowledge by id.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::safety::action::ActionKind;
use donghaeng_core::safety::ids::derive_id;
use donghaeng_core::safety::view::AlarmView;
use donghaeng_core::safety::{ActionKey, AlarmRef, Contact, SafetyAction, SessionState};

/// The stable id of an alarm.
pub fn alarm_id(session_id: Uuid, alarm: &AlarmRef) -> Uuid {
    let key = serde_json::to_string(alarm).unwrap_or_default();
    derive_id(
        DateTime::<Utc>::UNIX_EPOCH,
        &[b"alarm", session_id.as_bytes(), key.as_bytes()],
    )
}

/// `overdue`, `sos` or `duress`.
pub fn alarm_kind(alarm: &AlarmRef) -> &'static str {
    match alarm {
        AlarmRef::Overdue { .. } => "overdue",
        AlarmRef::Sos { .. } => "sos",
        AlarmRef::Duress { .. } => "duress",
    }
}

/// One alarm as `GET /v1/safety/alarms` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmRecord {
    pub alarm_id: Uuid,
    pub session_id: Uuid,
    pub household_id: Option<Uuid>,
    pub kind: &'static str,
    pub alarm: AlarmRef,
    pub raised_at: DateTime<Utc>,
    pub acknowledged: bool,
    /// When it ended (late check-in or check-out, SOS withdrawn, resolved); `None` while open.
    pub ended_at: Option<DateTime<Utc>>,
    /// The session's status at the time of the answer (`escalating`, `closed` …).
    pub session_status: String,
    pub expected_return: Option<DateTime<Utc>>,
}

impl AlarmRecord {
    pub fn of(st: &SessionState, a: &AlarmView, now: DateTime<Utc>) -> Self {
        AlarmRecord {
            alarm_id: alarm_id(st.session_id, &a.alarm),
            session_id: st.session_id,
            household_id: st.plan.as_ref().map(|p| p.household.household_id),
            kind: alarm_kind(&a.alarm),
            alarm: a.alarm,
            raised_at: a.raised_at,
            acknowledged: a.acknowledged,
            ended_at: a.ended_at,
            session_status: st.status_at(now).code().to_owned(),
            expected_return: st.expected_return,
        }
    }
}

/// What happened to an alarm: the live feed's event and the webhook's body.
///
/// It carries ids, the kind of alarm, the step, times, and — for notices that ask someone to act — the
/// SMS the core composed and its recipients (name and phone), which is exactly what an SMS gateway
/// behind the webhook needs. The SMS text names the worker, the household's address and its masked head
/// (김○○); no other personal data (no case details, no amounts) is ever in a notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmNotice {
    pub alarm_id: Uuid,
    pub session_id: Uuid,
    pub household_id: Option<Uuid>,
    /// `overdue`, `sos` or `duress`.
    pub alarm_kind: &'static str,
    pub alarm: AlarmRef,
    /// `raised`, `escalated`, `repeated`, `all_clear`, `acknowledged`, `resolved` or `withdrawn`.
    pub event: &'static str,
    /// The escalation step (1-based) for `raised`/`escalated` overdue notices, the repeat number for
    /// `repeated`.
    pub step: Option<u32>,
    /// Who the step targets (`partner`, `team_lead`, `dong_head`, `emergency`).
    pub target: Option<String>,
    /// When it fell due on the server's clock.
    pub at: DateTime<Utc>,
    /// Present when someone must be told: the composed SMS and who to send it to.
    pub sms: Option<Sms>,
    /// 112/119 when the step is the emergency guidance step.
    pub emergency_numbers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sms {
    pub recipients: Vec<Contact>,
    pub text: String,
}

fn sms(recipients: &[Contact], text: &str) -> Option<Sms> {
    Some(Sms {
        recipients: recipients.to_vec(),
        text: text.to_owned(),
    })
}

/// The notice of an action the server's monitor issued, or `None` for actions that concern only the
/// worker's phone (the "are you safe?" prompt: the server cannot reach a dead phone, and supervisors
/// hear only when the grace period is over).
pub fn notice_of(st: &SessionState, action: &SafetyAction) -> Option<AlarmNotice> {
    let household_id = st.plan.as_ref().map(|p| p.household.household_id);
    let make = |alarm: AlarmRef, event, step, target: Option<String>, sms, numbers| AlarmNotice {
        alarm_id: alarm_id(st.session_id, &alarm),
        session_id: st.session_id,
        household_id,
        alarm_kind: alarm_kind(&alarm),
        alarm,
        event,
        step,
        target,
        at: action.due_at,
        sms,
        emergency_numbers: numbers,
    };
    Some(match (&action.key, &action.kind) {
        (ActionKey::Prompt { .. }, _) => return None,
        (
            ActionKey::Escalation { due, step },
            ActionKind::EscalationStep {
                target,
                recipients,
                sms_text,
                emergency_numbers,
                ..
            },
        ) => make(
            AlarmRef::Overdue { due: *due },
            if *step == 1 { "raised" } else { "escalated" },
            Some(*step),
            Some(target.code().to_owned()),
            sms(recipients, sms_text),
            emergency_numbers.clone(),
        ),
        (
            ActionKey::Sos { event_id },
            ActionKind::SosAlarm {
                recipients,
                sms_text,
            },
        ) => make(
            AlarmRef::Sos {
                event_id: *event_id,
            },
            "raised",
            None,
            None,
            sms(recipients, sms_text),
            vec![],
        ),
        (
            ActionKey::Silent { event_id },
            ActionKind::SilentAlarm {
                recipients,
                sms_text,
            },
        ) => make(
            AlarmRef::Duress {
                event_id: *event_id,
            },
            "raised",
            None,
            None,
            sms(recipients, sms_text),
            vec![],
        ),
        (
            ActionKey::Repeat { alarm, n },
            ActionKind::RepeatAlert {
                recipients,
                sms_text,
                ..
            },
        ) => make(
            *alarm,
            "repeated",
            Some(*n),
            None,
            sms(recipients, sms_text),
            vec![],
        ),
        (
            ActionKey::AllClear { alarm },
            ActionKind::AllClear {
                recipients,
                sms_text,
                ..
            },
        ) => make(
            *alarm,
            "all_clear",
            None,
            None,
            sms(recipients, sms_text),
            vec![],
        ),
        _ => return None,
    })
}

/// The notice of an event a person recorded about an alarm (acknowledged, resolved, withdrawn): no SMS,
/// the feed only tells the dashboards.
pub fn notice_of_event(
    st: &SessionState,
    alarm: AlarmRef,
    event: &'static str,
    at: DateTime<Utc>,
) -> AlarmNotice {
    AlarmNotice {
        alarm_id: alarm_id(st.session_id, &alarm),
        session_id: st.session_id,
        household_id: st.plan.as_ref().map(|p| p.household.household_id),
        alarm_kind: alarm_kind(&alarm),
        alarm,
        event,
        step: None,
        target: None,
        at,
        sms: None,
        emergency_numbers: vec![],
    }
}
