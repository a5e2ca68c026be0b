//! The server's side of the audit trail (감사 기록), issue 10: refused requests (a forged, expired or
//! replayed token, a revoked device, a push for another device or outside the user's scope) and the
//! changes each push made, per household. Entries are `audit_entries` records written into the
//! change log under the node's own device id — the same append-only, replicated log the phones'
//! entries (a household's detail shown) arrive in — so the trail works on SQLite and on several
//! PostgreSQL nodes alike and is never sent to phones (`crate::scope`).
//!
//! What a push changed is stored with the push, in its transaction ([`AuditLog::push_entries`],
//! `crate::store::Attached`): an acknowledged change always has its entry, even after a crash.
//! Refusals are written off the request path: they queue in memory and a task stores them in
//! batches. An attacker hammering the server with forged tokens must not fill the disk: refusals
//! from unknown callers are capped per minute, and what is over the cap is recorded as one
//! `suppressed` entry. Entries hold ids and codes only.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use donghaeng_core::store::audit::{AuditAction, ENTITY};
use donghaeng_core::store::device_sync::capture::v7_at;
use donghaeng_core::sync::validate::MAX_PUSH_CHANGES;
use donghaeng_core::sync::{Change, Fields, HybridClock, Op, ProtocolVersion, PushRequest};

use crate::clock::Clock;
use crate::scope::Judged;
use crate::store::{Attached, ChangeStore, KeyedPush, TokenOwner};

/// Entries waiting to be stored before new ones are dropped (and counted).
const MAX_PENDING: usize = 10_000;
/// Refusals of unauthenticated callers recorded per minute; the rest are counted.
pub const ANONYMOUS_REFUSALS_PER_MINUTE: u32 = 600;
/// How long entries gather before a batch is stored.
const BATCH_DELAY: Duration = Duration::from_millis(200);

/// One entry as the server records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    pub actor_id: Option<Uuid>,
    /// The device the request came from, when known (the node's own id otherwise).
    pub device_id: Option<Uuid>,
    pub action: AuditAction,
    pub entity: Option<String>,
    pub household_id: Option<Uuid>,
    /// A code, a route or a count — never personal data.
    pub detail: String,
}

struct Pending {
    entries: Vec<(ServerEntry, i64)>,
    writing: bool,
    minute: i64,
    anonymous_this_minute: u32,
    suppressed: u32,
    dropped: u64,
}

/// The server's audit writer.
pub struct AuditLog {
    changes: Arc<dyn ChangeStore>,
    clock: Clock,
    node: Uuid,
    hlc: Mutex<HybridClock>,
    pending: Mutex<Pending>,
    enabled: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AuditLog {
    /// A writer for node `node` (its entries carry a device id derived from the node's name).
    /// Disabled, it records nothing (tests of the protocol's mechanics count stored changes).
    pub fn new(changes: Arc<dyn ChangeStore>, clock: Clock, node: &str, enabled: bool) -> Self {
        let node = crate::safety::node_device_id(&format!("{node}/audit"));
        AuditLog {
            changes,
            clock,
            node,
            hlc: Mutex::new(HybridClock::new(node)),
            pending: Mutex::new(Pending {
                entries: Vec::new(),
                writing: false,
                minute: 0,
                anonymous_this_minute: 0,
                suppressed: 0,
                dropped: 0,
            }),
            enabled,
        }
    }

    /// The device id of this node's entries.
    pub fn node_device_id(&self) -> Uuid {
        self.node
    }

    /// Queues an entry; stored within [`BATCH_DELAY`] by a background task.
    pub fn record(self: &Arc<Self>, entry: ServerEntry) {
        if !self.enabled {
            return;
        }
        let now = self.clock.now_ms();
        let start_writer = {
            let mut p = lock(&self.pending);
            let minute = now.div_euclid(60_000);
            if minute != p.minute {
                if p.suppressed > 0 {
                    let n = p.suppressed;
                    let at = p.minute * 60_000 + 59_999;
                    p.entries.push((suppressed_entry(n), at));
                }
                p.minute = minute;
                p.anonymous_this_minute = 0;
                p.suppressed = 0;
            }
            if entry.actor_id.is_none() && entry.action == AuditAction::Refused {
                if p.anonymous_this_minute >= ANONYMOUS_REFUSALS_PER_MINUTE {
                    p.suppressed += 1;
                    return;
                }
                p.anonymous_this_minute += 1;
            }
            if p.entries.len() >= MAX_PENDING {
                p.dropped += 1;
                tracing::error!(dropped = p.dropped, "audit queue full: entry dropped");
                return;
            }
            p.entries.push((entry, now));
            !std::mem::replace(&mut p.writing, true)
        };
        if start_writer {
            match tokio::runtime::Handle::try_current() {
                Ok(h) => {
                    let me = Arc::clone(self);
                    h.spawn(async move {
                        tokio::time::sleep(BATCH_DELAY).await;
                        me.flush().await;
                    });
                }
                Err(_) => lock(&self.pending).writing = false,
            }
        }
    }

    /// Stores every queued entry now (also what the background task calls). Entries a failed
    /// store refused go back to the queue for the next flush.
    pub async fn flush(&self) {
        loop {
            let batch: Vec<(ServerEntry, i64)> = {
                let mut p = lock(&self.pending);
                if p.entries.is_empty() {
                    p.writing = false;
                    return;
                }
                let n = p.entries.len().min(MAX_PUSH_CHANGES);
                p.entries.drain(..n).collect()
            };
            let now = self.clock.now_ms();
            let changes: Vec<Change> = batch
                .iter()
                .map(|(e, at)| self.change_of(e, *at, now))
                .collect();
            let req = PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: self.node,
                changes,
            };
            // No device's feed reads the audit trail (`crate::scope::feed`).
            let push = KeyedPush {
                keys: vec![Vec::new(); req.changes.len()],
                req,
                attached: Vec::new(),
                judged_at: None,
            };
            match self.changes.push_keyed(push, now).await {
                Ok(resp) if resp.rejected.is_empty() => {}
                Ok(resp) => {
                    tracing::error!(rejected = resp.rejected.len(), "audit entries refused");
                }
                Err(e) => {
                    tracing::error!(code = e.code, "audit entries not stored; kept for retry");
                    let mut p = lock(&self.pending);
                    let mut back = batch;
                    back.append(&mut p.entries);
                    p.entries = back;
                    p.writing = false;
                    return;
                }
            }
        }
    }
}

