//! Worker safety (방문인력 안전관리) for the shells: a [`SafetySession`] over the core's `SafetyMonitor`
//! (start, check-in, check-out with PIN, SOS, `tick(now)`, `next_deadline`), and the
//! foreign trait [`SafetyAlarmListener`] the app implements to receive the actions a tick issues and
//! the deadline to set its OS alarm to. Every rule, text and deadline is the core's, and so are the
//! records (`SafetyStatus`, `SafetyActionKind`, `SafetyContact`, `SafetyAssessment`, …).
//!
//! Persistence: every event of the session (the start, each check-in, the alerts a tick issues …) is
//! recorded in the store's `safety_events` log ([`donghaeng_core::store::safety_events`]) as soon as it
//! happens, so it reaches the server at the next sync and survives the app being killed:
//! [`resume_safety_session`] rebuilds the session from the store, and alerts already issued are not
//! issued again. There is no file of the app's own.
//!
//! Duress: the core makes a duress check-out look exactly like a normal one on the phone. Actions with
//! `silent = true` must be sent (SMS) **without any sign on the device**; `SafetyStatus` never shows
//! them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use donghaeng_core::model::{ContactMode, Id};
use donghaeng_core::safety as sf;
use donghaeng_core::safety::{CheckOutReceipt, DeviceView as SafetyStatus};
use donghaeng_core::store::phone_safety::{PhoneSafety, VisitStart as PhoneVisitStart};
use uuid::Uuid;

use crate::error::{invalid, FfiResult, ListenerError};
use crate::store::DonghaengStore;

/// One thing to do now (the core's action without its internal key and event record).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SafetyAction {
    pub session_id: Uuid,
    /// When it fell due (before `now` if the tick was late).
    pub due_at_ms: DateTime<Utc>,
    /// Must never be shown on the device (duress): send it without sound, notification or history.
    pub silent: bool,
    pub kind: sf::ActionKind,
}

impl From<sf::SafetyAction> for SafetyAction {
    fn from(a: sf::SafetyAction) -> Self {
        SafetyAction {
            session_id: a.session_id,
            due_at_ms: a.due_at,
            silent: a.kind.is_silent(),
            kind: a.kind,
        }
    }
}

/// What opens a session for a home visit. Household, workers, district, the team's published
/// escalation ladder and the disaster advisories in force are read from the store.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SafetyStartRequest {
    pub household_id: Uuid,
    /// Everyone going, the starter included.
    pub worker_ids: Vec<Uuid>,
    /// The worker starting the session on this phone.
    pub starter_id: Uuid,
    pub expected_return_ms: DateTime<Utc>,
    pub assessment: sf::SafetyAssessment,
    /// Team lead and 동장 for the standard ladder (partner → team lead → 동장 → 112/119 guidance),
    /// used only while no ladder is published for the starter's team; neither: `safety_ladder_missing`.
    #[uniffi(default)]
    pub team_lead: Option<sf::Contact>,
    #[uniffi(default)]
    pub dong_head: Option<sf::Contact>,
    #[uniffi(default)]
    pub visit_id: Option<Uuid>,
    #[uniffi(default)]
    pub checkin_interval_secs: Option<i64>,
    #[uniffi(default)]
    pub advisory_override: Option<String>,
    /// The volunteer whose own regular visit this is: two volunteers may go without staff, escalating
    /// to the team lead (the 동 team).
    #[uniffi(default)]
    pub regular_volunteer: Option<Uuid>,
    /// Safety sessions are for home visits (the core refuses others).
    pub contact_mode: ContactMode,
}

/// Implemented by the app: receives every action a tick issues, and the next deadline whenever it may
/// have changed (set the OS exact alarm / local notification to it; null = none). A listener that
/// throws never stops the session: the action is still returned by `tick` and the failure is counted.
#[uniffi::export(with_foreign)]
pub trait SafetyAlarmListener: Send + Sync {
    fn on_action(&self, action: SafetyAction) -> Result<(), ListenerError>;
    fn on_next_deadline(&self, deadline_ms: Option<DateTime<Utc>>) -> Result<(), ListenerError>;
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

    fn actor(&self, worker_id: Uuid) -> sf::Actor {
        sf::Actor::new(worker_id, self.device_id.clone())
    }

