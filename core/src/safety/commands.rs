//! Commands: validate a worker's or supervisor's input against the session state and produce the event
//! to append. Nothing here mutates anything; [`super::monitor::SafetyMonitor`] appends the events.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::advisory::DisasterAdvisory;
use super::assessment::{check_team, SafetyAssessment};
use super::config::{TeamSafetyConfig, MAX_SESSION_SECS, MIN_CHECKIN_SECS};
use super::event::{
    AdvisoryOverride, AlarmRef, EventKind, HouseholdRef, Participant, SafetyEvent, SessionPlan,
};
use super::pin::{PinMatch, WorkerPins};
use super::sms::mask_name;
use super::state::SessionState;
use crate::model::{new_id, ContactMode, GeoPoint, Household, Id, Worker};
use crate::{CoreError, CoreResult};

/// Who acts, from which device, where. `location` is raw (lat, lon): a bad fix never blocks a safety
/// event, it is dropped with a warning. `event_id` lets tests and replays supply the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    pub worker_id: Id,
    pub device_id: String,
    pub location: Option<(f64, f64)>,
    pub event_id: Option<Id>,
}

impl Actor {
    pub fn new(worker_id: Id, device_id: impl Into<String>) -> Self {
        Actor {
            worker_id,
            device_id: device_id.into(),
            location: None,
            event_id: None,
        }
    }

    pub fn at(mut self, lat: f64, lon: f64) -> Self {
        self.location = Some((lat, lon));
        self
    }

    pub fn with_event_id(mut self, id: Id) -> Self {
        self.event_id = Some(id);
        self
    }
}

/// An event ready to append, with warnings about input that was dropped (e.g. an invalid location).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub event: SafetyEvent,
    pub warnings: Vec<CoreError>,
}

/// What the phone gets back from a check-out. Identical for a normal and a duress check-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckOutReceipt {
    pub session_id: Id,
    pub worker_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(name = "checked_out_at_ms"))]
    pub checked_out_at: DateTime<Utc>,
    pub message_ko: String,
    pub message_en: String,
}

fn make_event(session_id: Id, actor: &Actor, now: DateTime<Utc>, kind: EventKind) -> Recorded {
    let mut warnings = Vec::new();
    let location = actor
        .location
        .and_then(|(lat, lon)| match GeoPoint::new(lat, lon) {
            Ok(p) => Some(p),
            Err(e) => {
                warnings.push(e);
                None
            }
        });
    Recorded {
        event: SafetyEvent {
            id: actor.event_id.unwrap_or_else(new_id),
            session_id,
            at: now,
            worker_id: Some(actor.worker_id),
            device_id: actor.device_id.clone(),
            location,
            kind,
        },
        warnings,
    }
}

fn no_open_session() -> CoreError {
    CoreError::invalid_transition(
        "no_open_session",
        "진행 중인 안전 세션이 없습니다",
        "there is no open safety session",
    )
}

fn check_return(expected_return: DateTime<Utc>, now: DateTime<Utc>) -> CoreResult<()> {
    if expected_return <= now {
        return Err(CoreError::invalid(
            "expected_return_in_past",
            "session.expected_return",
            "복귀 예정 시각이 현재보다 이전입니다",
            "the expected return is not in the future",
        ));
    }
    if expected_return - now > Duration::seconds(MAX_SESSION_SECS) {
        return Err(CoreError::invalid(
            "expected_return_too_far",
            "session.expected_return",
            "복귀 예정 시각은 12시간 이내여야 합니다",
            "the expected return must be within 12 hours",
        ));
    }
    Ok(())
}

/// A request to open a safety session for a visit.
#[derive(Debug, Clone)]
pub struct StartRequest<'a> {
    /// Supplied for determinism, else a new v7 id.
    pub session_id: Option<Id>,
    pub visit_id: Option<Id>,
    pub household: &'a Household,
    /// The household's district (구), for natural-disaster advisories.
    pub district_id: Id,
    pub contact_mode: ContactMode,
    pub workers: &'a [Worker],
    pub expected_return: DateTime<Utc>,
    pub checkin_interval_secs: Option<i64>,
    pub assessment: SafetyAssessment,
    /// Needed when an advisory is in force (자연재해 방문 자제 권고 무시 사유).
    pub advisory_override: Option<String>,
    /// The volunteer whose own regular visit this is (우리동네돌봄단·보라미 정기방문): two volunteers may
    /// then go without staff, and the ladder must reach the 동 team (a team-lead step with a contact),
    /// since the partner step only alerts the other volunteer.
    pub regular_volunteer: Option<Id>,
    pub config: &'a TeamSafetyConfig,
    pub advisories: &'a [DisasterAdvisory],
}