impl AuditLog {
    /// The entries of a push its judge allowed, to store in the push's own transaction: one per
    /// household changed (what changed is in the log itself) and one per household moved between
    /// 동. Each is stored only if a change it is about is accepted.
    pub fn push_entries(
        &self,
        owner: &TokenOwner,
        changes: &[Change],
        judged: &Judged,
    ) -> Vec<Attached> {
        if !self.enabled {
            return Vec::new();
        }
        let now = self.clock.now_ms();
        let mut by_household: std::collections::BTreeMap<Uuid, Vec<Uuid>> = Default::default();
        for (c, h) in changes.iter().zip(&judged.households) {
            if let (Some(h), false) = (h, c.entity == ENTITY) {
                by_household.entry(*h).or_default().push(c.id);
            }
        }
        let entry = |household: Uuid, entity: Option<&str>, detail: String| ServerEntry {
            actor_id: Some(owner.user_id),
            device_id: Some(owner.device_id),
            action: AuditAction::Changed,
            entity: entity.map(str::to_owned),
            household_id: Some(household),
            detail,
        };
        let mut out: Vec<Attached> = by_household
            .into_iter()
            .map(|(h, about)| Attached {
                change: self.change_of(
                    &entry(h, None, format!("{} changes pushed", about.len())),
                    now,
                    now,
                ),
                about,
                keys: Vec::new(),
            })
            .collect();
        for t in &judged.transfers {
            let detail = format!(
                "household transferred from dong {} to dong {}",
                t.from, t.to
            );
            out.push(Attached {
                change: self.change_of(&entry(t.household, Some("households"), detail), now, now),
                about: vec![t.change_id],
                keys: Vec::new(),
            });
        }
        out
    }

    /// An entry as a change of this node's own device id.
    fn change_of(&self, e: &ServerEntry, at: i64, now: i64) -> Change {
        let stamp = lock(&self.hlc).send(now);
        Change {
            id: v7_at(stamp.wall_ms),
            entity: ENTITY.to_owned(),
            record_id: donghaeng_core::model::new_id(),
            op: Op::Append {
                record: fields(e, at, self.node),
            },
            hlc: stamp,
            device_id: self.node,
        }
    }
}

fn suppressed_entry(n: u32) -> ServerEntry {
    ServerEntry {
        actor_id: None,
        device_id: None,
        action: AuditAction::Refused,
        entity: None,
        household_id: None,
        detail: format!("suppressed {n} more refusals of unknown callers this minute"),
    }
}

fn fields(e: &ServerEntry, at: i64, node: Uuid) -> Fields {
    let id = |u: Option<Uuid>| u.map_or(Value::Null, |u| json!(u.to_string()));
    [
        ("at", json!(at)),
        ("actor_id", id(e.actor_id)),
        ("device_id", json!(e.device_id.unwrap_or(node).to_string())),
        ("action", json!(e.action.code())),
        (
            "entity",
            e.entity.as_ref().map_or(Value::Null, |s| json!(s)),
        ),
        ("record_id", Value::Null),
        ("household_id", id(e.household_id)),
        ("detail", json!(e.detail)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
