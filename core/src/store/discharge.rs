//! Hospital-discharge referrals repository (돌봄SOS 퇴원환자 연계, 001 §9): the district records the
//! hospital's referral and its assignment to the 동; the 동 and the district record each step after.
//! Every write checks the whole record against [`DischargeReferral::check`] and writes nothing when it
//! fails.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::conv::{date, get_date, get_id, get_opt_date, opt_date};
use super::Store;
use crate::clock::local_date;
use crate::model::discharge::{DischargeReferral, DischargeStep, ENTITY};
use crate::model::validate::{required_text, NAME_MAX_CHARS};
use crate::model::{new_id, Id};
use crate::{CoreError, CoreResult};

pub struct DischargeReferrals<'a>(pub(super) &'a Store);

/// A hospital's referral as the district receives and assigns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewDischargeReferral {
    pub household_id: Id,
    pub person_id: Id,
    pub hospital: String,
    pub referred_on: NaiveDate,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub discharge_on: Option<NaiveDate>,
    pub assigned_by: Id,
    pub assigned_on: NaiveDate,
}

pub(crate) const COLUMNS: &str = "id, household_id, person_id, hospital, referred_on, discharge_on,
     assigned_by, assigned_on, care_plan_on, service_started_on, service_ended_on, confirmed_on,
     reported_on";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DischargeReferral> {
    Ok(DischargeReferral {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        person_id: get_id(r, 2)?,
        hospital: r.get(3)?,
        referred_on: get_date(r, 4)?,
        discharge_on: get_opt_date(r, 5)?,
        assigned_by: get_id(r, 6)?,
        assigned_on: get_date(r, 7)?,
        care_plan_on: get_opt_date(r, 8)?,
        service_started_on: get_opt_date(r, 9)?,
        service_ended_on: get_opt_date(r, 10)?,
        confirmed_on: get_opt_date(r, 11)?,
        reported_on: get_opt_date(r, 12)?,
    })
}

fn require(conn: &Connection, id: Id) -> CoreResult<DischargeReferral> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM {ENTITY} WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?
        .ok_or_else(|| CoreError::not_found("discharge_referral", id))
}

/// Inserts or replaces the row (one statement for create and update: every column is the record's).
fn save(conn: &Connection, r: &DischargeReferral) -> CoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO {ENTITY} ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        r.id.to_string(),
        r.household_id.to_string(),
        r.person_id.to_string(),
        r.hospital,
        date(r.referred_on),
        opt_date(r.discharge_on),
        r.assigned_by.to_string(),
        date(r.assigned_on),
        opt_date(r.care_plan_on),
        opt_date(r.service_started_on),
        opt_date(r.service_ended_on),
        opt_date(r.confirmed_on),
        opt_date(r.reported_on),
    ])?;
    Ok(())
}

impl DischargeReferrals<'_> {
    fn today(&self) -> NaiveDate {
        local_date(self.0.clock().now())
    }

    /// Records a hospital's referral assigned to the patient's household. The household, the
    /// patient (a member of it) and the assigning official must exist.
    pub fn create(&self, new: NewDischargeReferral) -> CoreResult<DischargeReferral> {
        let r = DischargeReferral {
            id: new_id(),
            household_id: new.household_id,
            person_id: new.person_id,
            hospital: required_text("discharge_referral.hospital", &new.hospital, NAME_MAX_CHARS)?,
            referred_on: new.referred_on,
            discharge_on: new.discharge_on,
            assigned_by: new.assigned_by,
            assigned_on: new.assigned_on,
            care_plan_on: None,
            service_started_on: None,
            service_ended_on: None,
            confirmed_on: None,
            reported_on: None,
        };
        r.check(self.today())?;
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, r.household_id)?;
            super::workers::require(tx, r.assigned_by)?;
            let patient_household: Option<String> = tx
                .prepare_cached("SELECT household_id FROM persons WHERE id = ?1")?
                .query_row([r.person_id.to_string()], |row| row.get(0))
                .optional()?;
            match patient_household {
                None => return Err(CoreError::not_found("person", r.person_id)),
                Some(h) if h != r.household_id.to_string() => {
                    return Err(CoreError::invalid(
                        "person_of_other_household",
                        "discharge_referral.person_id",
                        "환자는 이 가구의 가구원이어야 합니다",
                        "the patient must be a member of the household",
                    ))
                }
                Some(_) => {}
            }
            save(tx, &r)?;
            cap.upsert(tx, ENTITY, r.id, None)?;
            Ok(r.clone())
        })
    }

    /// Records the day of a step (`None` clears a step recorded by mistake, when no later step
    /// stands on it).
    pub fn record_step(
        &self,
        id: Id,
        step: DischargeStep,
        on: Option<NaiveDate>,
    ) -> CoreResult<DischargeReferral> {
        self.update(id, |r| r.with_step(step, on))
    }

    /// Records the day of discharge, planned or actual, as the family tells the 동.
    pub fn record_discharge_day(&self, id: Id, on: NaiveDate) -> CoreResult<DischargeReferral> {
        self.update(id, |r| DischargeReferral {
            discharge_on: Some(on),
            ..r
        })
    }

    /// Changes the stored record, checks the whole of it, and saves it with its change to sync.
    fn update(
        &self,
        id: Id,
        change: impl FnOnce(DischargeReferral) -> DischargeReferral,
    ) -> CoreResult<DischargeReferral> {
        let today = self.today();
        self.0.write_synced(|tx, cap| {
            let before = cap.before(tx, ENTITY, id)?;
            let r = change(require(tx, id)?);
            r.check(today)?;
            save(tx, &r)?;
            cap.upsert(tx, ENTITY, id, before)?;
            Ok(r)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<DischargeReferral> {
        self.0.read(|tx| require(tx, id))
    }

    /// The household's discharge referrals, newest referral first.
    pub fn for_household(&self, household_id: Id) -> CoreResult<Vec<DischargeReferral>> {
        self.0.read(|tx| {
            super::households::require(tx, household_id)?;
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM {ENTITY} WHERE household_id = ?1
                  ORDER BY referred_on DESC, id DESC"
            ))?;
            let rows = st.query_map([household_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}
