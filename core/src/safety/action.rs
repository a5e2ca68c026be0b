//! What a tick asks the shell (or the server) to do, with the texts and recipients composed offline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::{Contact, LadderTarget};
use super::event::{ActionKey, AlarmRef, EventKind, SafetyEvent, SessionPlan};
use super::ids::derive_id;
use super::sms::{kst, AlertText};
use super::state::{AlarmState, SessionState};
use crate::model::Id;

/// One thing to do now. `record` is the [`EventKind::AlertIssued`] event that the monitor has already
/// added to the session's log; the shell stores and syncs it like any other event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyAction {
    pub session_id: Id,
    pub key: ActionKey,
    /// When it fell due (may be before `now` if the tick was late).
    pub due_at: DateTime<Utc>,
    pub kind: ActionKind,
    pub record: SafetyEvent,
}

/// The kinds of action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SafetyActionKind"))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionKind {
    /// Ask the workers on their phones "are you safe?" (안전 확인 요청).
    PromptWorker {
        worker_ids: Vec<Id>,
        message_ko: String,
        message_en: String,
    },
    /// Escalation step `step` (1-based): send `sms_text` to `recipients`. For the emergency step,
    /// `emergency_numbers` lists 112/119 as guidance for the recipients; the core never dials.
    EscalationStep {
        step: u32,
        target: LadderTarget,
        recipients: Vec<Contact>,
        sms_text: String,
        emergency_numbers: Vec<String>,
    },
    /// SOS: alert the partner(s) and the team lead at once.
    SosAlarm {
        recipients: Vec<Contact>,
        sms_text: String,
    },
    /// Duress: send to the team lead **without any sign on the device** (no sound, no notification, no
    /// entry in the phone's history). The server shows it loudly on the supervisors' dashboard.
    SilentAlarm {
        recipients: Vec<Contact>,
        sms_text: String,
    },
    /// The `n`-th repeat of an unacknowledged alarm. `silent` for a duress alarm (same rule as above).
    RepeatAlert {
        alarm: AlarmRef,
        n: u32,
        silent: bool,
        recipients: Vec<Contact>,
        sms_text: String,
    },
    /// The alarm is over (the worker answered or checked out late; an SOS was withdrawn).
    AllClear {
        alarm: AlarmRef,
        recipients: Vec<Contact>,
        sms_text: String,
    },
}

impl ActionKind {
    /// Must never be shown on the device (duress).
    pub fn is_silent(&self) -> bool {
        matches!(
            self,
            ActionKind::SilentAlarm { .. } | ActionKind::RepeatAlert { silent: true, .. }
        )
    }
}

fn push_unique(out: &mut Vec<Contact>, c: Contact) {
    if !out.iter().any(|o| o.phone == c.phone) {
        out.push(c);
    }
}

fn participants_except(plan: &SessionPlan, except: Option<Id>) -> Vec<Contact> {
    let mut out = Vec::new();
    for p in &plan.participants {
        if Some(p.worker_id) == except {
            continue;
        }
        if let Some(phone) = &p.phone {
            push_unique(&mut out, Contact::new(p.name.clone(), phone.clone()));
        }
    }
    out
}

fn step_recipients(plan: &SessionPlan, index: usize) -> Vec<Contact> {
    let Some(step) = plan.config.ladder.get(index) else {
        return Vec::new();
    };
    let mut out = if step.target == LadderTarget::Partner {
        participants_except(plan, None)
    } else {
        Vec::new()
    };
    for c in &step.contacts {
        push_unique(&mut out, c.clone());
    }
    out
}

/// The team lead; if the ladder has no team-lead step, the first step with contacts of its own.
fn lead_recipients(plan: &SessionPlan) -> Vec<Contact> {
    let lead = plan.config.team_lead_contacts();
    if !lead.is_empty() {
        return lead;
    }
    plan.config
        .ladder
        .iter()
        .find(|s| !s.contacts.is_empty())
        .map(|s| s.contacts.clone())
        .unwrap_or_default()
}

fn sos_recipients(plan: &SessionPlan, a: &AlarmState) -> Vec<Contact> {
    let mut out = participants_except(plan, a.raised_by);
    for c in lead_recipients(plan) {
        push_unique(&mut out, c);
    }
    out
}

