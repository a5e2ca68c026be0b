//! Worker safety (방문인력 안전관리) for the shells: a [`SafetySession`] over the core's `SafetyMonitor`
//! (start, check-in, check-out with PIN, SOS, `tick(now)`, `next_deadline`), and the
//! foreign trait [`SafetyAlarmListener`] the app implements to receive the actions a tick issues and
//! the deadline to set its OS alarm to. Every rule, text and deadline is the core's.
//!
//! Persistence: every event of the session (the start, each check-in, the alerts a tick issues …) is
//! recorded in the store's `safety_events` log ([`donghaeng_core::store::safety_events`]) as soon as it
//! happens, so it reaches the server at the next sync and survives the app being killed:
//! [`resume_safety_session`] rebuilds the session from the store, and alerts already issued are not
//! issued again. There is no file of the app's own.
//!
//! Duress: the core makes a duress check-out look exactly like a normal one on the phone. Actions with
//! `silent = true` must be sent (SMS) **without any sign on the device**; [`SafetyStatus`] never shows
//! them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use donghaeng_core::model::Id;
use donghaeng_core::safety as sf;
use donghaeng_core::store::phone_safety::{PhoneSafety, VisitStart as PhoneVisitStart};

use crate::convert::*;
use crate::enums::ContactMode;
use crate::error::{DonghaengError, FfiResult, ListenerError};
use crate::schedule::mirror_code_enum;
use crate::store::DonghaengStore;

mirror_code_enum! {
    /// A session's state as the phone may show it.
    SafetySessionStatus => sf::SessionStatus {
        Pending, Open, CheckInDue, Escalating, Acknowledged, Closed,
    }
}

mirror_code_enum! {
    /// Who a step of the escalation ladder alerts.
    LadderTarget => sf::LadderTarget { Partner, TeamLead, DongHead, Emergency }
}

/// Someone an alert is sent to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SafetyContact {
    pub name: String,
    pub phone: String,
}

impl From<sf::Contact> for SafetyContact {
    fn from(c: sf::Contact) -> Self {
        SafetyContact {
            name: c.name,
            phone: c.phone,
        }
    }
}

/// An alarm of a session (as a tick's actions name it). Alarms are acknowledged and resolved by
/// supervisors on the server (`POST /v1/safety/alarms/{id}/ack`), never by a phone's event: the
/// server refuses such an event from a field phone (docs/threat-model.md).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SafetyAlarmRef {
    /// The overdue episode whose deadline was `due_ms`.
    Overdue {
        due_ms: i64,
    },
    Sos {
        event_id: String,
    },
    Duress {
        event_id: String,
    },
}

impl From<sf::AlarmRef> for SafetyAlarmRef {
    fn from(a: sf::AlarmRef) -> Self {
        match a {
            sf::AlarmRef::Overdue { due } => SafetyAlarmRef::Overdue { due_ms: ms(due) },
            sf::AlarmRef::Sos { event_id } => SafetyAlarmRef::Sos {
                event_id: id_str(event_id),
            },
            sf::AlarmRef::Duress { event_id } => SafetyAlarmRef::Duress {
                event_id: id_str(event_id),
            },
        }
    }
}

/// What a tick asks the shell to do, texts and recipients composed by the core.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SafetyActionKind {
    /// Ask the workers on their phones "are you safe?" (안전 확인 요청).
    PromptWorker {
        worker_ids: Vec<String>,
        message_ko: String,
        message_en: String,
    },
    /// Escalation step `step` (1-based): send `sms_text` to `recipients`; `emergency_numbers` is 112/119
    /// guidance for the recipients (the core never dials).
    EscalationStep {
        step: u32,
        target: LadderTarget,
        recipients: Vec<SafetyContact>,
        sms_text: String,
        emergency_numbers: Vec<String>,
    },
    /// SOS: alert the partner(s) and the team lead at once.
    SosAlarm {
        recipients: Vec<SafetyContact>,
        sms_text: String,
    },
    /// Duress: send to the team lead with no sign on the device.
    SilentAlarm {
        recipients: Vec<SafetyContact>,
        sms_text: String,
    },
    /// The `n`-th repeat of an unacknowledged alarm.
    RepeatAlert {
        alarm: SafetyAlarmRef,
        n: u32,
        silent: bool,
        recipients: Vec<SafetyContact>,
        sms_text: String,
    },
    /// The alarm is over.
    AllClear {
        alarm: SafetyAlarmRef,
        recipients: Vec<SafetyContact>,
        sms_text: String,
    },
}

