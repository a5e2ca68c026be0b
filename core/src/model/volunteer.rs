//! Volunteer activity (자원봉사 활동) and the 보라미 terms (seed 000): 12 days (48 hours) a month,
//! activity pay up to 400,000원 a month.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Id;

/// 보라미 activity standard: days a month (000: 월 12일).
pub const BORAMI_MAX_DAYS_PER_MONTH: u32 = 12;
/// 보라미 activity standard: hours a month (000: 48시간).
pub const BORAMI_MAX_MINUTES_PER_MONTH: u32 = 48 * 60;
/// 보라미 activity pay cap (000: 최대 월 400,000원).
pub const BORAMI_MAX_PAY_WON: i64 = 400_000;

/// One day's activity of a volunteer (may cover several households).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VolunteerActivity {
    pub id: Id,
    pub worker_id: Id,
    pub day: NaiveDate,
    pub minutes: u32,
    pub household_id: Option<Id>,
    pub note: Option<String>,
}

/// A volunteer's month measured against the 보라미 terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VolunteerMonth {
    pub worker_id: Id,
    pub year: i32,
    pub month: u32,
    /// Distinct days with activity.
    pub days: u32,
    pub minutes: u32,
    pub over_day_limit: bool,
    pub over_hour_limit: bool,
    /// Activity pay: **our choice** (the seed gives only the cap): pro rata of the 12-day standard,
    /// 400,000원 × min(days, 12) / 12, rounded down to the won.
    pub pay_won: i64,
}

impl VolunteerMonth {
    pub fn new(worker_id: Id, year: i32, month: u32, days: u32, minutes: u32) -> Self {
        let paid_days = days.min(BORAMI_MAX_DAYS_PER_MONTH) as i64;
        VolunteerMonth {
            worker_id,
            year,
            month,
            days,
            minutes,
            over_day_limit: days > BORAMI_MAX_DAYS_PER_MONTH,
            over_hour_limit: minutes > BORAMI_MAX_MINUTES_PER_MONTH,
            pay_won: BORAMI_MAX_PAY_WON * paid_days / BORAMI_MAX_DAYS_PER_MONTH as i64,
        }
    }
}
