//! Safety events (안전 이벤트) repository: the append-only log of worker-safety sessions.
//!
//! Every [`SafetyEvent`] the phone's [`SafetyMonitor`] records or hears is written here with its sync
//! change in one transaction, so a session survives an app restart and reaches the server. After a
//! restart, [`SafetyEvents::rebuild_monitor`] loads the events of the sessions that may still owe
//! something and folds them into a fresh monitor.
//!
//! The row is the event: scalar columns for what queries need (`session_id`, `at`, `kind`, …) and
//! `payload`, the [`EventKind`] as JSON (sync values must be scalars, so the plan of a start travels as
//! one JSON string). The same mapping ([`to_fields`] / [`from_fields`]) serves the server, which reads
//! pushed records and writes its own alerts and acknowledgements.
//!
//! Times are stored in milliseconds, like every time in the store: an event written and read back has
//! its `at` truncated to the millisecond (deadlines come from the plan's times, which `payload` keeps
//! exactly).

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::conv::{from_ms, ms};
use super::Store;
use crate::model::{GeoPoint, Id};
use crate::safety::{EventKind, SafetyEvent, SafetyMonitor};
use crate::sync::Fields;
use crate::{CoreError, CoreResult};

/// The sync entity (and table) name.
pub const ENTITY: &str = "safety_events";

/// How long a closed session stays in a rebuilt monitor (our choice: 2 days): long enough for its
/// all-clear and for a late acknowledgement to find it; its events stay in the store for ever.
pub const KEEP_CLOSED_SECS: i64 = 2 * 24 * 60 * 60;

const COLUMNS: &str = "id, session_id, at, worker_id, device_id, lat, lon, kind, payload";

pub struct SafetyEvents<'a>(pub(super) &'a Store);

/// A monitor rebuilt from the store, and the stored events it refused (with why).
#[derive(Debug)]
pub struct Rebuilt {
    pub monitor: SafetyMonitor,
    pub refused: Vec<(Id, CoreError)>,
}

fn bad(field: &str, what: &str) -> CoreError {
    CoreError::invalid(
        "safety_event_invalid",
        &format!("safety_events.{field}"),
        format!("안전 이벤트의 {field} 값이 올바르지 않습니다: {what}"),
        format!("the safety event's {field} is not valid: {what}"),
    )
}

/// The event as a sync record (the row's synced columns).
pub fn to_fields(e: &SafetyEvent) -> CoreResult<Fields> {
    let payload = serde_json::to_string(&e.kind)
        .map_err(|err| CoreError::storage(format!("safety event payload: {err}")))?;
    let mut f = Fields::new();
    f.insert("session_id".into(), Value::String(e.session_id.to_string()));
    f.insert("at".into(), Value::from(ms(e.at)));
    f.insert(
        "worker_id".into(),
        e.worker_id
            .map_or(Value::Null, |w| Value::String(w.to_string())),
    );
    f.insert("device_id".into(), Value::String(e.device_id.clone()));
    f.insert(
        "lat".into(),
        e.location.map_or(Value::Null, |p| Value::from(p.lat)),
    );
    f.insert(
        "lon".into(),
        e.location.map_or(Value::Null, |p| Value::from(p.lon)),
    );
    f.insert("kind".into(), Value::String(e.kind.code().to_owned()));
    f.insert("payload".into(), Value::String(payload));
    Ok(f)
}

fn str_field<'a>(f: &'a Fields, name: &str) -> CoreResult<&'a str> {
    f.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(name, "missing"))
}

fn uuid_of(s: &str, name: &str) -> CoreResult<Id> {
    Id::try_parse(s).map_err(|_| bad(name, "not a UUID"))
}

/// An event from a sync record (a pushed or pulled `safety_events` append). Refused with a typed error
/// (never a panic) when a field is missing or malformed, or `kind` disagrees with `payload`.
pub fn from_fields(id: Id, f: &Fields) -> CoreResult<SafetyEvent> {
    let session_id = uuid_of(str_field(f, "session_id")?, "session_id")?;
    let at = f
        .get("at")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("at", "missing"))?;
    let worker_id = match f.get("worker_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(uuid_of(s, "worker_id")?),
        Some(_) => return Err(bad("worker_id", "not a string")),
    };
    let device_id = str_field(f, "device_id")?.to_owned();
    let location = match (
        f.get("lat").and_then(Value::as_f64),
        f.get("lon").and_then(Value::as_f64),
    ) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => None,
    };
    let kind: EventKind = serde_json::from_str(str_field(f, "payload")?)
        .map_err(|e| bad("payload", &e.to_string()))?;
    if f.get("kind").and_then(Value::as_str) != Some(kind.code()) {
        return Err(bad("kind", "does not match the payload"));
    }
    Ok(SafetyEvent {
        id,
        session_id,
        at: from_ms(at),
        worker_id,
        device_id,
        location,
        kind,
    })
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Fields)> {
    let mut f = Fields::new();
    for (i, name) in COLUMNS.split(", ").enumerate().skip(1) {
        let v = match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => Value::Null,
            rusqlite::types::ValueRef::Integer(n) => Value::from(n),
            rusqlite::types::ValueRef::Real(x) => Value::from(x),
            rusqlite::types::ValueRef::Text(t) => {
                Value::String(String::from_utf8_lossy(t).into_owned())
            }
            rusqlite::types::ValueRef::Blob(_) => Value::Null,
        };
        f.insert(name.to_owned(), v);
    }
    Ok((r.get(0)?, f))
}

