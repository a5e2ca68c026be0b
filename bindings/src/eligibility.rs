//! Eligibility (자격 판정) for the shells: the household goes in as the core's JSON (the same document as
//! `donghaeng eligibility evaluate --input`), the decision comes out as records — per program the
//! decision, support, costs and every check with its numbers in Korean and English — together with the
//! core's rendered Korean text. The facade only converts; every rule and figure is the core's.

use std::sync::{Arc, RwLock};

use donghaeng_core::eligibility as e;

use crate::error::FfiResult;
use donghaeng_core::model::{CrisisReason, SupportKind};

/// What the engine decided for one program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EligibilityDecision {
    Eligible,
    Ineligible,
    /// A 동/구 case conference may grant special support.
    CaseConference,
    NotApplicable,
    /// No parameter set of the program on the date; the note `no_parameters_for_date` says why.
    NotEvaluated,
    /// 돌봄SOS over the income line: usable at the household's own cost (본인부담).
    SelfPay,
}

impl From<e::Decision> for EligibilityDecision {
    fn from(d: e::Decision) -> Self {
        match d {
            e::Decision::Eligible => EligibilityDecision::Eligible,
            e::Decision::Ineligible => EligibilityDecision::Ineligible,
            e::Decision::CaseConference => EligibilityDecision::CaseConference,
            e::Decision::NotApplicable => EligibilityDecision::NotApplicable,
            e::Decision::NotEvaluated => EligibilityDecision::NotEvaluated,
            e::Decision::SelfPay => EligibilityDecision::SelfPay,
        }
    }
}

/// A program the engine knows, with its stable code (the `programs` entries of the input JSON).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EligibilityProgram {
    pub code: String,
    pub label_ko: String,
    pub label_en: String,
}

/// One rule compared.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EligibilityCheck {
    /// Stable code, e.g. `income`, `property`, `resupport_interval`.
    pub code: String,
    pub passed: bool,
    pub value: Option<i64>,
    pub limit: Option<i64>,
    pub ko: String,
    pub en: String,
}

/// An explanation that is not a pass/fail rule (provisional figures, an unverified formula …).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EligibilityNote {
    pub code: String,
    pub ko: String,
    pub en: String,
}

/// A support item (지원항목) and the most it pays.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EligibilitySupport {
    pub item_code: String,
    pub label_ko: String,
    pub label_en: String,
    pub max_amount_won: i64,
    pub extra_payments_allowed: i64,
}

/// The cost of one requested 돌봄SOS service.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CareServiceCost {
    pub service_code: String,
    pub label_ko: String,
    pub label_en: String,
    /// `hour`, `day`, `minute` or `meal`.
    pub unit: String,
    pub requested: i64,
    pub covered: i64,
    pub over_limit: i64,
    /// Used earlier in the year, in `fee_unit`s, counted against the service's yearly limit.
    pub used_earlier: i64,
    pub fee_won: i64,
    pub fee_per: i64,
    pub fee_unit: String,
    pub cost_won: i64,
}

/// 돌봄SOS cost calculator result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CareSosCostSummary {
    pub services: Vec<CareServiceCost>,
    pub services_total_won: i64,
    pub yearly_total_limit_won: i64,
    /// What the services used earlier in the year cost, counted against the yearly total limit.
    pub used_earlier_won: i64,
    pub covered_total_won: i64,
    pub over_total_limit_won: i64,
    /// What the household pays itself (본인부담) for a `SelfPay` decision; otherwise 0.
    pub self_pay_won: i64,
}

/// The decision for one program.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProgramDecision {
    pub program: EligibilityProgram,
    pub decision: EligibilityDecision,
    pub decision_ko: String,
    pub decision_en: String,
    pub support: Vec<EligibilitySupport>,
    pub monthly_benefit_won: Option<i64>,
    pub care_sos_cost: Option<CareSosCostSummary>,
    pub checks: Vec<EligibilityCheck>,
    /// `"PROGRAM VALID_FROM (SOURCE)"` of the parameter set used.
    pub parameters: String,
    /// A figure marked provisional was used: "잠정 기준: 구청에 확인하세요".
    pub provisional: bool,
    pub notes: Vec<EligibilityNote>,
}

/// All programs evaluated for one household on one date.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EligibilityResult {
    pub as_of: chrono::NaiveDate,
    pub programs: Vec<ProgramDecision>,
    /// The core's explanation for people: Korean with English beside each line.
    pub text: String,
}

