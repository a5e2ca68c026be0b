//! Today's plan per team (오늘의 방문 계획) as the dashboard answers it: the core's
//! [`donghaeng_core::schedule::team_day`] over the unit's records, with the households due for
//! monitoring that nothing is planned for ([`super::due`]).

use serde::Serialize;

use donghaeng_core::schedule::team_day::TeamDay;

use super::due::DueHousehold;

#[derive(Debug, Clone, Serialize)]
pub struct DayPlan {
    #[serde(flatten)]
    pub day: TeamDay,
    /// Households due for monitoring by the day with no visit planned ([`super::due`]).
    pub due_unplanned: Vec<DueHousehold>,
}