fn name_of(plan: &SessionPlan, worker: Option<Id>) -> String {
    worker
        .and_then(|w| plan.participants.iter().find(|p| p.worker_id == w))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| "?".to_owned())
}

/// Is the deadline `due` the expected return (rather than a periodic check-in)?
fn is_return(st: &SessionState, due: DateTime<Utc>) -> bool {
    st.expected_return.is_some_and(|r| due >= r)
}

fn overdue_since(st: &SessionState, due: DateTime<Utc>) -> (String, String) {
    match st.expected_return {
        // A re-check after the return time had passed and the worker had answered once.
        Some(ret) if due > ret => (
            format!("복귀 예정 {} 경과, {} 이후 응답 없음", kst(ret), kst(due)),
            format!(
                "Expected back at {} KST; no response since {} KST",
                kst(ret),
                kst(due)
            ),
        ),
        Some(ret) if due == ret => (
            format!("복귀 예정 {} 이후 응답 없음", kst(due)),
            format!("No response since the expected return at {} KST", kst(due)),
        ),
        _ => (
            format!("안부 확인 기한 {} 이후 응답 없음", kst(due)),
            format!("No response since the check-in due at {} KST", kst(due)),
        ),
    }
}

fn overdue_text(
    plan: &SessionPlan,
    st: &SessionState,
    due: DateTime<Utc>,
    step: usize,
    repeat: Option<u32>,
) -> String {
    let target = plan.config.ladder.get(step).map(|s| s.target);
    let (since_ko, since_en) = overdue_since(st, due);
    let (tko, ten) = target.map_or(("?", "?"), |t| (t.label_ko(), t.label_en()));
    AlertText {
        plan,
        repeat,
        headline_ko: format!("방문인력 복귀 미확인 – {}단계({tko})", step + 1),
        headline_en: format!("Field worker not back – step {} ({ten})", step + 1),
        since_ko,
        since_en,
        location: None,
        emergency_guidance: target == Some(LadderTarget::Emergency),
    }
    .compose()
}

fn alarm_text(plan: &SessionPlan, a: &AlarmState, repeat: Option<u32>) -> String {
    let who = name_of(plan, a.raised_by);
    let (headline_ko, headline_en, emergency) = match a.alarm {
        AlarmRef::Duress { .. } => (
            format!("무음 경보 – {who} 위협 상황 의심. 직원에게 바로 전화하지 마세요"),
            format!("SILENT alarm – {who} may be under threat. Do not call the worker directly"),
            true,
        ),
        _ => (
            format!("긴급호출(SOS) – {who}"),
            format!("EMERGENCY (SOS) – {who}"),
            true,
        ),
    };
    AlertText {
        plan,
        repeat,
        headline_ko,
        headline_en,
        since_ko: format!("{} 발생", kst(a.raised_at)),
        since_en: format!("Raised at {} KST", kst(a.raised_at)),
        location: a.location,
        emergency_guidance: emergency,
    }
    .compose()
}