fn program(p: e::ProgramCode) -> EligibilityProgram {
    EligibilityProgram {
        code: p.code().to_owned(),
        label_ko: p.label_ko().to_owned(),
        label_en: p.label_en().to_owned(),
    }
}

fn program_decision(p: e::ProgramResult) -> ProgramDecision {
    ProgramDecision {
        program: program(p.program),
        decision: p.decision.into(),
        decision_ko: p.decision.label_ko().to_owned(),
        decision_en: p.decision.label_en().to_owned(),
        support: p
            .support
            .into_iter()
            .map(|l| EligibilitySupport {
                item_code: l.item.code().to_owned(),
                label_ko: l.item.label_ko().to_owned(),
                label_en: l.item.label_en().to_owned(),
                max_amount_won: l.max_amount_won,
                extra_payments_allowed: l.extra_payments_allowed,
            })
            .collect(),
        monthly_benefit_won: p.monthly_benefit_won,
        care_sos_cost: p.care_sos_cost.map(|c| CareSosCostSummary {
            services: c
                .services
                .into_iter()
                .map(|s| CareServiceCost {
                    service_code: s.service.code().to_owned(),
                    label_ko: s.service.label_ko().to_owned(),
                    label_en: s.service.label_en().to_owned(),
                    unit: s.unit.to_owned(),
                    requested: s.requested,
                    covered: s.covered,
                    over_limit: s.over_limit,
                    used_earlier: s.used_earlier,
                    fee_won: s.fee_won,
                    fee_per: s.fee_per,
                    fee_unit: s.fee_unit.to_owned(),
                    cost_won: s.cost_won,
                })
                .collect(),
            services_total_won: c.services_total_won,
            yearly_total_limit_won: c.yearly_total_limit_won,
            used_earlier_won: c.used_earlier_won,
            covered_total_won: c.covered_total_won,
            over_total_limit_won: c.over_total_limit_won,
            self_pay_won: c.self_pay_won,
        }),
        checks: p
            .checks
            .into_iter()
            .map(|c| EligibilityCheck {
                code: c.code.to_owned(),
                passed: c.passed,
                value: c.value,
                limit: c.limit,
                ko: c.ko,
                en: c.en,
            })
            .collect(),
        parameters: p.parameters,
        provisional: p.provisional,
        notes: p
            .notes
            .into_iter()
            .map(|n| EligibilityNote {
                code: n.code.to_owned(),
                ko: n.ko,
                en: n.en,
            })
            .collect(),
    }
}

/// The facade's result of an evaluation, with the core's rendered text.
pub(crate) fn result(out: e::EvaluationOutput) -> EligibilityResult {
    let text = e::render_text(&out);
    EligibilityResult {
        as_of: out.as_of,
        programs: out.programs.into_iter().map(program_decision).collect(),
        text,
    }
}

/// Today's crisis as the worker enters it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnteredCrisis {
    /// 위기사유; at least one for 서울형 긴급복지.
    pub reasons: Vec<CrisisReason>,
    /// Support item codes (`living`, `medical` …, the core's `SupportItem`); empty: all are listed.
    #[uniffi(default)]
    pub requested_items: Vec<String>,
    /// New support or re-support (`New`), or an extra payment in the episode of the latest support
    /// for the same reason (`Extra`, 추가지원).
    pub support_kind: SupportKind,
}

/// Requested 돌봄SOS services (0: not requested).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CareSosRequestInput {
    #[uniffi(default = 0)]
    pub temporary_home_care_hours: i64,
    #[uniffi(default = 0)]
    pub short_stay_days: i64,
    #[uniffi(default = 0)]
    pub escort_minutes: i64,
    #[uniffi(default = 0)]
    pub housing_help_minutes: i64,
    #[uniffi(default = 0)]
    pub meals: i64,
}

/// What the store cannot know and the worker enters at the kitchen table for `evaluate_household`
/// (the core's `EnteredFacts`): money, support received from programs the 동 does not record, and
/// today's crisis. Never stored.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnteredFacts {
    /// 소득, won a month.
    pub monthly_income_won: i64,
    /// Total property including financial assets, won.
    pub property_won: i64,
    /// The financial part of `property_won`, won.
    pub financial_assets_won: i64,
    /// 소득인정액, won a month (서울형 기초보장); `None`: the income is used and the answer says so.
    #[uniffi(default)]
    pub recognised_income_won: Option<i64>,
    /// `seoul` or `other` (서울형 programs apply only in Seoul).
    #[uniffi(default = "seoul")]
    pub residence: String,
    /// Household size when it differs from the members recorded; `None`: the members recorded.
    #[uniffi(default)]
    pub household_size: Option<i64>,
    /// Codes of support received beyond the household's tags (`national_emergency_welfare` …).
    #[uniffi(default)]
    pub receiving: Vec<String>,
    #[uniffi(default = false)]
    pub health_insurance_bottom_20pct: bool,
    #[uniffi(default)]
    pub crisis: Option<EnteredCrisis>,
    #[uniffi(default)]
    pub care_sos_request: Option<CareSosRequestInput>,
    /// Program codes to evaluate; `None`: all.
    #[uniffi(default)]
    pub programs: Option<Vec<String>>,
}

