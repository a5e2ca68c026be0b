//! # Eligibility (자격 판정): welfare programs as dated, explained rules (issue 4)
//!
//! A 복지플래너 at a kitchen table, offline, enters a household's income, property and what happened;
//! the engine answers, per program, `eligible` / `ineligible` / `case_conference` / `not_applicable`,
//! the support and its amounts, and every check behind the answer with the numbers compared, in Korean
//! and English.
//!
//! - [`params`]: dated parameter tables (JSON, embedded at build time, more loadable at run time), each
//!   set with `valid_from`, `valid_to`, its source and a `provisional` flag;
//! - [`programs`]: 서울형 긴급복지, 서울형 기초보장, 돌봄SOS, and screens for 안심소득, 방문건강관리,
//!   노인돌봄기본서비스;
//! - [`input`] / [`output`]: the JSON the command line and the bindings exchange;
//! - [`text`]: the Korean explanation with English beside it.
//!
//! Evaluation is a pure function of the input and the registry. A requested program with no parameter
//! set on the date answers `not_evaluated` with the reason (note `no_parameters_for_date`), never a
//! guess; the other programs are still evaluated. Errors are for bad input only.

pub mod check;
pub mod codes;
pub mod household;
pub mod input;
pub mod input_schema;
pub mod money;
pub mod output;
pub mod params;
pub mod programs;
pub mod text;

use chrono::NaiveDate;

pub use codes::{
    CareService, CrisisReason, ProgramCode, Receiving, Residence, SupportItem, SupportKind,
};
pub use household::EnteredFacts;
pub use input::{
    CareSosRequest, CareSosUse, CrisisInput, EvaluationInput, HistoryEntry, HouseholdInput, Member,
};
pub use output::{
    CareSosCost, Check, Decision, EvaluationOutput, Note, ProgramResult, ServiceCost, SupportLine,
};
pub use params::ParameterRegistry;
pub use text::render_text;

use crate::{CoreError, CoreResult};

/// The error for a program without a parameter set on `date`. The dispatcher answers such a program
/// `not_evaluated` before calling it, so this is reached only if a program module is called directly.
pub(crate) fn no_parameters(programs: &[ProgramCode], date: NaiveDate) -> CoreError {
    let codes: Vec<&str> = programs.iter().map(|p| p.code()).collect();
    CoreError::invalid(
        "no_parameters_for_date",
        "as_of",
        format!(
            "{date}에 적용할 기준표가 없습니다: {}. 해당 연도 기준표를 불러오세요",
            codes.join(", ")
        ),
        format!(
            "no parameter set in force on {date} for: {}. Load that year's table",
            codes.join(", ")
        ),
    )
}

/// The answer for a program without a parameter set on `date`: `not_evaluated`, with the reason.
fn not_evaluated(program: ProgramCode, date: NaiveDate) -> ProgramResult {
    ProgramResult {
        program,
        decision: Decision::NotEvaluated,
        support: Vec::new(),
        monthly_benefit_won: None,
        care_sos_cost: None,
        checks: Vec::new(),
        parameters: String::new(),
        provisional: false,
        notes: vec![Note {
            code: "no_parameters_for_date",
            ko: format!(
                "{date}에 적용할 {} 기준표가 없어 판정하지 않았습니다: 해당 연도 기준표를 불러오거나 구청에 확인하세요",
                program.label_ko()
            ),
            en: format!(
                "not evaluated: no {} parameter set is in force on {date}; load that year's table or check with the district",
                program.label_en()
            ),
        }],
    }
}

impl ParameterRegistry {
    /// Evaluates the requested programs (all when `input.programs` is `None`) on `input.as_of`.
    pub fn evaluate(&self, input: &EvaluationInput) -> CoreResult<EvaluationOutput> {
        input.validate()?;
        let programs: &[ProgramCode] = input.programs.as_deref().unwrap_or(ProgramCode::ALL);
        let ctx = programs::Ctx::new(input, self);
        let mut out = Vec::with_capacity(programs.len());
        for program in programs {
            if out.iter().any(|r: &ProgramResult| r.program == *program) {
                continue;
            }
            if !self.covers(*program, input.as_of) {
                out.push(not_evaluated(*program, input.as_of));
                continue;
            }
            out.push(match program {
                ProgramCode::SeoulEmergencyWelfare => programs::emergency::evaluate(&ctx)?,
                ProgramCode::SeoulBasicSecurity => programs::basic_security::evaluate(&ctx)?,
                ProgramCode::CareSos => programs::care_sos::evaluate(&ctx)?,
                ProgramCode::SeoulSafetyIncome => programs::screens::safety_income(&ctx)?,
                ProgramCode::VisitingHealthCare => programs::screens::visiting_health_care(&ctx)?,
                ProgramCode::ElderlyBasicCare => programs::screens::elderly_basic_care(&ctx)?,
            });
        }
        Ok(EvaluationOutput {
            as_of: input.as_of,
            programs: out,
        })
    }

    /// Reads the JSON input, evaluates, and writes the JSON output.
    pub fn evaluate_json(&self, json: &str) -> CoreResult<String> {
        let input = EvaluationInput::from_json(json)?;
        let out = self.evaluate(&input)?;
        to_json(&out)
    }
}

/// Evaluates with the built-in parameter tables.
pub fn evaluate(input: &EvaluationInput) -> CoreResult<EvaluationOutput> {
    ParameterRegistry::builtin()?.evaluate(input)
}

/// Reads the JSON input, evaluates with the built-in tables, and writes the JSON output.
pub fn evaluate_json(json: &str) -> CoreResult<String> {
    ParameterRegistry::builtin()?.evaluate_json(json)
}

/// The output as pretty JSON.
pub fn to_json(out: &EvaluationOutput) -> CoreResult<String> {
    serde_json::to_string_pretty(out).map_err(|e| {
        CoreError::invalid(
            "output_serialization",
            "output",
            format!("결과를 JSON으로 쓸 수 없습니다: {e}"),
            format!("cannot write the result as JSON: {e}"),
        )
    })
}
