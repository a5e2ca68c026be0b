//! The server's safety monitor (서버 안전 감시), issue 5: the server runs the same deadlines as the
//! phones for every open session it has heard of, so a phone that died or lost signal in a flat still
//! raises the overdue alarm at expected return + grace, within one server tick.
//!
//! - [`SafetyHub`] holds a core [`SafetyMonitor`] fed with every pushed `safety_events` change and
//!   rebuilt from the change log at start-up ([`SafetyHub::rebuild`]), so it needs no storage of its
//!   own and no new `ChangeStore` method (it works on SQLite and PostgreSQL alike);
//! - what the monitor issues (escalation steps, SOS, duress, repeats, all-clears) and the
//!   acknowledgements made on the server are recorded as `safety_events` changes of the server's own
//!   device id: they are the server-side alarm records, they survive a restart (the rebuilt monitor
//!   knows what it already issued) and they reach every phone by the ordinary pull;
//! - [`alarm`]: alarm ids, records and notices; [`notifier`]: the webhook.
//!
//! The feed (`GET /v1/safety/alarms/stream`) and the notifier receive an [`AlarmNotice`] per alarm
//! event.
//!
//! Several nodes ([`leader`]): each tick, a node first follows the change log (so it knows what
//! devices pushed to other nodes — a check-out there ends the overdue here), then runs the
//! deadlines. Every node issues the same alerts (they are a function of the log and the time, and
//! all nodes issue under one origin, [`SERVER_ORIGIN`], so an alert has the same event id whichever
//! node computes it) and shows them on its own live feed; only the leader stores them and pages
//! the notifier.

pub mod alarm;
pub mod leader;
pub mod notifier;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

use donghaeng_core::safety::{
    Actor, AlarmRef, EventKind, SafetyEvent, SafetyMonitor, ServerView, SessionState,
};
use donghaeng_core::store::device_sync::capture::v7_at;
use donghaeng_core::store::safety_events::{from_fields, to_fields, ENTITY};
use donghaeng_core::sync::{Change, HybridClock, Op, ProtocolVersion, PushRequest, PushResponse};
use donghaeng_core::{CoreError, CoreResult};

use crate::store::ChangeStore;
pub use alarm::{AlarmNotice, AlarmRecord};
pub use leader::{Leadership, PgAdvisoryLease, SingleNode};
pub use notifier::{Notifier, RetryPolicy, WebhookNotifier};

/// Default tick period (issue 5: detected within one server tick, ≤ 30 s).
pub const DEFAULT_TICK: Duration = Duration::from_secs(15);
/// Longest tick period accepted.
pub const MAX_TICK: Duration = Duration::from_secs(30);
/// Live-feed buffer: a dashboard this many notices behind is told it lagged and should reload the list.
const FEED_CAPACITY: usize = 1024;
/// Page size when reading the change log at start-up.
const REBUILD_PAGE: u32 = 5_000;

/// The origin under which every server node issues alerts: one origin, so that a node that takes
/// over the lead recognises the alerts the former leader issued and does not page them again.
pub const SERVER_ORIGIN: &str = "server";

struct Inner {
    monitor: SafetyMonitor,
    /// The change log has been read up to here (rebuild, then each tick's follow).
    followed_seq: u64,
    /// Whether this node led at its last tick.
    leading: bool,
    /// The server's hybrid clock for its own changes.
    hlc: HybridClock,
    /// Server events not yet stored (the store failed): retried at the next tick, never dropped.
    unsaved: Vec<SafetyEvent>,
}

/// The server's safety state, shared by the handlers and the tick task.
pub struct SafetyHub {
    inner: Mutex<Inner>,
    changes: Arc<dyn ChangeStore>,
    device_id: Uuid,
    leadership: Mutex<Arc<dyn Leadership>>,
    feed: broadcast::Sender<AlarmNotice>,
    outbox: Mutex<Option<mpsc::UnboundedSender<AlarmNotice>>>,
    /// Set when the server shuts down: live feeds end, so a graceful shutdown does not wait for ever
    /// on dashboards that never disconnect.
    closing: tokio::sync::watch::Sender<bool>,
    /// Bumped whenever what supervisors see may have changed (a push with safety events, a tick
    /// that issued something, an acknowledgement): the dashboard's live board waits on it.
    generation: tokio::sync::watch::Sender<u64>,
}