fn contacts(c: Vec<sf::Contact>) -> Vec<SafetyContact> {
    c.into_iter().map(SafetyContact::from).collect()
}

impl From<sf::ActionKind> for SafetyActionKind {
    fn from(k: sf::ActionKind) -> Self {
        use sf::ActionKind as K;
        match k {
            K::PromptWorker {
                worker_ids,
                message_ko,
                message_en,
            } => SafetyActionKind::PromptWorker {
                worker_ids: worker_ids.into_iter().map(id_str).collect(),
                message_ko,
                message_en,
            },
            K::EscalationStep {
                step,
                target,
                recipients,
                sms_text,
                emergency_numbers,
            } => SafetyActionKind::EscalationStep {
                step,
                target: target.into(),
                recipients: contacts(recipients),
                sms_text,
                emergency_numbers,
            },
            K::SosAlarm {
                recipients,
                sms_text,
            } => SafetyActionKind::SosAlarm {
                recipients: contacts(recipients),
                sms_text,
            },
            K::SilentAlarm {
                recipients,
                sms_text,
            } => SafetyActionKind::SilentAlarm {
                recipients: contacts(recipients),
                sms_text,
            },
            K::RepeatAlert {
                alarm,
                n,
                silent,
                recipients,
                sms_text,
            } => SafetyActionKind::RepeatAlert {
                alarm: alarm.into(),
                n,
                silent,
                recipients: contacts(recipients),
                sms_text,
            },
            K::AllClear {
                alarm,
                recipients,
                sms_text,
            } => SafetyActionKind::AllClear {
                alarm: alarm.into(),
                recipients: contacts(recipients),
                sms_text,
            },
        }
    }
}

/// One thing to do now.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SafetyAction {
    pub session_id: String,
    /// When it fell due (before `now` if the tick was late).
    pub due_at_ms: i64,
    /// Must never be shown on the device (duress): send it without sound, notification or history.
    pub silent: bool,
    pub kind: SafetyActionKind,
}

impl From<sf::SafetyAction> for SafetyAction {
    fn from(a: sf::SafetyAction) -> Self {
        SafetyAction {
            session_id: id_str(a.session_id),
            due_at_ms: ms(a.due_at),
            silent: a.kind.is_silent(),
            kind: a.kind.into(),
        }
    }
}

/// The phone's view of the session (a duress check-out looks like a normal one here).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SafetyStatus {
    pub session_id: String,
    pub status: SafetySessionStatus,
    pub expected_return_ms: Option<i64>,
    /// The next deadline (return or check-in) while open.
    pub next_due_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    /// SOS alarms raised and not over.
    pub open_sos: Vec<String>,
}

impl From<sf::DeviceView> for SafetyStatus {
    fn from(v: sf::DeviceView) -> Self {
        SafetyStatus {
            session_id: id_str(v.session_id),
            status: v.status.into(),
            expected_return_ms: opt_ms(v.expected_return),
            next_due_ms: opt_ms(v.next_due),
            closed_at_ms: opt_ms(v.closed_at),
            open_sos: v.open_sos.into_iter().map(id_str).collect(),
        }
    }
}

/// The pre-visit safety assessment (안전사정); every item must be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SafetyAssessment {
    pub risk_flags_reviewed: bool,
    pub plan_shared_with_lead: bool,
    pub phone_ready: bool,
    pub exit_plan_agreed: bool,
    #[uniffi(default)]
    pub concerns: Option<String>,
}

impl From<SafetyAssessment> for sf::SafetyAssessment {
    fn from(a: SafetyAssessment) -> Self {
        sf::SafetyAssessment {
            risk_flags_reviewed: a.risk_flags_reviewed,
            plan_shared_with_lead: a.plan_shared_with_lead,
            phone_ready: a.phone_ready,
            exit_plan_agreed: a.exit_plan_agreed,
            concerns: a.concerns,
        }
    }
}

/// What opens a session for a home visit. Household, workers, district, the team's published
/// escalation ladder and the disaster advisories in force are read from the store.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SafetyStartRequest {
    pub household_id: String,
    /// Everyone going, the starter included.
    pub worker_ids: Vec<String>,
    /// The worker starting the session on this phone.
    pub starter_id: String,
    pub expected_return_ms: i64,
    pub assessment: SafetyAssessment,
    /// Team lead and 동장 for the standard ladder (partner → team lead → 동장 → 112/119 guidance),
    /// used only while no ladder is published for the starter's team; neither: `safety_ladder_missing`.
    #[uniffi(default)]
    pub team_lead: Option<SafetyContact>,
    #[uniffi(default)]
    pub dong_head: Option<SafetyContact>,
    #[uniffi(default)]
    pub visit_id: Option<String>,
    #[uniffi(default)]
    pub checkin_interval_secs: Option<i64>,
    #[uniffi(default)]
    pub advisory_override: Option<String>,
    /// The volunteer whose own regular visit this is: two volunteers may go without staff, escalating
    /// to the team lead (the 동 team).
    #[uniffi(default)]
    pub regular_volunteer: Option<String>,
    /// Safety sessions are for home visits (the core refuses others).
    pub contact_mode: ContactMode,
}

