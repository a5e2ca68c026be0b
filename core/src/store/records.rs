//! The typed records of one or more 동, read in one transaction (동별 기록 묶음): what the due list,
//! the program figures and the team's day plan read. The phone reads its own store; the server's
//! dashboard reads the same tables in its projection (a store fed by the phone's apply path), so
//! both hand the same typed records to the same rules.

use std::collections::HashMap;

use rusqlite::Connection;

use super::conv::get_id;
use super::Store;
use crate::figures::FigureRecords;
use crate::model::discharge::DischargeReferral;
use crate::model::outreach::OutreachAttempt;
use crate::model::{
    Case, CrisisReport, Household, Id, OrgUnit, OrgUnitKind, Person, Referral, ServiceProvision,
    Visit, WellnessCheck, Worker,
};
use crate::schedule::team_day::TeamDayRecords;
use crate::schedule::DueRecords;
use crate::CoreResult;

/// The records of a set of 동, owned. Every list is ordered by id, so two stores holding the same
/// records give equal values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DongRecords {
    /// Every org unit the store holds (names, the tree up to the city).
    pub org_units: Vec<OrgUnit>,
    pub households: Vec<Household>,
    pub persons: Vec<Person>,
    /// With their assigned workers.
    pub visits: Vec<Visit>,
    pub wellness_checks: Vec<WellnessCheck>,
    pub cases: Vec<Case>,
    pub referrals: Vec<Referral>,
    /// Crisis reports made in the 동 (with or without a household yet).
    pub crisis_reports: Vec<CrisisReport>,
    pub services: Vec<ServiceProvision>,
    /// Universal-visit outreach attempts (every record; corrections are resolved by the readers).
    pub outreach: Vec<OutreachAttempt>,
    /// Hospital-discharge referrals assigned to the 동's households.
    pub discharges: Vec<DischargeReferral>,
    /// Every worker the store holds (the teams of the 동 and anyone linked to their households).
    pub workers: Vec<Worker>,
    /// Rows left out because a value does not read as its type (an unknown code a newer or a
    /// faulty peer synced): the rules run on the rest instead of failing, and the caller can say
    /// so. The row stays in the store and its merge state; nothing is lost.
    pub unreadable: usize,
}

impl DongRecords {
    /// The view the due list reads.
    pub fn due(&self) -> DueRecords<'_> {
        DueRecords {
            households: &self.households,
            persons: &self.persons,
            visits: &self.visits,
            wellness_checks: &self.wellness_checks,
            cases: &self.cases,
            referrals: &self.referrals,
            outreach: &self.outreach,
            discharges: &self.discharges,
            workers: &self.workers,
        }
    }

    /// The view a team's day plan reads.
    pub fn team_day(&self) -> TeamDayRecords<'_> {
        TeamDayRecords {
            households: &self.households,
            visits: &self.visits,
            workers: &self.workers,
        }
    }

    /// The view the program figures read.
    pub fn figures(&self) -> FigureRecords<'_> {
        FigureRecords {
            households: &self.households,
            persons: &self.persons,
            visits: &self.visits,
            referrals: &self.referrals,
            crisis_reports: &self.crisis_reports,
            services: &self.services,
            outreach: &self.outreach,
            workers: &self.workers,
        }
    }
}

/// The 동 of the statement's parameter `?1` (a JSON array of ids).
const IN_DONGS: &str = "(SELECT value FROM json_each(?1))";

/// Whether an error is a value that does not read as its type (not a failure of the database).
fn is_unreadable(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
    )
}