fn decode(rows: Vec<(String, Fields)>) -> CoreResult<Vec<SafetyEvent>> {
    rows.into_iter()
        .map(|(id, f)| from_fields(uuid_of(&id, "id")?, &f))
        .collect()
}

fn exists(conn: &Connection, id: Id) -> CoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM safety_events WHERE id = ?1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

fn insert(conn: &Connection, e: &SafetyEvent) -> CoreResult<()> {
    let f = to_fields(e)?;
    let text = |name: &str| f.get(name).and_then(Value::as_str).map(str::to_owned);
    conn.prepare_cached(&format!(
        "INSERT INTO safety_events ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?
    .execute(params![
        e.id.to_string(),
        e.session_id.to_string(),
        ms(e.at),
        text("worker_id"),
        e.device_id,
        e.location.map(|p| p.lat),
        e.location.map(|p| p.lon),
        e.kind.code(),
        text("payload"),
    ])?;
    Ok(())
}

impl SafetyEvents<'_> {
    /// Records one event and its sync change. Idempotent by event id: `Ok(false)` (and no second
    /// change) if the event is already stored — a retried write or an event first heard by sync.
    pub fn record(&self, event: &SafetyEvent) -> CoreResult<bool> {
        Ok(self.record_all(std::slice::from_ref(event))? == 1)
    }

    /// Records several events in one transaction (e.g. a check-out and the alerts a tick issued);
    /// returns how many were new. A malformed event refuses the whole batch, so nothing is half
    /// written; the caller keeps the events and may retry the good ones alone.
    pub fn record_all(&self, events: &[SafetyEvent]) -> CoreResult<usize> {
        for e in events {
            if e.device_id.trim().is_empty() {
                return Err(bad("device_id", "empty"));
            }
        }
        self.0.write_synced(|tx, cap| {
            let mut new = 0;
            for e in events {
                if exists(tx, e.id)? {
                    continue;
                }
                insert(tx, e)?;
                cap.append(tx, ENTITY, e.id)?;
                new += 1;
            }
            Ok(new)
        })
    }

    /// One event by id.
    pub fn get(&self, id: Id) -> CoreResult<Option<SafetyEvent>> {
        self.0.read(|tx| {
            let row = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM safety_events WHERE id = ?1"
                ))?
                .query_row([id.to_string()], from_row)
                .optional()?;
            Ok(decode(row.into_iter().collect())?.pop())
        })
    }

    /// A session's events in fold order (`at`, then id).
    pub fn session(&self, session_id: Id) -> CoreResult<Vec<SafetyEvent>> {
        self.0.read(|tx| {
            let rows = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM safety_events WHERE session_id = ?1 ORDER BY at, id"
                ))?
                .query_map([session_id.to_string()], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            decode(rows)
        })
    }

    /// The events of every session that may still owe something at `now`: sessions not closed, sessions
    /// with activity in the last [`KEEP_CLOSED_SECS`], and sessions with more SOS / duress events than
    /// withdrawals and resolutions (an alarm may still be open, however old).
    pub fn live_sessions(&self, now: DateTime<Utc>) -> CoreResult<Vec<SafetyEvent>> {
        let cutoff = ms(now).saturating_sub(KEEP_CLOSED_SECS * 1000);
        self.0.read(|tx| {
            let rows = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM safety_events WHERE session_id IN (
                        SELECT session_id FROM safety_events GROUP BY session_id HAVING
                            SUM(kind IN ('checked_out', 'duress_checked_out')) = 0
                            OR MAX(at) >= ?1
                            OR SUM(kind IN ('sos', 'duress_checked_out'))
                               > SUM(kind IN ('alarm_resolved', 'sos_cancelled')))
                     ORDER BY session_id, at, id"
                ))?
                .query_map([cutoff], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            decode(rows)
        })
    }

    /// A monitor for `origin` (this device's id) holding the live sessions ([`Self::live_sessions`]):
    /// what the phone calls after a restart. The alerts already issued are in the log, so the first
    /// tick issues only what is still owed. A stored event the monitor refuses (a rule newer than the
    /// event) is returned with its error rather than dropped silently; the others still load.
    pub fn rebuild_monitor(&self, origin: &str, now: DateTime<Utc>) -> CoreResult<Rebuilt> {
        let mut monitor = SafetyMonitor::new(origin);
        let events = self.live_sessions(now)?;
        let ids: Vec<Id> = events.iter().map(|e| e.id).collect();
        let refused = ids
            .into_iter()
            .zip(monitor.ingest_all(events))
            .filter_map(|(id, r)| r.err().map(|e| (id, e)))
            .collect();
        Ok(Rebuilt { monitor, refused })
    }

    /// Number of stored events (tests, support).
    pub fn count(&self) -> CoreResult<u64> {
        self.0.read(|tx| {
            let n: i64 = tx.query_row("SELECT count(*) FROM safety_events", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }
}
