//! The day's due list of a 동 from what the phone stores: loads the 동's typed records in one read
//! transaction and hands them to the pure rule ([`crate::schedule::due_agenda`]), which the server's
//! dashboard calls on its own copy of the same records.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::conv::get_id;
use super::Store;
use crate::model::{
    Case, Household, Id, OrgUnitKind, Person, Referral, Visit, WellnessCheck, Worker,
};
use crate::schedule::{due_agenda, Agenda, DueRecords};
use crate::CoreResult;

/// A 동's records, owned (what [`DueRecords`] borrows).
#[derive(Debug, Default)]
struct Loaded {
    households: Vec<Household>,
    persons: Vec<Person>,
    visits: Vec<Visit>,
    wellness_checks: Vec<WellnessCheck>,
    cases: Vec<Case>,
    referrals: Vec<Referral>,
    workers: Vec<Worker>,
}

/// Rows of `table` whose household is in the 동.
const OF_DONG: &str = "household_id IN (SELECT id FROM households WHERE dong_id = ?1)";

fn rows<T>(
    conn: &Connection,
    sql: &str,
    dong: Id,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> CoreResult<Vec<T>> {
    let mut st = conn.prepare(sql)?;
    let out = st.query_map([dong.to_string()], f)?;
    Ok(out.collect::<Result<Vec<_>, _>>()?)
}

fn load(conn: &Connection, dong: Id) -> CoreResult<Loaded> {
    super::org::require(conn, dong, OrgUnitKind::Dong, "due.dong_id")?;
    let households = rows(
        conn,
        &format!(
            "SELECT {} FROM households WHERE dong_id = ?1 ORDER BY id",
            super::households::COLUMNS
        ),
        dong,
        super::households::from_row,
    )?
    .into_iter()
    .map(|s| s.household)
    .collect();
    let persons = rows(
        conn,
        &format!(
            "SELECT id, household_id, name, birth_date, sex, relation, disability FROM persons
              WHERE {OF_DONG} ORDER BY id"
        ),
        dong,
        super::persons::from_row,
    )?;
    let mut visits = rows(
        conn,
        &format!(
            "SELECT {} FROM visits WHERE {OF_DONG} ORDER BY id",
            super::visits::COLUMNS
        ),
        dong,
        super::visits::from_row,
    )?;
    let assigned = rows(
        conn,
        &format!(
            "SELECT visit_id, worker_id FROM visit_workers
              WHERE visit_id IN (SELECT id FROM visits WHERE {OF_DONG}) ORDER BY visit_id, worker_id"
        ),
        dong,
        |r| Ok((get_id(r, 0)?, get_id(r, 1)?)),
    )?;
    let mut by_visit: HashMap<Id, Vec<Id>> = HashMap::new();
    for (v, w) in assigned {
        by_visit.entry(v).or_default().push(w);
    }
    for v in &mut visits {
        v.assigned = by_visit.remove(&v.id).unwrap_or_default();
    }
    let wellness_checks = rows(
        conn,
        &format!(
            "SELECT {} FROM wellness_checks WHERE {OF_DONG} ORDER BY id",
            super::wellness::COLUMNS
        ),
        dong,
        super::wellness::from_row,
    )?;
    let cases = rows(
        conn,
        &format!(
            "SELECT {} FROM cases WHERE {OF_DONG} ORDER BY id",
            super::cases::COLUMNS
        ),
        dong,
        super::cases::from_row,
    )?;
    let referrals = rows(
        conn,
        &format!(
            "SELECT {} FROM referrals WHERE {OF_DONG} ORDER BY id",
            super::referrals::COLUMNS
        ),
        dong,
        super::referrals::from_row,
    )?;
    // Workers linked to the 동's visits or checks: the volunteers among them are the candidates.
    let workers = rows(
        conn,
        &format!(
            "SELECT {} FROM workers WHERE id IN (
                 SELECT worker_id FROM visit_workers
                  WHERE visit_id IN (SELECT id FROM visits WHERE {OF_DONG})
                 UNION SELECT worker_id FROM wellness_checks WHERE {OF_DONG}) ORDER BY id",
            super::workers::COLUMNS
        ),
        dong,
        super::workers::from_row,
    )?;
    Ok(Loaded {
        households,
        persons,
        visits,
        wellness_checks,
        cases,
        referrals,
        workers,
    })
}

impl Store {
    /// What is due for the 동 on `today` (a Korean calendar date) and why: overdue, due today and
    /// upcoming, from the stored records and the 동's cadence table (the nearest published one, or the
    /// default). An id that is not a 동 is an error naming `due.dong_id`.
    pub fn due_today(&self, dong_id: Id, today: NaiveDate) -> CoreResult<Agenda> {
        let l = self.read(|tx| load(tx, dong_id))?;
        let cadence = self.config_docs().cadence(dong_id)?.value;
        let records = DueRecords {
            households: &l.households,
            persons: &l.persons,
            visits: &l.visits,
            wellness_checks: &l.wellness_checks,
            cases: &l.cases,
            referrals: &l.referrals,
            workers: &l.workers,
        };
        due_agenda(&records, today, cadence)
    }
}