/// Builds the action for `key`, due at `due_at`, issued by `origin` at `now`. `None` if the session lacks
/// what the key refers to (cannot happen for keys from [`super::schedule::schedule`]).
pub(crate) fn build(
    st: &SessionState,
    origin: &str,
    key: ActionKey,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<SafetyAction> {
    let plan = st.plan.as_ref()?;
    let find_alarm = |alarm: AlarmRef| st.alarms.iter().find(|a| a.alarm == alarm);
    let kind = match key {
        ActionKey::Prompt { due } => {
            let grace_min = plan.config.grace_secs / 60;
            let (message_ko, message_en) = if is_return(st, due) {
                (
                    format!("안전하신가요? 복귀 예정 시각({})이 지났습니다. '안전' 응답 또는 복귀 처리를 해 주세요. {grace_min}분 안에 응답이 없으면 팀에 알립니다.", kst(due)),
                    format!("Are you safe? Your expected return ({} KST) has passed. Answer 'safe' or check out; without an answer in {grace_min} min your team is alerted.", kst(due)),
                )
            } else {
                (
                    format!("안전하신가요? 정기 안부 확인 시각({})입니다. {grace_min}분 안에 응답이 없으면 팀에 알립니다.", kst(due)),
                    format!("Are you safe? A check-in is due ({} KST); without an answer in {grace_min} min your team is alerted.", kst(due)),
                )
            };
            ActionKind::PromptWorker {
                worker_ids: plan.participants.iter().map(|p| p.worker_id).collect(),
                message_ko,
                message_en,
            }
        }
        ActionKey::Escalation { due, step } => {
            let i = usize::try_from(step).ok()?.checked_sub(1)?;
            let target = plan.config.ladder.get(i)?.target;
            ActionKind::EscalationStep {
                step,
                target,
                recipients: step_recipients(plan, i),
                sms_text: overdue_text(plan, st, due, i, None),
                emergency_numbers: if target == LadderTarget::Emergency {
                    vec!["112".to_owned(), "119".to_owned()]
                } else {
                    Vec::new()
                },
            }
        }
        ActionKey::Sos { event_id } => {
            let a = find_alarm(AlarmRef::Sos { event_id })?;
            ActionKind::SosAlarm {
                recipients: sos_recipients(plan, a),
                sms_text: alarm_text(plan, a, None),
            }
        }
        ActionKey::Silent { event_id } => {
            let a = find_alarm(AlarmRef::Duress { event_id })?;
            ActionKind::SilentAlarm {
                recipients: lead_recipients(plan),
                sms_text: alarm_text(plan, a, None),
            }
        }
        ActionKey::Repeat { alarm, n } => {
            let (recipients, text, silent) = match alarm {
                AlarmRef::Overdue { due } => {
                    let last = plan.config.ladder.len().checked_sub(1)?;
                    (
                        step_recipients(plan, last),
                        overdue_text(plan, st, due, last, Some(n)),
                        false,
                    )
                }
                AlarmRef::Sos { .. } => {
                    let a = find_alarm(alarm)?;
                    (sos_recipients(plan, a), alarm_text(plan, a, Some(n)), false)
                }
                AlarmRef::Duress { .. } => {
                    let a = find_alarm(alarm)?;
                    (lead_recipients(plan), alarm_text(plan, a, Some(n)), true)
                }
            };
            ActionKind::RepeatAlert {
                alarm,
                n,
                silent,
                recipients,
                sms_text: text,
            }
        }
        ActionKey::AllClear { alarm } => {
            let (recipients, headline_ko, headline_en) = match alarm {
                AlarmRef::Overdue { due } => {
                    // Everyone this origin alerted for the episode.
                    let mut out = Vec::new();
                    for i in 0..plan.config.ladder.len() {
                        let step = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        if st.has_issued(origin, &ActionKey::Escalation { due, step }) {
                            for c in step_recipients(plan, i) {
                                push_unique(&mut out, c);
                            }
                        }
                    }
                    (
                        out,
                        format!("상황 해제 – 직원 응답 확인 ({})", kst(due_at)),
                        format!("All clear – the worker responded ({} KST)", kst(due_at)),
                    )
                }
                AlarmRef::Sos { .. } => {
                    let a = find_alarm(alarm)?;
                    let reason = a.ended.as_ref().map_or("", |(_, r)| r.as_str());
                    (
                        sos_recipients(plan, a),
                        format!("SOS 취소 – 사유: {reason}"),
                        format!("SOS withdrawn – reason: {reason}"),
                    )
                }
                AlarmRef::Duress { .. } => return None,
            };
            ActionKind::AllClear {
                alarm,
                recipients,
                sms_text: AlertText {
                    plan,
                    repeat: None,
                    headline_ko,
                    headline_en,
                    since_ko: String::new(),
                    since_en: String::new(),
                    location: None,
                    emergency_guidance: false,
                }
                .compose(),
            }
        }
    };
    let id_key = key.id_bytes();
    let record = SafetyEvent {
        id: derive_id(
            due_at,
            &[
                st.session_id.as_bytes(),
                origin.as_bytes(),
                id_key.as_slice(),
            ],
        ),
        session_id: st.session_id,
        at: now,
        worker_id: None,
        device_id: origin.to_owned(),
        location: None,
        kind: EventKind::AlertIssued { key },
    };
    Some(SafetyAction {
        session_id: st.session_id,
        key,
        due_at,
        kind,
        record,
    })
}
