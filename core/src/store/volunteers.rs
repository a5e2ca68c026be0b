//! Volunteer activity repository and the monthly check against the 보라미 terms.

use chrono::{Datelike, NaiveDate};
use rusqlite::params;

use super::conv::date;
use super::Store;
use crate::model::validate::optional_note;
use crate::model::{new_id, Id, VolunteerActivity, VolunteerMonth};
use crate::{CoreError, CoreResult};

pub struct VolunteerActivities<'a>(pub(super) &'a Store);

/// At most one day's worth of minutes in one record.
pub const MAX_MINUTES_PER_RECORD: u32 = 24 * 60;

#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewVolunteerActivity {
    pub worker_id: Id,
    pub day: NaiveDate,
    pub minutes: u32,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub household_id: Option<Id>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
}

impl VolunteerActivities<'_> {
    /// Records a day's activity of a volunteer. Over the monthly terms is recorded (the work was done)
    /// and shows in [`VolunteerActivities::month`]; it is not refused.
    pub fn record(&self, new: NewVolunteerActivity) -> CoreResult<VolunteerActivity> {
        if new.minutes == 0 || new.minutes > MAX_MINUTES_PER_RECORD {
            return Err(CoreError::invalid(
                "minutes_out_of_range",
                "volunteer_activity.minutes",
                format!(
                    "활동 시간은 1~{MAX_MINUTES_PER_RECORD}분이어야 합니다 (입력: {})",
                    new.minutes
                ),
                format!(
                    "activity minutes must be 1..={MAX_MINUTES_PER_RECORD} (got {})",
                    new.minutes
                ),
            ));
        }
        let note = optional_note("volunteer_activity.note", new.note.as_deref())?;
        self.0.write_synced(|tx, cap| {
            let w = super::workers::require(tx, new.worker_id)?;
            if !w.roles.iter().any(|r| r.is_volunteer()) {
                return Err(CoreError::invalid(
                    "not_a_volunteer",
                    "volunteer_activity.worker_id",
                    "자원봉사자가 아닌 직원의 활동은 여기에 기록하지 않습니다",
                    "only volunteers' activity is recorded here",
                ));
            }
            if let Some(h) = new.household_id {
                super::households::require(tx, h)?;
            }
            let a = VolunteerActivity {
                id: new_id(),
                worker_id: new.worker_id,
                day: new.day,
                minutes: new.minutes,
                household_id: new.household_id,
                note,
            };
            tx.execute(
                "INSERT INTO volunteer_activity (id, worker_id, day, minutes, household_id, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    a.id.to_string(),
                    a.worker_id.to_string(),
                    date(a.day),
                    a.minutes,
                    a.household_id.map(|v| v.to_string()),
                    a.note
                ],
            )?;
            cap.upsert(tx, "volunteer_activity", a.id, None)?;
            Ok(a)
        })
    }

    /// The volunteer's month against the 보라미 terms (12 days / 48 hours, pay up to 400,000원).
    pub fn month(&self, worker_id: Id, year: i32, month: u32) -> CoreResult<VolunteerMonth> {
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| {
            CoreError::invalid(
                "invalid_month",
                "month",
                format!("올바른 연월이 아닙니다: {year}-{month}"),
                format!("not a valid month: {year}-{month}"),
            )
        })?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
        let (days, minutes): (u32, u32) = self.0.read(|tx| {
            super::workers::require(tx, worker_id)?;
            Ok(tx.query_row(
                "SELECT count(DISTINCT day), COALESCE(sum(minutes), 0) FROM volunteer_activity
                  WHERE worker_id = ?1 AND day >= ?2 AND day < ?3",
                params![worker_id.to_string(), date(first), date(next)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?;
        Ok(VolunteerMonth::new(
            worker_id,
            first.year(),
            first.month(),
            days,
            minutes,
        ))
    }
}