/// Validates a start and returns the start event. Refusals name what is wrong.
pub fn start(req: &StartRequest<'_>, actor: &Actor, now: DateTime<Utc>) -> CoreResult<Recorded> {
    if !req.contact_mode.needs_pair() {
        return Err(CoreError::invalid(
            "safety_session_not_home_visit",
            "session.contact_mode",
            "안전 세션은 가정방문에만 씁니다 (전화·내방은 해당 없음)",
            "safety sessions are for home visits only (not phone or centre contacts)",
        ));
    }
    check_team(
        req.workers,
        &req.household.risk_flags,
        req.regular_volunteer,
    )?;
    let staffed = req.workers.iter().any(Worker::leads_home_visit);
    if !staffed && req.config.team_lead_contacts().is_empty() {
        return Err(CoreError::invalid(
            "volunteer_session_needs_dong_team",
            "session.config.ladder",
            "봉사자 정기방문의 안전 세션은 동 주민센터 팀장에게 알려야 합니다 (팀장 연락처 필요)",
            "a volunteers' regular-visit session must escalate to the dong team (a team-lead contact is needed)",
        ));
    }
    if !req.workers.iter().any(|w| w.id == actor.worker_id) {
        return Err(CoreError::invalid(
            "starter_not_participant",
            "session.participants",
            "세션을 시작하는 직원이 방문 인원에 없습니다",
            "the worker starting the session is not on the visit",
        ));
    }
    check_return(req.expected_return, now)?;
    if let Some(iv) = req.checkin_interval_secs {
        if !(MIN_CHECKIN_SECS..=MAX_SESSION_SECS).contains(&iv) {
            return Err(CoreError::invalid(
                "checkin_interval_out_of_range",
                "session.checkin_interval_secs",
                format!("안부 확인 간격은 5분~12시간이어야 합니다 (입력: {iv}초)"),
                format!("the check-in interval must be 5 min – 12 h (got {iv} s)"),
            ));
        }
    }
    req.assessment.validate()?;
    req.config.validate()?;
    let mut advisory_overrides = Vec::new();
    for adv in req
        .advisories
        .iter()
        .filter(|a| a.applies(req.district_id, now))
    {
        match req
            .advisory_override
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reason) => advisory_overrides.push(AdvisoryOverride {
                advisory_id: adv.id,
                advisory_reason: adv.reason.clone(),
                override_reason: reason.to_owned(),
            }),
            None => {
                return Err(CoreError::invalid(
                    "disaster_advisory_active",
                    "session.advisory_override",
                    format!(
                        "자연재해 방문 자제 권고 중입니다 ({}). 방문하려면 사유를 입력하세요",
                        adv.reason
                    ),
                    format!(
                    "a natural-disaster advisory is in force ({}); give a reason to visit anyway",
                    adv.reason
                ),
                ))
            }
        }
    }
    let plan = SessionPlan {
        visit_id: req.visit_id,
        household: HouseholdRef {
            household_id: req.household.id,
            address: req.household.address.clone(),
            masked_name: mask_name(&req.household.head_name),
        },
        participants: req
            .workers
            .iter()
            .map(|w| Participant {
                worker_id: w.id,
                name: w.name.clone(),
                roles: w.roles.clone(),
                phone: w.phone.clone(),
            })
            .collect(),
        expected_return: req.expected_return,
        checkin_interval_secs: req.checkin_interval_secs,
        assessment: req.assessment.clone(),
        advisory_overrides,
        config: req.config.clone(),
    };
    let session_id = req.session_id.unwrap_or_else(new_id);
    Ok(make_event(
        session_id,
        actor,
        now,
        EventKind::Started(Box::new(plan)),
    ))
}

/// The session must be started, open, and the actor one of its people.
fn open_member(st: &SessionState, actor: &Actor) -> CoreResult<()> {
    let Some(plan) = &st.plan else {
        return Err(no_open_session());
    };
    if st.is_closed() {
        return Err(no_open_session());
    }
    if !plan
        .participants
        .iter()
        .any(|p| p.worker_id == actor.worker_id)
    {
        return Err(CoreError::invalid(
            "worker_not_in_session",
            "worker_id",
            "이 직원은 이 안전 세션의 방문 인원이 아닙니다",
            "this worker is not on this safety session",
        ));
    }
    Ok(())
}

/// A check-in, or the "I am safe" answer to a prompt.
pub fn check_in(st: &SessionState, actor: &Actor, now: DateTime<Utc>) -> CoreResult<Recorded> {
    open_member(st, actor)?;
    Ok(make_event(st.session_id, actor, now, EventKind::CheckedIn))
}

/// A new expected return (within 12 hours from now).
pub fn extend_return(
    st: &SessionState,
    actor: &Actor,
    expected_return: DateTime<Utc>,
    now: DateTime<Utc>,
) -> CoreResult<Recorded> {
    open_member(st, actor)?;
    check_return(expected_return, now)?;
    Ok(make_event(
        st.session_id,
        actor,
        now,
        EventKind::ReturnExtended { expected_return },
    ))
}

