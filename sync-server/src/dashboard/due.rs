//! Households due for monitoring with no visit planned (모니터링 대상 중 방문 미계획): what the team
//! lead must still place on the day's plan. The rule is the core's
//! ([`donghaeng_core::store::Store::due_unplanned`], the one a phone runs): the last contact plus the
//! interval of the household's crisis level from the cadence table that applies to its 동, with the
//! households already in hand left out. Here: the answer's shape, over several 동.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use donghaeng_core::clock::local_date;
use donghaeng_core::store::households::MonitoringDue;
use donghaeng_core::store::Store;
use donghaeng_core::CoreResult;

/// A household due (or overdue) on the plan's day with nothing planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueHousehold {
    pub household_id: Uuid,
    pub dong_id: Uuid,
    pub address: Option<String>,
    pub crisis_level: u8,
    pub last_contact: Option<NaiveDate>,
    pub due_on: NaiveDate,
    /// Days past due on the plan's day (0: due that day).
    pub days_overdue: i64,
}

impl From<MonitoringDue> for DueHousehold {
    fn from(d: MonitoringDue) -> Self {
        DueHousehold {
            household_id: d.household.id,
            dong_id: d.household.dong_id,
            address: Some(d.household.address),
            crisis_level: d.household.crisis_level.value(),
            last_contact: d.last_contact_at.map(local_date),
            due_on: d.due_on,
            days_overdue: d.days_overdue,
        }
    }
}

/// The households of `dongs` due on or before `date` with no visit planned from `date` on, most
/// overdue first, then highest crisis level.
pub fn unplanned(store: &Store, dongs: &[Uuid], date: NaiveDate) -> CoreResult<Vec<DueHousehold>> {
    let mut out = Vec::new();
    for d in dongs {
        out.extend(
            store
                .due_unplanned(*d, date)?
                .into_iter()
                .map(DueHousehold::from),
        );
    }
    out.sort_by(|a, b| {
        a.due_on
            .cmp(&b.due_on)
            .then(b.crisis_level.cmp(&a.crisis_level))
            .then(a.household_id.cmp(&b.household_id))
    });
    Ok(out)
}
