//! Hospital-discharge referrals (돌봄SOS 퇴원환자 연계, 001 §9): a hospital that has assessed a patient
//! before discharge refers them for 돌봄SOS care; the district (구청) checks the referral and assigns
//! it to the patient's 동; the 동 makes a care plan and delivers the services; the district confirms
//! the result, pays the providers and reports back to the hospital.
//!
//! One synced, mutable record per referral carries the day of each step. The steps happen in order:
//! each needs the one before it, on that day or later, and none is recorded ahead of today. Who
//! records which step is part of the rule ([`written_by`]): the district's steps are the district's
//! (a 동 cannot mark its own work confirmed and paid); the server enforces that on every push.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::validate::{required_text, NAME_MAX_CHARS};
use super::Id;
use crate::{CoreError, CoreResult};

crate::code_enum! {
    /// The steps of a discharge referral after the district assigned it to the 동.
    pub enum DischargeStep: "discharge_referral.step" {
        /// 돌봄계획 수립 (동): the care manager's plan after the home visit.
        CarePlan = ("care_plan", "돌봄계획 수립", "care plan made"),
        /// 맞춤형 서비스 제공 시작 (동).
        ServiceStarted = ("service_started", "서비스 제공 시작", "service started"),
        /// 서비스 제공 종료 (동).
        ServiceEnded = ("service_ended", "서비스 제공 종료", "service ended"),
        /// 결과 확인·수가 지급 (구청).
        Confirmed = ("confirmed", "결과 확인·수가 지급", "result confirmed, providers paid"),
        /// 의료기관에 결과 회신 (구청).
        Reported = ("reported", "병원에 결과 회신", "result sent to the hospital"),
    }
}

/// Which office writes a field of a discharge referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Office {
    /// 구청 (or the city above it): receives the hospital's referral, assigns it, confirms, pays, reports.
    District,
    /// 동 주민센터: plans and delivers the care.
    Dong,
}

/// A hospital's referral of a patient for care after discharge, and how far it has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DischargeReferral {
    pub id: Id,
    /// The patient's household (its 동 is the one the district assigned the referral to).
    pub household_id: Id,
    /// The patient, a member of the household.
    pub person_id: Id,
    /// The referring hospital (MOU 병원).
    pub hospital: String,
    /// The hospital's referral (퇴원 전 환자평가, SOS 서비스 의뢰).
    pub referred_on: NaiveDate,
    /// The day of discharge, planned or actual (may be ahead of today).
    pub discharge_on: Option<NaiveDate>,
    /// The district official who assigned it.
    pub assigned_by: Id,
    /// Assigned to the 동 by the district (병원 의뢰건 확인, 동별 분배).
    pub assigned_on: NaiveDate,
    pub care_plan_on: Option<NaiveDate>,
    pub service_started_on: Option<NaiveDate>,
    pub service_ended_on: Option<NaiveDate>,
    pub confirmed_on: Option<NaiveDate>,
    pub reported_on: Option<NaiveDate>,
}

/// The entity's synced name (the store's table).
pub const ENTITY: &str = "discharge_referrals";

/// Which office writes each field. The record is created by the district, with the hospital's
/// referral and the assignment; the 동 adds the care plan, the service and the day of discharge it
/// learns from the family. `None`: not a field of the record.
pub fn written_by(field: &str) -> Option<Office> {
    match field {
        "household_id" | "person_id" | "hospital" | "referred_on" | "assigned_by"
        | "assigned_on" | "confirmed_on" | "reported_on" => Some(Office::District),
        "discharge_on" | "care_plan_on" | "service_started_on" | "service_ended_on" => {
            Some(Office::Dong)
        }
        _ => None,
    }
}

impl DischargeStep {
    /// The field holding the step's day.
    pub fn field(self) -> &'static str {
        match self {
            DischargeStep::CarePlan => "care_plan_on",
            DischargeStep::ServiceStarted => "service_started_on",
            DischargeStep::ServiceEnded => "service_ended_on",
            DischargeStep::Confirmed => "confirmed_on",
            DischargeStep::Reported => "reported_on",
        }
    }

    /// Who records the step.
    pub fn office(self) -> Office {
        written_by(self.field()).unwrap_or(Office::District)
    }
}

/// A day of the chain: its field, its label, and its value.
struct Link {
    field: &'static str,
    ko: &'static str,
    en: &'static str,
    on: Option<NaiveDate>,
}