/// Check-out. With `pins` set for the worker, `pin` must be the normal or the duress PIN; with the duress
/// PIN the event is a [`EventKind::DuressCheckedOut`] but the receipt is exactly the normal one.
pub fn check_out(
    st: &SessionState,
    actor: &Actor,
    pin: Option<&str>,
    pins: Option<&WorkerPins>,
    now: DateTime<Utc>,
) -> CoreResult<(CheckOutReceipt, Recorded)> {
    open_member(st, actor)?;
    let matched = match pins {
        None => PinMatch::Normal,
        Some(p) => {
            if p.worker_id != actor.worker_id {
                return Err(CoreError::invalid(
                    "pin_worker_mismatch",
                    "pin.worker_id",
                    "다른 직원의 PIN 정보입니다",
                    "these PINs belong to another worker",
                ));
            }
            let pin = pin.ok_or_else(|| {
                CoreError::invalid(
                    "pin_required",
                    "pin",
                    "복귀 처리에 PIN이 필요합니다",
                    "a PIN is required to check out",
                )
            })?;
            p.verify(pin)?
        }
    };
    let kind = match matched {
        PinMatch::Normal => EventKind::CheckedOut,
        PinMatch::Duress => EventKind::DuressCheckedOut,
    };
    let receipt = CheckOutReceipt {
        session_id: st.session_id,
        worker_id: actor.worker_id,
        checked_out_at: now,
        message_ko: "복귀 처리되었습니다. 수고하셨습니다.".to_owned(),
        message_en: "Checked out. Thank you.".to_owned(),
    };
    Ok((receipt, make_event(st.session_id, actor, now, kind)))
}

/// SOS. Accepted for any started session, open or closed: an SOS is never refused for the session's
/// state.
pub fn sos(st: &SessionState, actor: &Actor, now: DateTime<Utc>) -> CoreResult<Recorded> {
    if st.plan.is_none() {
        return Err(no_open_session());
    }
    Ok(make_event(st.session_id, actor, now, EventKind::Sos))
}

/// Withdraws an SOS. From the device that raised it, a reason is required.
pub fn cancel_sos(
    st: &SessionState,
    actor: &Actor,
    sos_event_id: Id,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> CoreResult<Recorded> {
    let alarm = st
        .alarms
        .iter()
        .find(|a| {
            a.alarm
                == AlarmRef::Sos {
                    event_id: sos_event_id,
                }
        })
        .ok_or_else(alarm_not_found)?;
    if alarm.ended.is_some() {
        return Err(alarm_ended());
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if alarm.device_id == actor.device_id && reason.is_none() {
        return Err(CoreError::invalid(
            "sos_cancel_reason_required",
            "reason",
            "SOS를 보낸 기기에서 취소하려면 사유를 입력해야 합니다",
            "cancelling an SOS from the device that raised it needs a reason",
        ));
    }
    Ok(make_event(
        st.session_id,
        actor,
        now,
        EventKind::SosCancelled {
            sos_event_id,
            reason: reason.map(str::to_owned),
        },
    ))
}

fn alarm_not_found() -> CoreError {
    CoreError::invalid(
        "alarm_not_found",
        "alarm",
        "해당 경보가 없습니다",
        "no such alarm",
    )
}

fn alarm_ended() -> CoreError {
    CoreError::invalid_transition(
        "alarm_already_ended",
        "이미 종료된 경보입니다",
        "the alarm has already ended",
    )
}

fn alarm_exists(st: &SessionState, alarm: AlarmRef, now: DateTime<Utc>) -> CoreResult<()> {
    let exists = match alarm {
        AlarmRef::Overdue { due } => {
            due <= now
                && (st.due_at() == Some(due) || st.resolved_episodes.iter().any(|e| e.due == due))
        }
        other => st.alarms.iter().any(|a| a.alarm == other),
    };
    if exists {
        Ok(())
    } else {
        Err(alarm_not_found())
    }
}

/// A partner or supervisor acknowledges an alarm: its escalation stops.
pub fn acknowledge(
    st: &SessionState,
    actor: &Actor,
    alarm: AlarmRef,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> CoreResult<Recorded> {
    alarm_exists(st, alarm, now)?;
    Ok(make_event(
        st.session_id,
        actor,
        now,
        EventKind::Acknowledged {
            alarm,
            note: note.map(str::to_owned),
        },
    ))
}

/// A supervisor closes an SOS or duress alarm after confirming the worker is safe; a note is required.
pub fn resolve(
    st: &SessionState,
    actor: &Actor,
    alarm: AlarmRef,
    note: &str,
    now: DateTime<Utc>,
) -> CoreResult<Recorded> {
    if matches!(alarm, AlarmRef::Overdue { .. }) {
        return Err(CoreError::invalid(
            "alarm_not_resolvable",
            "alarm",
            "복귀 지연 경보는 직원의 응답·복귀로 해제됩니다",
            "an overdue alarm ends when the worker answers or checks out",
        ));
    }
    alarm_exists(st, alarm, now)?;
    if st
        .alarms
        .iter()
        .any(|a| a.alarm == alarm && a.ended.is_some())
    {
        return Err(alarm_ended());
    }
    if note.trim().is_empty() {
        return Err(CoreError::invalid(
            "resolution_note_required",
            "note",
            "경보 종료에는 확인 내용이 필요합니다",
            "closing an alarm needs a note",
        ));
    }
    Ok(make_event(
        st.session_id,
        actor,
        now,
        EventKind::AlarmResolved {
            alarm,
            note: note.trim().to_owned(),
        },
    ))
}
