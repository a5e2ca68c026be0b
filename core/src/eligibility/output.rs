//! The evaluation output: per program a decision, the support it pays, and every check behind it.

use chrono::NaiveDate;
use serde::Serialize;

use crate::eligibility::codes::{CareService, ProgramCode, SupportItem};

crate::code_enum! {
    /// What the engine decides for one program.
    pub enum Decision: "decision" {
        Eligible = ("eligible", "지원 가능", "eligible"),
        Ineligible = ("ineligible", "지원 불가", "not eligible"),
        /// A 동/구 case conference may grant special support (over a limit, or overlapping support).
        CaseConference = ("case_conference", "사례회의 판단 필요", "case conference may decide"),
        NotApplicable = ("not_applicable", "해당 없음", "not applicable"),
        /// No parameter set of the program is in force on the date: the other programs are still
        /// evaluated, and the note `no_parameters_for_date` says why.
        NotEvaluated = ("not_evaluated", "판정하지 않음 (해당 날짜 기준표 없음)", "not evaluated (no parameters for the date)"),
        /// 돌봄SOS over the income line where the dated table says the service may be used at the
        /// household's own cost (본인부담): the cost is computed, the program pays nothing.
        SelfPay = ("self_pay", "본인부담으로 이용 가능", "may use the service at its own cost"),
    }
}

/// One rule compared: passed or not, the numbers, and a sentence in Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable code, e.g. `income`, `property`, `resupport_interval`.
    pub code: &'static str,
    pub passed: bool,
    /// The household's value (won, age, …) when the check compares numbers.
    pub value: Option<i64>,
    /// The limit it was compared with.
    pub limit: Option<i64>,
    pub ko: String,
    pub en: String,
}

/// An explanation that is not a pass/fail rule (provisional figures, an unverified formula, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub code: &'static str,
    pub ko: String,
    pub en: String,
}

/// A support item and the most it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportLine {
    pub item: SupportItem,
    pub max_amount_won: i64,
    /// Extra payments a case may receive after the first (생계비 1, or 2 for a lonely-death-risk
    /// single-person household).
    pub extra_payments_allowed: i64,
}

/// The cost of one requested 돌봄SOS service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceCost {
    pub service: CareService,
    /// `hour`, `day`, `minute` or `meal`: the unit of the request field.
    pub unit: &'static str,
    pub requested: i64,
    pub covered: i64,
    /// Requested quantity beyond the service's yearly limit (not covered), after what was used
    /// earlier in the year.
    pub over_limit: i64,
    /// Used earlier in the year of `as_of`, in the fee's base unit (`fee_unit`), from
    /// `care_sos_used`; counted against the service's yearly limit.
    pub used_earlier: i64,
    pub fee_won: i64,
    /// The fee is charged per `fee_per` `fee_unit`s (e.g. 38,390 won per 120 minutes).
    pub fee_per: i64,
    pub fee_unit: &'static str,
    pub cost_won: i64,
}

/// 돌봄SOS cost calculator result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CareSosCost {
    pub services: Vec<ServiceCost>,
    /// Sum of the services' costs within their own limits.
    pub services_total_won: i64,
    pub yearly_total_limit_won: i64,
    /// What the services used earlier in the year cost (`care_sos_used`), counted against the
    /// yearly total limit.
    pub used_earlier_won: i64,
    /// What the program pays: the services' total, capped by what is left of the yearly total limit.
    pub covered_total_won: i64,
    /// The part of the services' total above the yearly limit (not covered).
    pub over_total_limit_won: i64,
    /// What the household pays itself (본인부담): the services' total for a `self_pay` decision,
    /// otherwise 0 (parts over a limit are reported above, not charged here).
    pub self_pay_won: i64,
}

/// The decision for one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramResult {
    pub program: ProgramCode,
    pub decision: Decision,
    pub support: Vec<SupportLine>,
    pub monthly_benefit_won: Option<i64>,
    pub care_sos_cost: Option<CareSosCost>,
    pub checks: Vec<Check>,
    /// `"PROGRAM VALID_FROM (SOURCE)"` of the parameter set used.
    pub parameters: String,
    /// True when any figure used is marked [S]/[U]: verify with the district.
    pub provisional: bool,
    pub notes: Vec<Note>,
}

/// All programs evaluated for one household on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationOutput {
    pub as_of: NaiveDate,
    pub programs: Vec<ProgramResult>,
}

impl EvaluationOutput {
    /// The result of `program`, if it was evaluated.
    pub fn program(&self, program: ProgramCode) -> Option<&ProgramResult> {
        self.programs.iter().find(|p| p.program == program)
    }
}

impl ProgramResult {
    /// The check with `code`, if present.
    pub fn check(&self, code: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.code == code)
    }

    /// True when every check passed.
    pub fn all_passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}
