//! 서울형 기초보장 (Seoul basic security, 001 §8): selection and the monthly living benefit.
//!
//! Selection: 소득인정액 (`recognised_income_won`; when not entered, `monthly_income_won`, and a note
//! says so) ≤ the line, property and
//! financial assets within their limits, and not a 국민기초생활보장 recipient. Over a limit is
//! `ineligible` (the seed provides no case-conference route for this program).
//!
//! Benefit (2022 levels from 2022-01-01; the eased selection only from 2022-03-01): with N the national
//! living-benefit line (생계급여 선정기준 = 30% of the median, rounded half up) and I the income,
//! `benefit = min(N/2, max((N − I)/2, N/6))`, each division rounded half up. It reproduces every 2022
//! maximum (I = 0) and minimum (I = the 46% line) of the seed; how the benefit falls between those two
//! points is not in the seed, so the formula is marked unverified [U] in every result that uses it.

use super::{income_check, recognised_income_note, residence_check, start, Ctx, IncomeConcept};
use crate::eligibility::check::{self, Basis};
use crate::eligibility::codes::{ProgramCode, Receiving};
use crate::eligibility::money::{apply_rate, div_round_half_up, group_thousands};
use crate::eligibility::output::{Decision, Note, ProgramResult};
use crate::eligibility::params::BasicSecurityParams;
use crate::CoreResult;

/// The monthly living benefit for national line `n` and income `income` (see the module docs).
pub fn monthly_benefit(p: &BasicSecurityParams, n: i64, income: i64) -> i64 {
    let max = div_round_half_up(i128::from(n), i128::from(p.max_benefit_divisor));
    let min = div_round_half_up(i128::from(n), i128::from(p.min_benefit_divisor));
    let falling = div_round_half_up(
        i128::from(n) - i128::from(income),
        i128::from(p.max_benefit_divisor),
    );
    max.min(falling.max(min))
}

pub fn evaluate(ctx: &Ctx<'_>) -> CoreResult<ProgramResult> {
    let program = ProgramCode::SeoulBasicSecurity;
    let Some(set) = ctx.reg.basic_security_on(ctx.input.as_of) else {
        return Err(super::super::no_parameters(&[program], ctx.input.as_of));
    };
    let p = &set.values;
    let sel = ctx.median(p.selection_median_year)?;
    let ben = ctx.median(p.benefit_median_year)?;
    let mut r = start(
        program,
        set,
        set.provisional || sel.provisional || ben.provisional,
    );

    r.checks.push(residence_check(ctx));
    if !ctx.in_seoul() {
        r.decision = Decision::NotApplicable;
        return Ok(r);
    }

    let national = ctx.input.receives(Receiving::NationalBasicLivelihood);
    r.checks.push(check::flag(
        "not_national_recipient",
        !national,
        if national {
            "국민기초생활보장 수급 중: 서울형 기초보장은 비수급 빈곤층 대상".into()
        } else {
            "국민기초생활보장 수급자가 아님".into()
        },
        if national {
            "receives national basic livelihood security: Seoul basic security is for those outside it"
                .into()
        } else {
            "not a national basic livelihood recipient".into()
        },
    ));
    r.checks.push(income_check(
        ctx,
        IncomeConcept::Recognised,
        sel,
        p.income_rate,
        "",
        "",
    )?);
    r.checks.push(check::at_most_won(
        "property",
        "재산",
        "property",
        ctx.input.household.property_won,
        p.property_limit_won,
        &Basis::plain("총재산 기준", "total property limit"),
    ));
    r.checks.push(check::at_most_won(
        "financial_assets",
        "금융재산",
        "financial assets",
        ctx.input.household.financial_assets_won,
        p.financial_limit_won,
        &Basis::plain("금융재산 기준", "financial-asset limit"),
    ));

    r.notes.extend(recognised_income_note(ctx));
    r.decision = if r.all_passed() {
        Decision::Eligible
    } else {
        Decision::Ineligible
    };
    if r.decision == Decision::Eligible {
        let n = apply_rate(ctx.median_for_size(ben)?, p.national_living_rate);
        let benefit = monthly_benefit(p, n, ctx.income_for(IncomeConcept::Recognised).0);
        r.monthly_benefit_won = Some(benefit);
        r.notes.push(Note {
            code: "benefit_formula_unverified",
            ko: format!(
                "생계급여 {}원 = min(N/2, max((N − 소득인정액)/2, N/6)), N = 국민기초 생계급여 선정기준 {}원. 최대·최소액은 시 계획(001 §8)과 같으나 그 사이 계산식은 확인되지 않음 [U]: 사업안내로 확인하세요",
                group_thousands(benefit),
                group_thousands(n)
            ),
            en: format!(
                "living benefit {} won = min(N/2, max((N − income)/2, N/6)), N = national living-benefit line {} won. The maximum and minimum match the city plan (001 §8); the formula between them is unverified [U]: check the program guide",
                group_thousands(benefit),
                group_thousands(n)
            ),
        });
    }
    Ok(r)
}
