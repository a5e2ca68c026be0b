//! Visits repository: planning, assignment and the status life cycle.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{codes, get_codes, get_id, get_opt_time, get_time, ms, opt_ms};
use super::Store;
use crate::model::validate::optional_note;
use crate::model::{
    new_id, ContactMode, Id, Role, TimeWindow, Visit, VisitOutcome, VisitPurpose, VisitStatus,
};
use crate::{CoreError, CoreResult};

pub struct Visits<'a>(pub(super) &'a Store);

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewVisit {
    pub household_id: Id,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    #[cfg_attr(feature = "uniffi", uniffi(name = "window_start_ms"))]
    pub window_start: DateTime<Utc>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "window_end_ms"))]
    pub window_end: DateTime<Utc>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub required_roles: Vec<Role>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub assigned: Vec<Id>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
}

pub(crate) const COLUMNS: &str =
    "id, household_id, purpose, contact_mode, window_start, window_end, required_roles,
     status, started_at, completed_at, outcome, note";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Visit> {
    Ok(Visit {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        purpose: r.get(2)?,
        contact_mode: r.get(3)?,
        window: TimeWindow {
            start: get_time(r, 4)?,
            end: get_time(r, 5)?,
        },
        required_roles: get_codes(r, 6)?,
        assigned: Vec::new(),
        status: r.get(7)?,
        started_at: get_opt_time(r, 8)?,
        completed_at: get_opt_time(r, 9)?,
        outcome: r.get(10)?,
        note: r.get(11)?,
    })
}

