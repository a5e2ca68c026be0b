//! Services provided (서비스 제공 기록) repository: record a 돌봄SOS service or a 서울형 긴급복지
//! payment, correct or void it with a new record, and read what counts for a household.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::conv::{date, get_date, get_id, get_opt_id};
use super::Store;
use crate::clock::local_date;
use crate::model::service::current;
use crate::model::validate::optional_note;
use crate::model::{
    new_id, EmergencySupport, Id, ItemShape, QuantityUnit, ServiceItem, ServiceProgram,
    ServiceProvision,
};
use crate::{CoreError, CoreResult};

pub struct ServiceProvisions<'a>(pub(super) &'a Store);

/// The largest amount one record may carry: 1억원. **Our choice**: no single support item comes
/// near it (the largest cap in `domain.md` is 160만원 of 돌봄SOS care a year); it stops a slipped
/// keyboard, not a real payment.
pub const MAX_AMOUNT_WON: i64 = 100_000_000;
/// The largest quantity one record may carry. **Our choice**: a year of daily short stays, or of
/// minutes of 60 hours of home care, fit well inside it.
pub const MAX_QUANTITY: i64 = 100_000;

#[derive(Debug, Clone)]
pub struct NewServiceProvision {
    pub household_id: Id,
    pub case_id: Option<Id>,
    pub item: ServiceItem,
    pub provided_on: NaiveDate,
    pub quantity: Option<i64>,
    pub amount_won: Option<i64>,
    pub recorded_by: Id,
    pub note: Option<String>,
    /// The earlier record of the same household this one corrects.
    pub corrects: Option<Id>,
}

/// What one item came to for a household in a year (records that count only, see
/// [`crate::model::service::current`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ServiceItemUsage"))]
pub struct ItemUsage {
    pub item: ServiceItem,
    /// Deliveries (돌봄SOS) or payments (긴급복지).
    pub count: u64,
    /// Sum of quantities, in `unit`.
    pub quantity: i64,
    pub unit: Option<QuantityUnit>,
    pub amount_won: i64,
}

pub(crate) const COLUMNS: &str =
    "id, household_id, case_id, item, provided_on, quantity, amount_won,
     recorded_by, note, corrects, voided, crisis_reason, support_kind";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ServiceProvision> {
    Ok(ServiceProvision {
        id: get_id(r, 0)?,
        household_id: get_id(r, 1)?,
        case_id: get_opt_id(r, 2)?,
        item: r.get(3)?,
        provided_on: get_date(r, 4)?,
        quantity: r.get(5)?,
        amount_won: r.get(6)?,
        recorded_by: get_id(r, 7)?,
        note: r.get(8)?,
        corrects: get_opt_id(r, 9)?,
        voided: r.get(10)?,
        crisis_reason: r.get(11)?,
        support_kind: r.get(12)?,
    })
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<ServiceProvision>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM service_provisions WHERE id = ?1"
        ))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

fn of_household(conn: &Connection, household_id: Id) -> CoreResult<Vec<ServiceProvision>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM service_provisions WHERE household_id = ?1"
    ))?;
    let rows = st.query_map([household_id.to_string()], from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn insert(conn: &Connection, p: &ServiceProvision) -> CoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO service_provisions ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        p.id.to_string(),
        p.household_id.to_string(),
        p.case_id.map(|v| v.to_string()),
        p.item,
        date(p.provided_on),
        p.quantity,
        p.amount_won,
        p.recorded_by.to_string(),
        p.note,
        p.corrects.map(|v| v.to_string()),
        p.voided,
        p.crisis_reason,
        p.support_kind
    ])?;
    Ok(())
}

fn invalid(code: &'static str, field: &str, ko: String, en: String) -> CoreError {
    CoreError::invalid(code, field, ko, en)
}