/// The rows of a query; those that do not read are counted in `unreadable` and left out.
fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    unreadable: &mut usize,
) -> CoreResult<Vec<T>> {
    let mut st = conn.prepare(sql)?;
    let mut out = Vec::new();
    for row in st.query_map(params, f)? {
        match row {
            Ok(v) => out.push(v),
            Err(e) if is_unreadable(&e) => *unreadable += 1,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Rows of a household-owned table whose household is in the 동.
fn of_households<T>(
    conn: &Connection,
    table: &str,
    columns: &str,
    dongs: &str,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    unreadable: &mut usize,
) -> CoreResult<Vec<T>> {
    rows(
        conn,
        &format!(
            "SELECT {columns} FROM {table}
              WHERE household_id IN (SELECT id FROM households WHERE dong_id IN {IN_DONGS})
              ORDER BY id"
        ),
        [dongs],
        f,
        unreadable,
    )
}

pub(crate) fn load(conn: &Connection, dongs: &[Id]) -> CoreResult<DongRecords> {
    let ids = serde_json::to_string(&dongs.iter().map(Id::to_string).collect::<Vec<_>>())
        .map_err(|e| crate::CoreError::storage(e.to_string()))?;
    let ids = ids.as_str();
    let mut unreadable = 0;
    let n = &mut unreadable;
    let org_units = super::org::all(conn)?;
    let households = rows(
        conn,
        &format!(
            "SELECT {} FROM households WHERE dong_id IN {IN_DONGS} ORDER BY id",
            super::households::COLUMNS
        ),
        [ids],
        super::households::from_row,
        n,
    )?
    .into_iter()
    .map(|s| s.household)
    .collect();
    let persons = of_households(
        conn,
        "persons",
        "id, household_id, name, birth_date, sex, relation, disability",
        ids,
        super::persons::from_row,
        n,
    )?;
    let mut visits = of_households(
        conn,
        "visits",
        super::visits::COLUMNS,
        ids,
        super::visits::from_row,
        n,
    )?;
    let assigned = rows(
        conn,
        &format!(
            "SELECT visit_id, worker_id FROM visit_workers
              WHERE visit_id IN (SELECT id FROM visits WHERE household_id IN
                    (SELECT id FROM households WHERE dong_id IN {IN_DONGS}))
              ORDER BY visit_id, worker_id"
        ),
        [ids],
        |r| Ok((get_id(r, 0)?, get_id(r, 1)?)),
        n,
    )?;
    let mut by_visit: HashMap<Id, Vec<Id>> = HashMap::new();
    for (v, w) in assigned {
        by_visit.entry(v).or_default().push(w);
    }
    for v in &mut visits {
        v.assigned = by_visit.remove(&v.id).unwrap_or_default();
    }
    Ok(DongRecords {
        org_units,
        households,
        persons,
        visits,
        wellness_checks: of_households(
            conn,
            "wellness_checks",
            super::wellness::COLUMNS,
            ids,
            super::wellness::from_row,
            n,
        )?,
        cases: of_households(
            conn,
            "cases",
            super::cases::COLUMNS,
            ids,
            super::cases::from_row,
            n,
        )?,
        referrals: of_households(
            conn,
            "referrals",
            super::referrals::COLUMNS,
            ids,
            super::referrals::from_row,
            n,
        )?,
        crisis_reports: rows(
            conn,
            &format!(
                "SELECT {} FROM crisis_reports WHERE dong_id IN {IN_DONGS} ORDER BY id",
                super::crisis_reports::COLUMNS
            ),
            [ids],
            super::crisis_reports::from_row,
            n,
        )?,
        services: of_households(
            conn,
            "service_provisions",
            super::services::COLUMNS,
            ids,
            super::services::from_row,
            n,
        )?,
        discharges: of_households(
            conn,
            "discharge_referrals",
            super::discharge::COLUMNS,
            ids,
            super::discharge::from_row,
            n,
        )?,
        outreach: of_households(
            conn,
            "outreach_attempts",
            super::outreach::COLUMNS,
            ids,
            super::outreach::from_row,
            n,
        )?,
        workers: rows(
            conn,
            &format!(
                "SELECT {} FROM workers ORDER BY id",
                super::workers::COLUMNS
            ),
            [],
            super::workers::from_row,
            n,
        )?,
        unreadable,
    })
}

impl Store {
    /// The records of the 동 `dongs` (each must be a 동: an error names `records.dong_id`).
    pub fn dong_records(&self, dongs: &[Id]) -> CoreResult<DongRecords> {
        self.read(|tx| {
            for d in dongs {
                super::org::require(tx, *d, OrgUnitKind::Dong, "records.dong_id")?;
            }
            load(tx, dongs)
        })
    }

    /// Every 동 the store holds, by id.
    pub fn dongs(&self) -> CoreResult<Vec<Id>> {
        self.read(|tx| {
            let mut st =
                tx.prepare_cached("SELECT id FROM org_units WHERE kind = ?1 ORDER BY id")?;
            let ids = st.query_map([OrgUnitKind::Dong.code()], |r| get_id(r, 0))?;
            Ok(ids.collect::<Result<Vec<_>, _>>()?)
        })
    }
}