pub(crate) fn assigned_workers(conn: &Connection, visit_id: Id) -> CoreResult<Vec<Id>> {
    let mut st = conn.prepare_cached(
        "SELECT worker_id FROM visit_workers WHERE visit_id = ?1 ORDER BY worker_id",
    )?;
    let rows = st.query_map([visit_id.to_string()], |r| get_id(r, 0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<Visit>> {
    let visit = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM visits WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?;
    match visit {
        Some(mut v) => {
            v.assigned = assigned_workers(conn, id)?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

pub(crate) fn require(conn: &Connection, id: Id) -> CoreResult<Visit> {
    get(conn, id)?.ok_or_else(|| CoreError::not_found("visit", id))
}

/// Checks the workers exist and are active; returns them sorted and without duplicates.
fn check_workers(conn: &Connection, ids: &[Id]) -> CoreResult<Vec<Id>> {
    let mut out = ids.to_vec();
    out.sort();
    out.dedup();
    for id in &out {
        let w = super::workers::require(conn, *id)?;
        if !w.active {
            return Err(CoreError::invalid(
                "worker_inactive",
                "visit.assigned",
                format!("비활성 직원은 배정할 수 없습니다: {}", w.id),
                format!("an inactive worker cannot be assigned: {}", w.id),
            ));
        }
    }
    Ok(out)
}

fn write_assignments(conn: &Connection, visit: &Visit) -> CoreResult<()> {
    conn.prepare_cached("DELETE FROM visit_workers WHERE visit_id = ?1")?
        .execute([visit.id.to_string()])?;
    let mut st = conn.prepare_cached(
        "INSERT INTO visit_workers (visit_id, worker_id, window_start) VALUES (?1, ?2, ?3)",
    )?;
    for w in &visit.assigned {
        st.execute(params![
            visit.id.to_string(),
            w.to_string(),
            ms(visit.window.start)
        ])?;
    }
    Ok(())
}

fn save_status(conn: &Connection, v: &Visit) -> CoreResult<()> {
    conn.prepare_cached(
        "UPDATE visits SET status = ?2, started_at = ?3, completed_at = ?4, outcome = ?5, note = ?6,
             window_start = ?7, window_end = ?8 WHERE id = ?1",
    )?
    .execute(params![
        v.id.to_string(),
        v.status,
        opt_ms(v.started_at),
        opt_ms(v.completed_at),
        v.outcome,
        v.note,
        ms(v.window.start),
        ms(v.window.end)
    ])?;
    Ok(())
}

fn transition(v: &Visit, next: VisitStatus) -> CoreResult<()> {
    if v.status.can_move_to(next) {
        Ok(())
    } else {
        Err(CoreError::invalid_transition(
            "visit_transition_not_allowed",
            format!(
                "방문 상태를 '{}'에서 '{}'(으)로 바꿀 수 없습니다",
                v.status.label_ko(),
                next.label_ko()
            ),
            format!(
                "a visit cannot move from {} to {}",
                v.status.label_en(),
                next.label_en()
            ),
        ))
    }
}

/// A visit as it ended, from another system's history (bulk import): created in its final state as
/// one record, without walking the life cycle on this phone.
#[derive(Debug, Clone, PartialEq)]
pub struct PastVisit {
    pub household_id: Id,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub assigned: Vec<Id>,
    /// Planned (still to come), completed, cancelled or missed; never in progress.
    pub status: VisitStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<VisitOutcome>,
    pub note: Option<String>,
}

/// The visit `past` describes under `id`, checked as the life cycle would have left it: a completed
/// visit has its start, end (not before the start) and outcome; the others have none of them.
pub(crate) fn past_visit(conn: &Connection, id: Id, past: PastVisit) -> CoreResult<Visit> {
    let window = TimeWindow::new(past.window_start, past.window_end)?;
    let note = optional_note("visit.note", past.note.as_deref())?;
    let completed = past.status == VisitStatus::Completed;
    let bad = |field: &str, ko: &str, en: &str| {
        Err(CoreError::invalid(
            "visit_state_inconsistent",
            field,
            ko.to_owned(),
            en.to_owned(),
        ))
    };
    if past.status == VisitStatus::InProgress {
        return bad(
            "visit.status",
            "진행 중인 방문은 가져올 수 없습니다 (완료·취소·미실시·예정만)",
            "a visit in progress cannot be imported (completed, cancelled, missed or planned only)",
        );
    }
    match (completed, past.started_at, past.completed_at, past.outcome) {
        (true, Some(start), Some(end), Some(_)) if end < start => {
            return bad(
                "visit.completed_at",
                "종료 시각이 시작 시각보다 빠릅니다",
                "the visit cannot end before it started",
            )
        }
        (true, Some(_), Some(_), Some(_)) | (false, None, None, None) => {}
        (true, ..) => {
            return bad(
                "visit.outcome",
                "완료된 방문에는 시작·종료 시각과 결과가 있어야 합니다",
                "a completed visit needs its start, end and outcome",
            )
        }
        (false, ..) => {
            return bad(
                "visit.status",
                "완료되지 않은 방문에는 시작·종료 시각과 결과가 없습니다",
                "only a completed visit has a start, an end and an outcome",
            )
        }
    }
    super::households::require(conn, past.household_id)?;
    Ok(Visit {
        id,
        household_id: past.household_id,
        purpose: past.purpose,
        contact_mode: past.contact_mode,
        window,
        required_roles: Vec::new(),
        assigned: check_workers(conn, &past.assigned)?,
        status: past.status,
        started_at: past.started_at,
        completed_at: past.completed_at,
        outcome: past.outcome,
        note,
    })
}

/// Writes a visit made by [`past_visit`] with its change, and its contact with the household.
pub(crate) fn insert_past(
    tx: &Connection,
    cap: &mut super::device_sync::capture::Capture,
    v: &Visit,
) -> CoreResult<()> {
    insert(tx, v)?;
    cap.upsert(tx, "visits", v.id, None)?;
    cap.upsert(tx, "visit_workers", v.id, None)?;
    if let Some(at) = v.contact_at() {
        super::households::note_contact(tx, v.household_id, at)?;
    }
    Ok(())
}

impl Visits<'_> {
    /// Plans a visit to an existing household.
    pub fn plan(&self, new: NewVisit) -> CoreResult<Visit> {
        let window = TimeWindow::new(new.window_start, new.window_end)?;
        let note = optional_note("visit.note", new.note.as_deref())?;
        let mut required_roles = new.required_roles.clone();
        required_roles.sort();
        required_roles.dedup();
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, new.household_id)?;
            let visit = Visit {
                id: new_id(),
                household_id: new.household_id,
                purpose: new.purpose,
                contact_mode: new.contact_mode,
                window,
                required_roles,
                assigned: check_workers(tx, &new.assigned)?,
                status: VisitStatus::Planned,
                started_at: None,
                completed_at: None,
                outcome: None,
                note,
            };
            insert(tx, &visit)?;
            cap.upsert(tx, "visits", visit.id, None)?;
            cap.upsert(tx, "visit_workers", visit.id, None)?;
            Ok(visit)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<Visit> {
        self.0.read(|tx| require(tx, id))
    }

    /// Replaces the assigned workers of a visit that is not finished.
    pub fn assign(&self, id: Id, workers: &[Id]) -> CoreResult<Visit> {
        self.0.write_synced(|tx, cap| {
            let mut v = require(tx, id)?;
            if v.status.is_final() {
                return Err(CoreError::invalid_transition(
                    "visit_finished",
                    "끝난 방문의 담당자는 바꿀 수 없습니다",
                    "the workers of a finished visit cannot change",
                ));
            }
            v.assigned = check_workers(tx, workers)?;
            let before = cap.before(tx, "visit_workers", id)?;
            write_assignments(tx, &v)?;
            cap.upsert(tx, "visit_workers", id, before)?;
            Ok(v)
        })
    }

    /// planned → in progress.
    pub fn start(&self, id: Id, at: DateTime<Utc>) -> CoreResult<Visit> {
        self.0.write_synced(|tx, cap| {
            let mut v = require(tx, id)?;
            let before = cap.before(tx, "visits", id)?;
            transition(&v, VisitStatus::InProgress)?;
            v.status = VisitStatus::InProgress;
            v.started_at = Some(at);
            save_status(tx, &v)?;
            cap.upsert(tx, "visits", id, before)?;
            Ok(v)
        })
    }

    /// in progress → completed, with the outcome. A visit cannot end before it started.
    pub fn complete(
        &self,
        id: Id,
        at: DateTime<Utc>,
        outcome: VisitOutcome,
        note: Option<&str>,
    ) -> CoreResult<Visit> {
        let note = optional_note("visit.note", note)?;
        self.0.write_synced(|tx, cap| {
            let mut v = require(tx, id)?;
            let before = cap.before(tx, "visits", id)?;
            transition(&v, VisitStatus::Completed)?;
            if let Some(started) = v.started_at {
                if at < started {
                    return Err(CoreError::invalid(
                        "completed_before_started",
                        "visit.completed_at",
                        format!("종료 시각({at})이 시작 시각({started})보다 빠릅니다"),
                        format!("the visit cannot end ({at}) before it started ({started})"),
                    ));
                }
            }
            v.status = VisitStatus::Completed;
            v.completed_at = Some(at);
            v.outcome = Some(outcome);
            if note.is_some() {
                v.note = note;
            }
            save_status(tx, &v)?;
            cap.upsert(tx, "visits", id, before)?;
            if let Some(at) = v.contact_at() {
                super::households::note_contact(tx, v.household_id, at)?;
            }
            Ok(v)
        })
    }

    /// planned or in progress → cancelled.
    pub fn cancel(&self, id: Id, reason: &str) -> CoreResult<Visit> {
        let reason = optional_note("visit.note", Some(reason))?;
        self.0.write_synced(|tx, cap| {
            let mut v = require(tx, id)?;
            let before = cap.before(tx, "visits", id)?;
            transition(&v, VisitStatus::Cancelled)?;
            v.status = VisitStatus::Cancelled;
            v.note = reason;
            save_status(tx, &v)?;
            cap.upsert(tx, "visits", id, before)?;
            Ok(v)
        })
    }

    /// planned → missed (the window passed without a visit).
    pub fn mark_missed(&self, id: Id) -> CoreResult<Visit> {
        self.0.write_synced(|tx, cap| {
            let mut v = require(tx, id)?;
            let before = cap.before(tx, "visits", id)?;
            transition(&v, VisitStatus::Missed)?;
            v.status = VisitStatus::Missed;
            save_status(tx, &v)?;
            cap.upsert(tx, "visits", id, before)?;
            Ok(v)
        })
    }

    /// missed → planned, in a new window.
    pub fn replan(&self, id: Id, start: DateTime<Utc>, end: DateTime<Utc>) -> CoreResult<Visit> {
        let window = TimeWindow::new(start, end)?;
        self.0.write_synced(|tx, cap| {
            let mut v = require(tx, id)?;
            let before = cap.before(tx, "visits", id)?;
            transition(&v, VisitStatus::Planned)?;
            v.status = VisitStatus::Planned;
            v.window = window;
            save_status(tx, &v)?;
            cap.upsert(tx, "visits", id, before)?;
            write_assignments(tx, &v)?;
            Ok(v)
        })
    }
}

pub(crate) fn insert(tx: &Connection, v: &Visit) -> CoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO visits (id, household_id, purpose, contact_mode, window_start, window_end, required_roles,
             status, started_at, completed_at, outcome, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        v.id.to_string(),
        v.household_id.to_string(),
        v.purpose,
        v.contact_mode,
        ms(v.window.start),
        ms(v.window.end),
        codes(&v.required_roles),
        v.status,
        opt_ms(v.started_at),
        opt_ms(v.completed_at),
        v.outcome,
        v.note
    ])?;
    write_assignments(tx, v)?;
    Ok(())
}