/// What the phone gets back from a check-out: identical for a normal and a duress PIN.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckOutReceipt {
    pub session_id: String,
    pub worker_id: String,
    pub checked_out_at_ms: i64,
    pub message_ko: String,
    pub message_en: String,
}

/// Implemented by the app: receives every action a tick issues, and the next deadline whenever it may
/// have changed (set the OS exact alarm / local notification to it; null = none). A listener that
/// throws never stops the session: the action is still returned by `tick` and the failure is counted.
#[uniffi::export(with_foreign)]
pub trait SafetyAlarmListener: Send + Sync {
    fn on_action(&self, action: SafetyAction) -> Result<(), ListenerError>;
    fn on_next_deadline(&self, deadline_ms: Option<i64>) -> Result<(), ListenerError>;
}

struct Inner {
    phone: PhoneSafety,
    /// Where the session's events are recorded (from `start` or `resume_safety_session` on).
    store: Option<Arc<DonghaengStore>>,
}

impl Inner {
    /// Records what is not yet in the store; a failure is retried after the next command or tick
    /// (the core's [`PhoneSafety::record`]).
    fn save(&mut self) {
        if let Some(db) = self.store.as_ref().and_then(|s| s.store().ok()) {
            let _ = self.phone.record(&db);
        }
    }
}

/// One visit's safety session on this phone. Create it, `start` it, then call `tick(now)` when the OS
/// alarm set to `next_deadline_ms` fires (and on app resume). Thread-safe.
#[derive(uniffi::Object)]
pub struct SafetySession {
    device_id: String,
    inner: Mutex<Inner>,
    listener: Option<Arc<dyn SafetyAlarmListener>>,
    listener_failures: AtomicU64,
}

impl std::fmt::Debug for SafetySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafetySession").finish_non_exhaustive()
    }
}

impl SafetySession {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn actor(&self, field: &str, worker_id: &str) -> FfiResult<sf::Actor> {
        Ok(sf::Actor::new(
            id(field, worker_id)?,
            self.device_id.clone(),
        ))
    }