/// The quantity and amount an item's record must carry (see [`ItemShape`]).
fn check_shape(item: ServiceItem, quantity: Option<i64>, amount: Option<i64>) -> CoreResult<()> {
    let (ko, en) = (item.label_ko(), item.label_en());
    if let Some(a) = amount {
        if !(0..=MAX_AMOUNT_WON).contains(&a) {
            return Err(invalid(
                "amount_out_of_range",
                "service.amount_won",
                format!("금액은 0원 이상 {MAX_AMOUNT_WON}원 이하로 입력하세요 (입력: {a})"),
                format!("the amount must be 0 to {MAX_AMOUNT_WON} won (got {a})"),
            ));
        }
    }
    if let Some(q) = quantity {
        if !(1..=MAX_QUANTITY).contains(&q) {
            return Err(invalid(
                "quantity_out_of_range",
                "service.quantity",
                format!("양은 1 이상 {MAX_QUANTITY} 이하로 입력하세요 (입력: {q})"),
                format!("the quantity must be 1 to {MAX_QUANTITY} (got {q})"),
            ));
        }
    }
    match item.shape() {
        ItemShape::Paid(unit) if quantity.is_none() => Err(invalid(
            "quantity_required",
            "service.quantity",
            format!("{ko}: 제공량({})을 입력하세요", unit.label_ko()),
            format!("{en}: give how much was provided (in {})", unit.label_en()),
        )),
        ItemShape::Linked if quantity.is_some() || amount.is_some() => Err(invalid(
            "linked_service_has_no_amount",
            "service.amount_won",
            format!("{ko}은(는) 연계 서비스입니다: 제공량과 금액을 비워 두세요"),
            format!("{en} is a linked service: leave quantity and amount empty"),
        )),
        ItemShape::Money if amount.is_none() => Err(invalid(
            "amount_required",
            "service.amount_won",
            format!("{ko}: 지원 금액을 입력하세요"),
            format!("{en}: give the amount paid"),
        )),
        ItemShape::Money if quantity.is_some() => Err(invalid(
            "quantity_not_applicable",
            "service.quantity",
            format!("{ko}은(는) 금액만 기록합니다: 제공량을 비워 두세요"),
            format!("{en} is recorded as an amount only: leave the quantity empty"),
        )),
        _ => Ok(()),
    }
}