    fn listen(&self, r: Result<(), ListenerError>) {
        if r.is_err() {
            self.listener_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Tells the listener the next deadline (after the lock is released: the listener may call back).
    fn announce_deadline(&self, deadline: Option<DateTime<Utc>>) {
        if let Some(l) = &self.listener {
            self.listen(l.on_next_deadline(deadline));
        }
    }

    /// Runs a command on the open session, then reports the new status and deadline; the
    /// command's own answer comes back beside the status.
    fn command<T>(
        &self,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Inner, Id, DateTime<Utc>) -> FfiResult<T>,
    ) -> FfiResult<(SafetyStatus, T)> {
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
        inner.phone.status(now)?,
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
            return Err(invalid(
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
        now_ms: DateTime<Utc>,
    ) -> FfiResult<SafetyStatus> {
        let now = now_ms;
        let start = PhoneVisitStart {
            household_id: request.household_id,
            visit_id: request.visit_id,
            worker_ids: request.worker_ids,
            starter_id: request.starter_id,
            contact_mode: request.contact_mode,
            expected_return: request.expected_return_ms,
            checkin_interval_secs: request.checkin_interval_secs,
            assessment: request.assessment,
            advisory_override: request.advisory_override,
            regular_volunteer: request.regular_volunteer,
            fallback_contacts: request.team_lead.zip(request.dong_head),
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
        worker_id: Uuid,
        normal_pin: String,
        duress_pin: Option<String>,
    ) -> FfiResult<()> {
        let pins = sf::WorkerPins::new(
            worker_id,
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
    pub fn check_in(&self, worker_id: Uuid, now_ms: DateTime<Utc>) -> FfiResult<SafetyStatus> {
        let actor = self.actor(worker_id);
        self.command(now_ms, |inner, sid, now| {
            inner.phone.monitor_mut().check_in(sid, &actor, now)?;
            Ok(())
        })
        .map(|(status, ())| status)
    }

    /// A new expected return (within 12 hours).
    pub fn extend_return(
        &self,
        worker_id: Uuid,
        expected_return_ms: DateTime<Utc>,
        now_ms: DateTime<Utc>,
    ) -> FfiResult<SafetyStatus> {
        let actor = self.actor(worker_id);
        let ret = expected_return_ms;
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
        worker_id: Uuid,
        pin: Option<String>,
        now_ms: DateTime<Utc>,
    ) -> FfiResult<CheckOutReceipt> {
        let actor = self.actor(worker_id);
        let (_, r) = self.command(now_ms, |inner, _, now| {
            Ok(inner.phone.check_out(&actor, pin.as_deref(), now)?)
        })?;
        Ok(r)
    }

    /// SOS: returns the SOS event's id (to cancel it). The alarm goes out at the next `tick`, which
    /// the listener is asked to run at once (`on_next_deadline(now)`).
    pub fn sos(&self, worker_id: Uuid, now_ms: DateTime<Utc>) -> FfiResult<Uuid> {
        let actor = self.actor(worker_id);
        let (_, event) = self.command(now_ms, |inner, sid, now| {
            Ok(inner.phone.monitor_mut().sos(sid, &actor, now)?.event.id)
        })?;
        Ok(event)
    }

    /// Withdraws an SOS (a reason is required from the device that raised it).
    pub fn cancel_sos(
        &self,
        worker_id: Uuid,
        sos_event_id: Uuid,
        reason: Option<String>,
        now_ms: DateTime<Utc>,
    ) -> FfiResult<SafetyStatus> {
        let actor = self.actor(worker_id);
        let sos = sos_event_id;
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
    pub fn tick(&self, now_ms: DateTime<Utc>) -> FfiResult<Vec<SafetyAction>> {
        let now = now_ms;
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
    pub fn next_deadline_ms(&self, now_ms: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.lock().phone.monitor().next_deadline(now_ms)
    }

    /// The phone's view of the session at `now`.
    pub fn status(&self, now_ms: DateTime<Utc>) -> FfiResult<SafetyStatus> {
        Ok(status_of(&self.lock(), now_ms)?.0)
    }

    /// The session's id once started.
    pub fn session_id(&self) -> Option<Uuid> {
        self.lock().phone.session_id()
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
    now_ms: DateTime<Utc>,
) -> FfiResult<Option<Arc<SafetySession>>> {
    let now = now_ms;
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

/// Whether the pre-visit form must ask for the team lead and 동장: true while no escalation ladder is
/// published for `worker_id`'s team (then `SafetyStartRequest.team_lead` / `dong_head` are the
/// ladder); false once one is, and the published one is used.
#[uniffi::export]
pub fn safety_contacts_needed(store: Arc<DonghaengStore>, worker_id: Uuid) -> FfiResult<bool> {
    Ok(PhoneSafety::published_ladder(&*store.store()?, worker_id)?.is_none())
}