    fn listen(&self, r: Result<(), ListenerError>) {
        if r.is_err() {
            self.listener_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Tells the listener the next deadline (after the lock is released: the listener may call back).
    fn announce_deadline(&self, deadline: Option<DateTime<Utc>>) {
        if let Some(l) = &self.listener {
            self.listen(l.on_next_deadline(opt_ms(deadline)));
        }
    }

    /// Runs a command on the open session, then reports the new status and deadline.
    /// Runs a command on the open session, then reports the new status and deadline; the
    /// command's own answer comes back beside the status.
    fn command<T>(
        &self,
        now_ms: i64,
        f: impl FnOnce(&mut Inner, Id, DateTime<Utc>) -> FfiResult<T>,
    ) -> FfiResult<(SafetyStatus, T)> {
        let now = instant("now_ms", now_ms)?;
        let (out, status, deadline) = {
            let mut inner = self.lock();
            let sid = inner.phone.open_session()?;
            let out = f(&mut inner, sid, now)?;
            inner.save();
            let (status, deadline) = status_of(&inner, now)?;
            (out, status, deadline)
        };
        self.announce_deadline(deadline);
        Ok((status, out))
    }
}

fn status_of(
    inner: &Inner,
    now: DateTime<Utc>,
) -> FfiResult<(SafetyStatus, Option<DateTime<Utc>>)> {
    Ok((
        inner.phone.status(now)?.into(),
        inner.phone.monitor().next_deadline(now),
    ))
}

#[uniffi::export]
impl SafetySession {
    /// A session object for this phone (`device_id`: the enrolled device's id or any stable name).
    #[uniffi::constructor]
    pub fn new(
        device_id: String,
        listener: Option<Arc<dyn SafetyAlarmListener>>,
    ) -> FfiResult<Arc<Self>> {
        if device_id.trim().is_empty() {
            return Err(DonghaengError::invalid(
                "required",
                "device_id",
                "device_id: 기기 식별자를 입력하세요".to_owned(),
                "device_id: a device id is required".to_owned(),
            ));
        }
        Ok(Arc::new(SafetySession {
            device_id: device_id.clone(),
            inner: Mutex::new(Inner {
                phone: PhoneSafety::new(device_id),
                store: None,
            }),
            listener,
            listener_failures: AtomicU64::new(0),
        }))
    }

    /// Opens the session (방문 시작) after the pre-visit assessment; the core refuses a lone visit,
    /// missing companions, an incomplete assessment or a return time out of range. From here on every
    /// event of the session is recorded in `store`.
    pub fn start(
        &self,
        store: Arc<DonghaengStore>,
        request: SafetyStartRequest,
        now_ms: i64,
    ) -> FfiResult<SafetyStatus> {
        let now = instant("now_ms", now_ms)?;
        let start = PhoneVisitStart {
            household_id: id("session.household_id", &request.household_id)?,
            visit_id: opt_id("session.visit_id", request.visit_id.as_deref())?,
            worker_ids: ids("session.worker_ids", &request.worker_ids)?,
            starter_id: id("session.starter_id", &request.starter_id)?,
            contact_mode: request.contact_mode.into(),
            expected_return: instant("session.expected_return_ms", request.expected_return_ms)?,
            checkin_interval_secs: request.checkin_interval_secs,
            assessment: request.assessment.into(),
            advisory_override: request.advisory_override,
            regular_volunteer: opt_id(
                "session.regular_volunteer",
                request.regular_volunteer.as_deref(),
            )?,
            fallback_contacts: request.team_lead.zip(request.dong_head).map(|(l, h)| {
                (
                    sf::Contact::new(l.name, l.phone),
                    sf::Contact::new(h.name, h.phone),
                )
            }),
        };
        let db = store.store()?;
        let (status, deadline) = {
            let mut inner = self.lock();
            inner.phone.start_visit(&db, &start, now)?;
            inner.store = Some(store.clone());
            inner.save();
            status_of(&inner, now)?
        };
        self.announce_deadline(deadline);
        Ok(status)
    }

    /// Sets a worker's check-out PINs (4–12 digits; the duress PIN checks out normally on the phone and
    /// raises a silent alarm). Hashed with argon2id; the PINs themselves are not kept.
    pub fn set_pins(
        &self,
        worker_id: String,
        normal_pin: String,
        duress_pin: Option<String>,
    ) -> FfiResult<()> {
        let w = id("pin.worker_id", &worker_id)?;
        let pins = sf::WorkerPins::new(
            w,
            &normal_pin,
            duress_pin.as_deref(),
            sf::PinParams::default(),
        )?;
        let mut inner = self.lock();
        inner.phone.set_pins(pins);
        inner.save();
        Ok(())
    }

    /// A check-in, or the "I am safe" answer to a prompt.
    pub fn check_in(&self, worker_id: String, now_ms: i64) -> FfiResult<SafetyStatus> {
        let actor = self.actor("worker_id", &worker_id)?;
        self.command(now_ms, |inner, sid, now| {
            inner.phone.monitor_mut().check_in(sid, &actor, now)?;
            Ok(())
        })
        .map(|(status, ())| status)
    }

    /// A new expected return (within 12 hours).
    pub fn extend_return(
        &self,
        worker_id: String,
        expected_return_ms: i64,
        now_ms: i64,
    ) -> FfiResult<SafetyStatus> {
        let actor = self.actor("worker_id", &worker_id)?;
        let ret = instant("session.expected_return_ms", expected_return_ms)?;
        self.command(now_ms, |inner, sid, now| {
            inner
                .phone
                .monitor_mut()
                .extend_return(sid, &actor, ret, now)?;
            Ok(())
        })
        .map(|(status, ())| status)
    }

    /// 복귀 (check-out). With PINs set for the worker, `pin` is required.
    pub fn check_out(
        &self,
        worker_id: String,
        pin: Option<String>,
        now_ms: i64,
    ) -> FfiResult<CheckOutReceipt> {
        let actor = self.actor("worker_id", &worker_id)?;
        let (_, r) = self.command(now_ms, |inner, _, now| {
            Ok(inner.phone.check_out(&actor, pin.as_deref(), now)?)
        })?;
        Ok(CheckOutReceipt {
            session_id: id_str(r.session_id),
            worker_id: id_str(r.worker_id),
            checked_out_at_ms: ms(r.checked_out_at),
            message_ko: r.message_ko,
            message_en: r.message_en,
        })
    }

    /// SOS: returns the SOS event's id (to cancel it). The alarm goes out at the next `tick`, which
    /// the listener is asked to run at once (`on_next_deadline(now)`).
    pub fn sos(&self, worker_id: String, now_ms: i64) -> FfiResult<String> {
        let actor = self.actor("worker_id", &worker_id)?;
        let (_, event) = self.command(now_ms, |inner, sid, now| {
            Ok(inner.phone.monitor_mut().sos(sid, &actor, now)?.event.id)
        })?;
        Ok(id_str(event))
    }

    /// Withdraws an SOS (a reason is required from the device that raised it).
    pub fn cancel_sos(
        &self,
        worker_id: String,
        sos_event_id: String,
        reason: Option<String>,
        now_ms: i64,
    ) -> FfiResult<SafetyStatus> {
        let actor = self.actor("worker_id", &worker_id)?;
        let sos = id("sos_event_id", &sos_event_id)?;
        self.command(now_ms, |inner, sid, now| {
            inner
                .phone
                .monitor_mut()
                .cancel_sos(sid, &actor, sos, reason.as_deref(), now)?;
            Ok(())
        })
        .map(|(status, ())| status)
    }

    /// Everything due at `now`, each exactly once (a second tick at the same `now` returns nothing).
    /// Each action is also given to the listener; the new deadline follows.
    pub fn tick(&self, now_ms: i64) -> FfiResult<Vec<SafetyAction>> {
        let now = instant("now_ms", now_ms)?;
        let (actions, deadline) = {
            let mut inner = self.lock();
            let actions: Vec<SafetyAction> = inner
                .phone
                .monitor_mut()
                .tick(now)
                .into_iter()
                .map(SafetyAction::from)
                .collect();
            // The alerts just issued are events too: once saved, a resumed session does not issue
            // them again.
            inner.save();
            (actions, inner.phone.monitor().next_deadline(now))
        };
        if let Some(l) = &self.listener {
            for a in &actions {
                self.listen(l.on_action(a.clone()));
            }
        }
        self.announce_deadline(deadline);
        Ok(actions)
    }

    /// When to wake up next (one OS alarm); at or before `now`: tick at once. Null: nothing pending.
    pub fn next_deadline_ms(&self, now_ms: i64) -> FfiResult<Option<i64>> {
        let now = instant("now_ms", now_ms)?;
        Ok(opt_ms(self.lock().phone.monitor().next_deadline(now)))
    }

    /// The phone's view of the session at `now`.
    pub fn status(&self, now_ms: i64) -> FfiResult<SafetyStatus> {
        let now = instant("now_ms", now_ms)?;
        let inner = self.lock();
        Ok(status_of(&inner, now)?.0)
    }

    /// The session's id once started.
    pub fn session_id(&self) -> Option<String> {
        self.lock().phone.session_id().map(id_str)
    }

    /// Events of the session not yet recorded in the store (0 normally). Non-zero when the store was
    /// closed or a write failed; they are retried after every command and tick.
    pub fn unsaved_events(&self) -> u64 {
        let mut inner = self.lock();
        inner.save();
        inner.phone.unsaved_events()
    }

    /// How many times the listener threw (its failures never stop the session).
    pub fn listener_failures(&self) -> u64 {
        self.listener_failures.load(Ordering::Relaxed)
    }
}

/// The safety session this phone had open, rebuilt from the store after the app was killed: the
/// latest session started on `device_id` (use the same id as for `SafetySession::new`) that may still
/// owe something at `now_ms` (not checked out, closed within the last 2 days, or with an alarm not
/// over, which must keep being ticked even though the phone shows the session closed). `null` if
/// there is none. Alerts the phone already issued are in the store and are not issued again.
#[uniffi::export]
pub fn resume_safety_session(
    store: Arc<DonghaengStore>,
    device_id: String,
    listener: Option<Arc<dyn SafetyAlarmListener>>,
    now_ms: i64,
) -> FfiResult<Option<Arc<SafetySession>>> {
    let now = instant("now_ms", now_ms)?;
    let session = SafetySession::new(device_id.clone(), listener)?;
    let Some(phone) = PhoneSafety::resume(&*store.store()?, &device_id, now)? else {
        return Ok(None);
    };
    let deadline = phone.monitor().next_deadline(now);
    *session.lock() = Inner {
        phone,
        store: Some(store),
    };
    session.announce_deadline(deadline);
    Ok(Some(session))
}
