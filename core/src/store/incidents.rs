//! Incident reports (안전사고 보고) repository. Append-only: a correction is a new report with
//! `corrects` pointing at the one it replaces, and statistics count only the latest of each chain.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{canonical, codes, get_codes, get_id, get_opt_id, get_time, ms};
use super::Store;
use crate::model::correction::current_ids;
use crate::model::Id;
use crate::safety::incident::{half_year_stats, HalfYear, IncidentReport, IncidentStats};
use crate::{CoreError, CoreResult};

pub struct Incidents<'a>(pub(super) &'a Store);

const COLUMNS: &str = "id, session_id, district_id, occurred_at, reported_at, reporter_id, \
    affected_workers, incident_type, severity, injuries, police_called, ambulance_119_called, \
    follow_ups, description, corrects";

/// A stored report and the report it corrects, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIncident {
    pub report: IncidentReport,
    pub corrects: Option<Id>,
}

fn ids_of(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Vec<Id>> {
    let s: String = row.get(idx)?;
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            Id::try_parse(p).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    idx,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .collect()
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredIncident> {
    Ok(StoredIncident {
        report: IncidentReport {
            id: get_id(r, 0)?,
            session_id: get_opt_id(r, 1)?,
            district_id: get_id(r, 2)?,
            occurred_at: get_time(r, 3)?,
            reported_at: get_time(r, 4)?,
            reporter_id: get_id(r, 5)?,
            affected_workers: ids_of(r, 6)?,
            incident_type: r.get::<_, String>(7)?.parse().map_err(|e: CoreError| {
                rusqlite::Error::FromSqlConversionFailure(
                    7,
                    rusqlite::types::Type::Text,
                    e.en.into(),
                )
            })?,
            severity: r.get::<_, String>(8)?.parse().map_err(|e: CoreError| {
                rusqlite::Error::FromSqlConversionFailure(
                    8,
                    rusqlite::types::Type::Text,
                    e.en.into(),
                )
            })?,
            injuries: r.get(9)?,
            police_called: r.get(10)?,
            ambulance_119_called: r.get(11)?,
            follow_ups: get_codes(r, 12)?,
            description: r.get(13)?,
        },
        corrects: get_opt_id(r, 14)?,
    })
}

fn exists(conn: &Connection, id: Id) -> CoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM incidents WHERE id = ?1")?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

impl Incidents<'_> {
    /// Records a report (validated first; sets stored sorted) and its sync change. `corrects` names an
    /// earlier report this one replaces. Idempotent by id: the same report again returns `Ok(false)`.
    pub fn add(&self, report: &IncidentReport, corrects: Option<Id>) -> CoreResult<bool> {
        report.validate()?;
        let mut workers = report.affected_workers.clone();
        workers.sort();
        workers.dedup();
        let follow_ups = canonical(&report.follow_ups);
        self.0.write_synced(|tx, cap| {
            if exists(tx, report.id)? {
                return Ok(false);
            }
            if let Some(old) = corrects {
                if !exists(tx, old)? {
                    return Err(CoreError::not_found("incident", old));
                }
            }
            tx.prepare_cached(&format!(
                "INSERT INTO incidents ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ))?
            .execute(params![
                report.id.to_string(),
                report.session_id.map(|v| v.to_string()),
                report.district_id.to_string(),
                ms(report.occurred_at),
                ms(report.reported_at),
                report.reporter_id.to_string(),
                codes(&workers),
                report.incident_type.code(),
                report.severity.code(),
                report.injuries,
                report.police_called,
                report.ambulance_119_called,
                codes(&follow_ups),
                report.description,
                corrects.map(|v| v.to_string()),
            ])?;
            cap.append(tx, "incidents", report.id)?;
            Ok(true)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<Option<StoredIncident>> {
        self.0.read(|tx| {
            Ok(tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1"))?
                .query_row([id.to_string()], from_row)
                .optional()?)
        })
    }

    /// Every current report, by time of occurrence (then id): of each correction chain the one
    /// [`crate::model::correction::current_ids`] picks, so two offline corrections of one report
    /// count once.
    pub fn current(&self) -> CoreResult<Vec<StoredIncident>> {
        self.0.read(|tx| {
            let rows = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM incidents ORDER BY occurred_at, id"
                ))?
                .query_map([], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let current = current_ids(rows.iter().map(|s| (s.report.id, s.corrects)));
            Ok(rows
                .into_iter()
                .filter(|s| current.contains(&s.report.id))
                .collect())
        })
    }

    /// The current reports that occurred in `[from, to)`, by time.
    pub fn current_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> CoreResult<Vec<IncidentReport>> {
        Ok(self
            .current()?
            .into_iter()
            .map(|s| s.report)
            .filter(|r| (from..to).contains(&r.occurred_at))
            .collect())
    }

    /// Statistics per (district, half-year) over the current reports that occurred in `[from, to)`.
    pub fn half_year_stats(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> CoreResult<std::collections::BTreeMap<(Id, HalfYear), IncidentStats>> {
        Ok(half_year_stats(&self.current_between(from, to)?))
    }
}