fn codes<T: std::str::FromStr<Err = donghaeng_core::CoreError>>(
    values: &[String],
    field: &str,
) -> FfiResult<Vec<T>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.parse::<T>().map_err(|err| {
                crate::error::DonghaengError::from(donghaeng_core::CoreError {
                    field: Some(format!("{field}[{i}]")),
                    ..err
                })
            })
        })
        .collect()
}

impl EnteredFacts {
    /// The core's entered facts; an unknown code is an `invalid` error naming its field.
    pub fn into_core(self) -> FfiResult<e::EnteredFacts> {
        Ok(e::EnteredFacts {
            residence: self.residence.parse::<e::Residence>().map_err(|err| {
                donghaeng_core::CoreError {
                    field: Some("facts.residence".into()),
                    ..err
                }
            })?,
            household_size: self.household_size,
            monthly_income_won: self.monthly_income_won,
            recognised_income_won: self.recognised_income_won,
            property_won: self.property_won,
            financial_assets_won: self.financial_assets_won,
            receiving: codes(&self.receiving, "facts.receiving")?,
            health_insurance_bottom_20pct: self.health_insurance_bottom_20pct,
            crisis: match self.crisis {
                Some(c) => Some(e::CrisisInput {
                    reasons: c.reasons,
                    requested_items: codes(&c.requested_items, "facts.crisis.requested_items")?,
                    support_kind: c.support_kind,
                }),
                None => None,
            },
            care_sos_request: self.care_sos_request.map(|r| e::CareSosRequest {
                temporary_home_care_hours: r.temporary_home_care_hours,
                short_stay_days: r.short_stay_days,
                escort_minutes: r.escort_minutes,
                housing_help_minutes: r.housing_help_minutes,
                meals: r.meals,
            }),
            programs: match self.programs {
                Some(p) => Some(codes(&p, "facts.programs")?),
                None => None,
            },
        })
    }
}

/// Every program the engine evaluates, in the core's order.
#[uniffi::export]
pub fn eligibility_programs() -> Vec<EligibilityProgram> {
    e::ProgramCode::ALL.iter().copied().map(program).collect()
}

/// The eligibility engine: the built-in parameter tables, plus any a city loads at run time (next
/// year's figures). Safe to share across threads.
#[derive(uniffi::Object)]
pub struct EligibilityEngine {
    registry: RwLock<e::ParameterRegistry>,
}

impl std::fmt::Debug for EligibilityEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EligibilityEngine").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl EligibilityEngine {
    /// An engine with the built-in tables.
    #[uniffi::constructor]
    pub fn new() -> FfiResult<Arc<Self>> {
        Ok(Arc::new(EligibilityEngine {
            registry: RwLock::new(e::ParameterRegistry::with_builtin()?),
        }))
    }

    /// Validates a parameter table (the JSON of one file of `core/src/eligibility/params/`) and adds
    /// it; a refused table adds nothing.
    pub fn load_parameter_table(&self, json: String) -> FfiResult<()> {
        let mut reg = self.registry.write().unwrap_or_else(|p| p.into_inner());
        // Loaded into a copy first: the core leaves the registry unchanged on refusal, and a copy
        // keeps that true even if a future core did not.
        let mut next = reg.clone();
        next.load_json(&json)?;
        *reg = next;
        Ok(())
    }

    /// Evaluates the household described by `input_json` (the core's input document).
    pub fn evaluate(&self, input_json: String) -> FfiResult<EligibilityResult> {
        let input = e::EvaluationInput::from_json(&input_json)?;
        let out = self
            .registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .evaluate(&input)?;
        Ok(result(out))
    }

    /// The same evaluation as the core's output JSON (what the command line prints), for export.
    pub fn evaluate_json(&self, input_json: String) -> FfiResult<String> {
        Ok(self
            .registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .evaluate_json(&input_json)?)
    }
}