impl DischargeReferral {
    /// The day of a step, if recorded.
    pub fn step_on(&self, step: DischargeStep) -> Option<NaiveDate> {
        match step {
            DischargeStep::CarePlan => self.care_plan_on,
            DischargeStep::ServiceStarted => self.service_started_on,
            DischargeStep::ServiceEnded => self.service_ended_on,
            DischargeStep::Confirmed => self.confirmed_on,
            DischargeStep::Reported => self.reported_on,
        }
    }

    /// The record with a step's day set (or cleared: a step recorded by mistake).
    pub fn with_step(&self, step: DischargeStep, on: Option<NaiveDate>) -> DischargeReferral {
        let mut r = self.clone();
        let slot = match step {
            DischargeStep::CarePlan => &mut r.care_plan_on,
            DischargeStep::ServiceStarted => &mut r.service_started_on,
            DischargeStep::ServiceEnded => &mut r.service_ended_on,
            DischargeStep::Confirmed => &mut r.confirmed_on,
            DischargeStep::Reported => &mut r.reported_on,
        };
        *slot = on;
        r
    }

    /// The latest step recorded, `None` while the 동 has not planned the care yet.
    pub fn stage(&self) -> Option<DischargeStep> {
        DischargeStep::ALL
            .iter()
            .rev()
            .copied()
            .find(|s| self.step_on(*s).is_some())
    }

    fn chain(&self) -> [Link; 7] {
        let link = |field, ko, en, on| Link { field, ko, en, on };
        [
            link(
                "referred_on",
                "병원 의뢰일",
                "hospital's referral",
                Some(self.referred_on),
            ),
            link(
                "assigned_on",
                "동 배정일",
                "assignment to the 동",
                Some(self.assigned_on),
            ),
            link(
                "care_plan_on",
                "돌봄계획 수립일",
                "care plan",
                self.care_plan_on,
            ),
            link(
                "service_started_on",
                "서비스 시작일",
                "service start",
                self.service_started_on,
            ),
            link(
                "service_ended_on",
                "서비스 종료일",
                "service end",
                self.service_ended_on,
            ),
            link(
                "confirmed_on",
                "결과 확인일",
                "district's confirmation",
                self.confirmed_on,
            ),
            link(
                "reported_on",
                "병원 회신일",
                "report to the hospital",
                self.reported_on,
            ),
        ]
    }

    /// The rules of the whole record: the hospital is named; each step is recorded only after the
    /// one before it, on that day or later; no step is after `today`; the day of discharge is not
    /// before the referral. The error names the field.
    pub fn check(&self, today: NaiveDate) -> CoreResult<()> {
        required_text(
            "discharge_referral.hospital",
            &self.hospital,
            NAME_MAX_CHARS,
        )?;
        let chain = self.chain();
        let mut previous: Option<(&Link, NaiveDate)> = None;
        for (i, l) in chain.iter().enumerate() {
            let Some(on) = l.on else {
                if let Some(later) = chain[i + 1..].iter().find(|x| x.on.is_some()) {
                    return Err(CoreError::invalid(
                        "discharge_step_skipped",
                        &format!("discharge_referral.{}", later.field),
                        format!("{}보다 {}을(를) 먼저 기록하세요", later.ko, l.ko),
                        format!("record the {} before the {}", l.en, later.en),
                    ));
                }
                break;
            };
            if on > today {
                return Err(CoreError::invalid(
                    "date_in_future",
                    &format!("discharge_referral.{}", l.field),
                    format!("{} {on}은(는) 오늘({today}) 이후입니다", l.ko),
                    format!("the {} ({on}) is after today ({today})", l.en),
                ));
            }
            if let Some((p, before)) = previous {
                if on < before {
                    return Err(CoreError::invalid(
                        "discharge_step_before_previous",
                        &format!("discharge_referral.{}", l.field),
                        format!("{} {on}은(는) {}({before})보다 빠릅니다", l.ko, p.ko),
                        format!("the {} ({on}) is before the {} ({before})", l.en, p.en),
                    ));
                }
            }
            previous = Some((l, on));
        }
        if let Some(d) = self.discharge_on.filter(|d| *d < self.referred_on) {
            return Err(CoreError::invalid(
                "discharge_before_referral",
                "discharge_referral.discharge_on",
                format!(
                    "퇴원일 {d}은(는) 병원 의뢰일({})보다 빠릅니다",
                    self.referred_on
                ),
                format!(
                    "the discharge ({d}) is before the hospital's referral ({})",
                    self.referred_on
                ),
            ));
        }
        Ok(())
    }
}