impl ServiceProvisions<'_> {
    /// Records a service delivered or support paid. The household, the worker, the case (of that
    /// household) and the corrected record (of that household) must exist; the day must not be
    /// in the future. A 서울형 긴급복지 payment recorded this way has no crisis reason: see
    /// [`Self::record_with`].
    pub fn record(&self, new: NewServiceProvision) -> CoreResult<ServiceProvision> {
        self.record_with(new, None)
    }

    /// [`Self::record`], with what a 서울형 긴급복지 payment was for (its crisis reason, and new
    /// support or an extra payment in the same episode), which the repeat-support rules of
    /// `evaluate_household` read. Only an emergency support item may carry it.
    pub fn record_with(
        &self,
        new: NewServiceProvision,
        emergency: Option<EmergencySupport>,
    ) -> CoreResult<ServiceProvision> {
        check_shape(new.item, new.quantity, new.amount_won)?;
        if emergency.is_some() && new.item.program() != ServiceProgram::SeoulEmergencyWelfare {
            let (ko, en) = (new.item.label_ko(), new.item.label_en());
            return Err(invalid(
                "crisis_reason_not_applicable",
                "service.crisis_reason",
                format!("{ko}은(는) 돌봄SOS 서비스입니다: 위기사유와 지원 종류는 서울형 긴급복지 지원항목에만 기록합니다"),
                format!("{en} is a Care SOS service: a crisis reason and support kind are recorded for Seoul emergency welfare items only"),
            ));
        }
        let note = optional_note("service.note", new.note.as_deref())?;
        self.write(ServiceProvision {
            id: new_id(),
            household_id: new.household_id,
            case_id: new.case_id,
            item: new.item,
            provided_on: new.provided_on,
            quantity: new.quantity,
            amount_won: new.amount_won,
            recorded_by: new.recorded_by,
            note,
            corrects: new.corrects,
            voided: false,
            crisis_reason: emergency.map(|e| e.crisis_reason),
            support_kind: emergency.map(|e| e.support_kind),
        })
    }

    /// Withdraws a record entered in error (a new record that voids it; nothing is deleted).
    pub fn void(&self, id: Id, recorded_by: Id, reason: &str) -> CoreResult<ServiceProvision> {
        let reason = optional_note("service.note", Some(reason))?.ok_or_else(|| {
            invalid(
                "required",
                "service.note",
                "취소 사유를 입력하세요".into(),
                "give the reason for voiding".into(),
            )
        })?;
        let old = self.get(id)?;
        self.write(ServiceProvision {
            id: new_id(),
            quantity: None,
            amount_won: None,
            recorded_by,
            note: Some(reason),
            corrects: Some(id),
            voided: true,
            ..old
        })
    }

    fn write(&self, p: ServiceProvision) -> CoreResult<ServiceProvision> {
        let today = local_date(self.0.clock().now());
        if p.provided_on > today {
            return Err(invalid(
                "date_in_future",
                "service.provided_on",
                format!("제공일 {}은(는) 오늘({today}) 이후입니다", p.provided_on),
                format!(
                    "the day provided, {}, is after today ({today})",
                    p.provided_on
                ),
            ));
        }
        self.0.write_synced(|tx, cap| {
            super::households::require(tx, p.household_id)?;
            super::workers::require(tx, p.recorded_by)?;
            if let Some(case_id) = p.case_id {
                if super::cases::require(tx, case_id)?.household_id != p.household_id {
                    return Err(invalid(
                        "case_of_other_household",
                        "service.case_id",
                        "다른 가구의 사례입니다".into(),
                        "the case belongs to another household".into(),
                    ));
                }
            }
            if let Some(old) = p.corrects {
                let o =
                    get(tx, old)?.ok_or_else(|| CoreError::not_found("service_provision", old))?;
                if o.household_id != p.household_id {
                    return Err(invalid(
                        "correction_of_other_household",
                        "service.corrects",
                        "다른 가구의 기록은 정정할 수 없습니다".into(),
                        "a correction must concern the same household".into(),
                    ));
                }
            }
            insert(tx, &p)?;
            cap.append(tx, "service_provisions", p.id)?;
            Ok(p)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<ServiceProvision> {
        self.0
            .read(|tx| get(tx, id))?
            .ok_or_else(|| CoreError::not_found("service_provision", id))
    }

    /// The household's services that count (corrections applied, voided ones left out), newest
    /// first.
    pub fn for_household(&self, household_id: Id) -> CoreResult<Vec<ServiceProvision>> {
        let all = self.0.read(|tx| {
            super::households::require(tx, household_id)?;
            of_household(tx, household_id)
        })?;
        Ok(current(&all).into_iter().cloned().collect())
    }

    /// What each item came to for the household in a calendar year: what a worker checks against
    /// the yearly limits (돌봄SOS: 60 hours of home care, 14 days of short stay, 30 meals, a money
    /// cap; 긴급복지: the repeat-support rules) before offering more.
    pub fn year_usage(&self, household_id: Id, year: i32) -> CoreResult<Vec<ItemUsage>> {
        let mut by_item: BTreeMap<ServiceItem, ItemUsage> = BTreeMap::new();
        for p in self.for_household(household_id)? {
            if p.provided_on.year() != year {
                continue;
            }
            let u = by_item.entry(p.item).or_insert(ItemUsage {
                item: p.item,
                count: 0,
                quantity: 0,
                unit: match p.item.shape() {
                    ItemShape::Paid(unit) => Some(unit),
                    _ => None,
                },
                amount_won: 0,
            });
            u.count += 1;
            u.quantity += p.quantity.unwrap_or(0);
            u.amount_won += p.amount_won.unwrap_or(0);
        }
        Ok(by_item.into_values().collect())
    }
}