/// The server's device id for its own changes, derived from its node name so it is the same after a
/// restart (the monitor then recognises the alerts it issued before).
pub fn node_device_id(node: &str) -> Uuid {
    let bytes = Sha256::new_with_prefix(b"donghaeng-node:")
        .chain_update(node.as_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    uuid::Builder::from_custom_bytes(b).into_uuid()
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // The monitor is only changed by whole method calls that never leave it half updated.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl SafetyHub {
    /// An empty hub for server node `node` (e.g. `seoul-1`); call [`Self::rebuild`] before serving.
    pub fn new(changes: Arc<dyn ChangeStore>, node: &str) -> Self {
        let device_id = node_device_id(node);
        SafetyHub {
            inner: Mutex::new(Inner {
                monitor: SafetyMonitor::new(SERVER_ORIGIN),
                followed_seq: 0,
                leading: true,
                hlc: HybridClock::new(device_id),
                unsaved: Vec::new(),
            }),
            changes,
            device_id,
            leadership: Mutex::new(Arc::new(SingleNode)),
            feed: broadcast::channel(FEED_CAPACITY).0,
            outbox: Mutex::new(None),
            closing: tokio::sync::watch::channel(false).0,
            generation: tokio::sync::watch::channel(0).0,
        }
    }

    /// The device id under which the server stores its own safety events.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// Decides which node stores and pages alarms (default: a single node, always leader).
    pub fn set_leadership(&self, leadership: Arc<dyn Leadership>) {
        *self.leadership.lock().unwrap_or_else(|p| p.into_inner()) = leadership;
        // Not the leader until the first tick says so (it then rebuilds from the log).
        lock(&self.inner).leading = false;
    }

    /// Whether this node led at its last tick.
    pub fn is_leading(&self) -> bool {
        lock(&self.inner).leading
    }

    /// Sends every notice to `notifier` too (with retries; see [`notifier::spawn_delivery`]).
    pub fn set_notifier(&self, notifier: Arc<dyn Notifier>, policy: RetryPolicy) {
        let tx = notifier::spawn_delivery(notifier, policy);
        *self.outbox.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
    }

    /// A receiver of the live feed.
    pub fn subscribe(&self) -> broadcast::Receiver<AlarmNotice> {
        self.feed.subscribe()
    }

    /// Ends every live feed (server shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// A receiver that changes whenever the sessions or alarms may have changed.
    pub fn watch_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.generation.subscribe()
    }

    fn bump(&self) {
        self.generation.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Becomes `true` when the server shuts down.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Reads the whole change log and feeds every safety event to the monitor. Returns the number of
    /// events read. Events the monitor refuses are counted in the log line (ids only), not dropped from
    /// the store.
    pub async fn rebuild(&self, now_ms: i64) -> CoreResult<usize> {
        {
            let mut inner = lock(&self.inner);
            inner.monitor = SafetyMonitor::new(SERVER_ORIGIN);
            inner.followed_seq = 0;
        }
        let (read, refused, _) = self.read_log(now_ms, false).await?;
        // Sessions closed with nothing owed stay in the log only, so a server that has run for a year
        // does not hold a year of sessions in memory after a restart.
        let dropped = lock(&self.inner).monitor.remove_settled().len();
        tracing::info!(events = read, refused, dropped, "safety monitor rebuilt");
        Ok(read)
    }

    /// Reads the change log after what was read before and feeds its safety events to the monitor:
    /// events devices pushed to other nodes and alerts other nodes stored. With `announce`, an SOS or
    /// duress heard this way is published like one pushed here. Returns (events read, refused,
    /// notices).
    async fn read_log(
        &self,
        now_ms: i64,
        announce: bool,
    ) -> CoreResult<(usize, usize, Vec<AlarmNotice>)> {
        let mut read = 0;
        let mut refused = 0;
        let mut notices = Vec::new();
        loop {
            let after = lock(&self.inner).followed_seq;
            // Only safety events: what the monitor follows, read through the log's entity index.
            let page = self
                .changes
                .pull_entity(ENTITY, after, REBUILD_PAGE, now_ms)
                .await?;
            let mut inner = lock(&self.inner);
            for c in &page.changes {
                let c = &c.change;
                if c.device_id == self.device_id {
                    inner.hlc.receive(&c.hlc, now_ms);
                }
                let Some(e) = decode(c) else { continue };
                read += 1;
                let person_event = person_alarm_event(&e);
                let session = e.session_id;
                match inner.monitor.ingest(e) {
                    Ok(true) if announce => {
                        if let (Some((alarm, what, at)), Some(st)) =
                            (person_event, inner.monitor.session(session))
                        {
                            notices.push(alarm::notice_of_event(st, alarm, what, at));
                        }
                    }
                    Ok(_) => {}
                    Err(_) => refused += 1,
                }
            }
            inner.followed_seq = inner.followed_seq.max(page.next_seq);
            drop(inner);
            if !page.has_more || page.next_seq <= after {
                break;
            }
        }
        Ok((read, refused, notices))
    }

    /// Feeds the safety events of a push the store accepted (or had already) to the monitor, then
    /// ticks at once, so an SOS or a duress check-out reaches supervisors with the push itself.
    pub async fn observe_push(&self, req: &PushRequest, resp: &PushResponse, now_ms: i64) {
        let stored: std::collections::HashSet<Uuid> = resp
            .accepted
            .iter()
            .chain(&resp.duplicates)
            .copied()
            .collect();
        let mut notices = Vec::new();
        // Alarms a phone stamped ahead of the server's clock: raised now all the same.
        let mut ahead = Vec::new();
        {
            let mut inner = lock(&self.inner);
            for c in req.changes.iter().filter(|c| stored.contains(&c.id)) {
                let Some(e) = decode(c) else { continue };
                let person_event = person_alarm_event(&e);
                let session = e.session_id;
                if matches!(e.kind, EventKind::Sos | EventKind::DuressCheckedOut)
                    && e.at.timestamp_millis() > now_ms
                {
                    ahead.push((session, e.at));
                }
                match inner.monitor.ingest(e) {
                    Ok(true) => {
                        if let (Some((alarm, what, at)), Some(st)) =
                            (person_event, inner.monitor.session(session))
                        {
                            notices.push(alarm::notice_of_event(st, alarm, what, at));
                        }
                    }
                    Ok(false) => {}
                    Err(err) => tracing::warn!(code = err.code, "pushed safety event refused"),
                }
            }
        }
        let any_safety = req
            .changes
            .iter()
            .any(|c| c.entity == ENTITY && stored.contains(&c.id));
        self.publish(notices);
        self.tick_with(now_ms, &ahead).await;
        if any_safety {
            self.bump();
        }
    }

    /// Runs the deadlines at `now_ms` (the server clock): records what is due, publishes it.
    /// Returns the notices published.
    ///
    /// First the node settles whether it leads (a node that has just taken the lead rebuilds its
    /// monitor from the log, so it pages what the former leader had not stored) and follows the log.
    pub async fn tick(&self, now_ms: i64) -> Vec<AlarmNotice> {
        let leadership = self
            .leadership
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let leading = leadership.lead().await;
        let took_over = {
            let mut inner = lock(&self.inner);
            let took_over = leading && !inner.leading;
            inner.leading = leading;
            took_over
        };
        if took_over {
            if let Err(e) = self.rebuild(now_ms).await {
                tracing::error!(
                    code = e.code,
                    "safety monitor not rebuilt on taking the lead"
                );
            }
        }
        let mut notices = match self.read_log(now_ms, true).await {
            Ok((_, _, heard)) => heard,
            Err(e) => {
                // Ticking on what is known is still better than not ticking.
                tracing::error!(
                    code = e.code,
                    "safety monitor could not follow the change log"
                );
                Vec::new()
            }
        };
        self.publish(notices.clone());
        notices.extend(self.tick_with(now_ms, &[]).await);
        notices
    }

    /// As [`Self::tick`], and also runs each of `sessions` at its own (later) time.
    async fn tick_with(&self, now_ms: i64, sessions: &[(Uuid, DateTime<Utc>)]) -> Vec<AlarmNotice> {
        let now = time(now_ms);
        let (events, notices) = {
            let mut inner = lock(&self.inner);
            let mut actions = inner.monitor.tick(now);
            for (sid, at) in sessions {
                actions.extend(inner.monitor.tick_session(*sid, *at));
            }
            let mut notices = Vec::new();
            // A follower does not store alerts: the leader does (it computes the same ones).
            let mut events = if inner.leading {
                std::mem::take(&mut inner.unsaved)
            } else {
                Vec::new()
            };
            for a in &actions {
                if let Some(st) = inner.monitor.session(a.session_id) {
                    notices.extend(alarm::notice_of(st, a));
                }
                if inner.leading {
                    events.push(a.record.clone());
                }
            }
            (events, notices)
        };
        let changed = !events.is_empty() || !notices.is_empty();
        self.save(events, now_ms).await;
        self.publish(notices.clone());
        if changed {
            self.bump();
        }
        notices
    }

    fn publish(&self, notices: Vec<AlarmNotice>) {
        if notices.is_empty() {
            return;
        }
        // Only the leader pages: the other nodes' feeds show the same notices.
        let outbox = if lock(&self.inner).leading {
            self.outbox
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        } else {
            None
        };
        for n in notices {
            tracing::info!(
                alarm_id = %n.alarm_id,
                kind = n.alarm_kind,
                event = n.event,
                step = n.step,
                "safety alarm"
            );
            if let Some(tx) = &outbox {
                let _ = tx.send(n.clone());
            }
            // No subscriber is not an error: the list endpoint still has it.
            let _ = self.feed.send(n);
        }
    }

    /// Stores the server's own events as changes of its device id. On failure they wait in memory
    /// for the next tick (the monitor already holds them, so nothing is issued twice meanwhile).
    async fn save(&self, events: Vec<SafetyEvent>, now_ms: i64) {
        if events.is_empty() {
            return;
        }
        let mut changes = Vec::with_capacity(events.len());
        {
            let mut inner = lock(&self.inner);
            for e in &events {
                let Ok(record) = to_fields(e) else { continue };
                let hlc = inner.hlc.send(now_ms);
                changes.push(Change {
                    id: v7_at(hlc.wall_ms),
                    entity: ENTITY.to_owned(),
                    record_id: e.id,
                    op: Op::Append { record },
                    hlc,
                    device_id: self.device_id,
                });
            }
        }
        let mut failed = false;
        for chunk in changes.chunks(donghaeng_core::sync::validate::MAX_PUSH_CHANGES) {
            let req = PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: self.device_id,
                changes: chunk.to_vec(),
            };
            match self.changes.push(req, now_ms).await {
                Ok(resp) if resp.rejected.is_empty() => {}
                Ok(resp) => {
                    // Only a clock far behind could do this; keep them for the next tick.
                    tracing::error!(
                        rejected = resp.rejected.len(),
                        "server safety events refused"
                    );
                    failed = true;
                }
                Err(e) => {
                    tracing::error!(code = e.code, "server safety events not stored");
                    failed = true;
                }
            }
        }
        if failed {
            // Re-pushing those already stored is harmless: the record id is the event id, and the
            // store answers a same-content append as a duplicate.
            lock(&self.inner).unsaved.extend(events);
        }
    }

    /// Alarms known to the server at `now_ms`: the open ones, or every one of the sessions in memory
    /// when `include_ended`. Sorted by time raised.
    pub fn alarms(&self, now_ms: i64, include_ended: bool) -> Vec<AlarmRecord> {
        let now = time(now_ms);
        let inner = lock(&self.inner);
        let mut out = Vec::new();
        for sid in inner.monitor.session_ids() {
            let Some(st) = inner.monitor.session(sid) else {
                continue;
            };
            for a in ServerView::of(st, now).alarms {
                if include_ended || a.ended_at.is_none() {
                    out.push(AlarmRecord::of(st, &a, now));
                }
            }
        }
        out.sort_by_key(|a| (a.raised_at, a.alarm_id));
        out
    }

    /// A session as supervisors see it, with its whole event log (kinds and times).
    pub fn session(&self, session_id: Uuid, now_ms: i64) -> Option<(ServerView, Vec<SafetyEvent>)> {
        let inner = lock(&self.inner);
        let st = inner.monitor.session(session_id)?;
        Some((
            ServerView::of(st, time(now_ms)),
            inner.monitor.events(session_id).to_vec(),
        ))
    }

    /// A supervisor acknowledges an alarm: its escalation (or repeats) stops, here and — once the
    /// phones pull the event — on the phones. `actor_id` is the supervisor's user id and `device` the
    /// device they used. Idempotent in effect: a second acknowledgement adds a record but changes
    /// nothing.
    pub async fn acknowledge(
        &self,
        alarm_id: Uuid,
        actor_id: Uuid,
        device: Uuid,
        note: Option<&str>,
        now_ms: i64,
    ) -> CoreResult<AlarmRecord> {
        self.act_on_alarm(
            alarm_id,
            actor_id,
            device,
            now_ms,
            "acknowledged",
            |m, sid, actor, alarm, now| m.acknowledge(sid, actor, alarm, note, now),
        )
        .await
    }

    /// A supervisor closes an alarm with a note (해제): it ends here and, after pull, on the phones.
    pub async fn resolve(
        &self,
        alarm_id: Uuid,
        actor_id: Uuid,
        device: Uuid,
        note: &str,
        now_ms: i64,
    ) -> CoreResult<AlarmRecord> {
        self.act_on_alarm(
            alarm_id,
            actor_id,
            device,
            now_ms,
            "resolved",
            |m, sid, actor, alarm, now| m.resolve(sid, actor, alarm, note, now),
        )
        .await
    }

    /// A supervisor's action on an alarm: recorded by `act` in the monitor, stored as a safety
    /// event, published as a notice `what`; returns the alarm as it stands after.
    async fn act_on_alarm(
        &self,
        alarm_id: Uuid,
        actor_id: Uuid,
        device: Uuid,
        now_ms: i64,
        what: &'static str,
        act: impl FnOnce(
            &mut SafetyMonitor,
            Uuid,
            &Actor,
            AlarmRef,
            DateTime<Utc>,
        ) -> CoreResult<donghaeng_core::safety::Recorded>,
    ) -> CoreResult<AlarmRecord> {
        let now = time(now_ms);
        let (event, notice, record) = {
            let mut inner = lock(&self.inner);
            let (sid, alarm) = find_alarm(&inner.monitor, alarm_id, now)?;
            let actor = Actor::new(actor_id, format!("device:{device}"));
            let r = act(&mut inner.monitor, sid, &actor, alarm, now)?;
            let st = inner
                .monitor
                .session(sid)
                .ok_or_else(|| CoreError::not_found("safety_alarm", alarm_id))?;
            let notice = alarm::notice_of_event(st, alarm, what, now);
            let record = ServerView::of(st, now)
                .alarms
                .iter()
                .find(|a| a.alarm == alarm)
                .map(|a| AlarmRecord::of(st, a, now))
                .ok_or_else(|| CoreError::not_found("safety_alarm", alarm_id))?;
            (r.event, notice, record)
        };
        self.save(vec![event], now_ms).await;
        self.publish(vec![notice]);
        self.bump();
        Ok(record)
    }

    /// Every session the monitor holds that passes `keep`, with its server view at `now_ms`
    /// (closed ones included while in memory; the caller filters). For the dashboard's board.
    pub fn sessions<F>(&self, now_ms: i64, mut keep: F) -> Vec<(SessionState, ServerView)>
    where
        F: FnMut(&SessionState) -> bool,
    {
        let now = time(now_ms);
        let inner = lock(&self.inner);
        inner
            .monitor
            .session_ids()
            .filter_map(|sid| inner.monitor.session(sid))
            .filter(|st| keep(st))
            .map(|st| (st.clone(), ServerView::of(st, now)))
            .collect()
    }

    /// The session an alarm id belongs to, if the monitor knows the alarm.
    pub fn session_of_alarm(&self, alarm_id: Uuid, now_ms: i64) -> Option<SessionState> {
        let inner = lock(&self.inner);
        let (sid, _) = find_alarm(&inner.monitor, alarm_id, time(now_ms)).ok()?;
        inner.monitor.session(sid).cloned()
    }

    /// Ticks every `period` on the server's clock until the hub is dropped.
    pub fn spawn_ticker(self: &Arc<Self>, clock: crate::Clock, period: Duration) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(hub) = hub.upgrade() else { break };
                hub.tick(clock.now_ms()).await;
            }
        });
    }
}

