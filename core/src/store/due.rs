//! The day's due list of a 동 from what the phone stores: loads the 동's typed records in one read
//! transaction and hands them to the pure rule ([`crate::schedule::due_agenda`]), which the server's
//! dashboard calls on its own copy of the same records.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::conv::get_id;
use super::households::{MonitoringDue, MonitoringIntervals};
use super::Store;
use crate::clock::day_start_ms;
use crate::model::{Id, OrgUnitKind, VisitStatus};
use crate::schedule::{due_agenda, Agenda};
use crate::CoreResult;

impl Store {
    /// What is due for the 동 on `today` (a Korean calendar date) and why: overdue, due today and
    /// upcoming, from the stored records and the 동's cadence table (the nearest published one, or the
    /// default). An id that is not a 동 is an error naming `due.dong_id`.
    pub fn due_today(&self, dong_id: Id, today: NaiveDate) -> CoreResult<Agenda> {
        let records = self.read(|tx| {
            super::org::require(tx, dong_id, OrgUnitKind::Dong, "due.dong_id")?;
            super::records::load(tx, &[dong_id])
        })?;
        let cadence = self.config_docs().cadence(dong_id)?.value;
        due_agenda(&records.due(), today, cadence)
    }

    /// Households of the 동 due for monitoring on or before `date` (모니터링 대상 중 방문 미계획) with
    /// no visit planned from that day on: what the team lead must still place. The rule of
    /// [`super::households::Households::due_for_monitoring`] with the 동's cadence table; "planned"
    /// is a visit of the household, planned or in progress, whose window starts on `date` or later.
    pub fn due_unplanned(&self, dong_id: Id, date: NaiveDate) -> CoreResult<Vec<MonitoringDue>> {
        let intervals = MonitoringIntervals(
            self.config_docs()
                .cadence(dong_id)?
                .value
                .crisis_interval_days,
        );
        let due = self
            .households()
            .due_for_monitoring(dong_id, date, 0, intervals)?;
        let planned: HashSet<Id> = self.read(|tx| {
            let mut st = tx.prepare_cached(
                "SELECT DISTINCT household_id FROM visits
                  WHERE household_id IN (SELECT id FROM households WHERE dong_id = ?1)
                    AND status IN (?2, ?3) AND window_start >= ?4",
            )?;
            let ids = st.query_map(
                rusqlite::params![
                    dong_id.to_string(),
                    VisitStatus::Planned.code(),
                    VisitStatus::InProgress.code(),
                    day_start_ms(date)
                ],
                |r| get_id(r, 0),
            )?;
            Ok(ids.collect::<Result<HashSet<_>, _>>()?)
        })?;
        Ok(due
            .into_iter()
            .filter(|d| !planned.contains(&d.household.id))
            .collect())
    }
}