fn find_alarm(
    m: &SafetyMonitor,
    alarm_id: Uuid,
    now: DateTime<Utc>,
) -> CoreResult<(Uuid, AlarmRef)> {
    for sid in m.session_ids() {
        let Some(st) = m.session(sid) else { continue };
        for a in ServerView::of(st, now).alarms {
            if alarm::alarm_id(sid, &a.alarm) == alarm_id {
                return Ok((sid, a.alarm));
            }
        }
    }
    Err(CoreError::not_found("safety_alarm", alarm_id))
}

/// The safety event of a change, if it is one (a malformed record is logged and skipped: the store
/// keeps it, the monitor cannot use it).
fn decode(c: &Change) -> Option<SafetyEvent> {
    if c.entity != ENTITY {
        return None;
    }
    let Op::Append { record } = &c.op else {
        return None;
    };
    match from_fields(c.record_id, record) {
        Ok(e) => Some(e),
        Err(err) => {
            tracing::warn!(code = err.code, field = ?err.field, "safety event not understood");
            None
        }
    }
}

/// A person's action on an alarm that the dashboards should hear of.
fn person_alarm_event(e: &SafetyEvent) -> Option<(AlarmRef, &'static str, DateTime<Utc>)> {
    match &e.kind {
        EventKind::Acknowledged { alarm, .. } => Some((*alarm, "acknowledged", e.at)),
        EventKind::AlarmResolved { alarm, .. } => Some((*alarm, "resolved", e.at)),
        EventKind::SosCancelled { sos_event_id, .. } => Some((
            AlarmRef::Sos {
                event_id: *sos_event_id,
            },
            "withdrawn",
            e.at,
        )),
        _ => None,
    }
}
