//! Screens for programs `domain.md` defines only by their target group: 안심소득 (Seoul safety income,
//! pilot), 방문건강관리 (visiting health care) and 노인돌봄기본서비스 (basic care for older people).
//!
//! Each says whether the household fits the published target; the program itself (lottery for the
//! pilot, a needs assessment for care) decides the rest, which the notes say.

use super::{income_check, residence_check, start, Ctx, IncomeConcept};
use crate::eligibility::check::{self, Basis};
use crate::eligibility::codes::{ProgramCode, Receiving};
use crate::eligibility::money::{apply_rate, format_rate, group_thousands};
use crate::eligibility::output::{Decision, Note, ProgramResult};
use crate::CoreResult;

/// 안심소득: a Seoul pilot for households at or below 85% of the median.
pub fn safety_income(ctx: &Ctx<'_>) -> CoreResult<ProgramResult> {
    let program = ProgramCode::SeoulSafetyIncome;
    let Some(set) = ctx.reg.safety_income_on(ctx.input.as_of) else {
        return Err(super::super::no_parameters(&[program], ctx.input.as_of));
    };
    let p = &set.values;
    let median = ctx.median(p.median_year)?;
    let mut r = start(program, set, set.provisional || median.provisional);
    r.checks.push(residence_check(ctx));
    if !ctx.in_seoul() {
        r.decision = Decision::NotApplicable;
        return Ok(r);
    }
    if !p.excluded_if_receiving.is_empty() {
        let hit: Vec<Receiving> = p
            .excluded_if_receiving
            .iter()
            .copied()
            .filter(|x| ctx.input.receives(*x))
            .collect();
        let ko: Vec<&str> = hit.iter().map(|x| x.label_ko()).collect();
        let en: Vec<&str> = hit.iter().map(|x| x.label_en()).collect();
        r.checks.push(check::flag(
            "no_excluded_support",
            hit.is_empty(),
            if hit.is_empty() {
                "함께 받을 수 없는 급여 없음".into()
            } else {
                format!("함께 받을 수 없는 급여 수급 중: {}", ko.join(", "))
            },
            if hit.is_empty() {
                "no benefit that excludes it".into()
            } else {
                format!("receives a benefit that excludes it: {}", en.join(", "))
            },
        ));
    }
    r.checks.push(income_check(
        ctx,
        IncomeConcept::Income,
        median,
        p.income_rate,
        "",
        "",
    )?);
    if let Some(limit) = p.property_limit_won {
        r.checks.push(check::at_most_won(
            "property",
            "재산",
            "property",
            ctx.input.household.property_won,
            limit,
            &Basis::plain("재산 기준", "property limit"),
        ));
    }
    r.decision = if r.all_passed() {
        Decision::Eligible
    } else {
        Decision::Ineligible
    };
    if r.decision == Decision::Eligible {
        if let Some(rate) = p.payment_rate {
            let line = ctx.line(median, p.income_rate)?;
            let pay = apply_rate(line - ctx.input.household.monthly_income_won, rate);
            r.monthly_benefit_won = Some(pay);
            r.notes.push(Note {
                code: "safety_income_payment",
                ko: format!(
                    "지급액 {}원 = (기준 {}원 − 소득 {}원) × {}%",
                    group_thousands(pay),
                    group_thousands(line),
                    group_thousands(ctx.input.household.monthly_income_won),
                    format_rate(rate)
                ),
                en: format!(
                    "payment {} won = (line {} won − income {} won) × {}%",
                    group_thousands(pay),
                    group_thousands(line),
                    group_thousands(ctx.input.household.monthly_income_won),
                    format_rate(rate)
                ),
            });
        }
        r.notes.push(Note {
            code: "pilot_selection",
            ko: "시범사업: 기준에 맞아도 참여 가구는 모집·선정으로 정해집니다".into(),
            en: "pilot program: meeting the criteria does not guarantee selection".into(),
        });
    }
    Ok(r)
}

/// 방문건강관리: basic-livelihood recipients and the bottom 20% of health-insurance premiums (003).
/// A national program, so residence does not matter.
pub fn visiting_health_care(ctx: &Ctx<'_>) -> CoreResult<ProgramResult> {
    let program = ProgramCode::VisitingHealthCare;
    let Some(set) = ctx.reg.health_care_on(ctx.input.as_of) else {
        return Err(super::super::no_parameters(&[program], ctx.input.as_of));
    };
    let p = &set.values;
    let mut r = start(program, set, set.provisional);
    let recipient: Vec<Receiving> = p
        .qualifying_receiving
        .iter()
        .copied()
        .filter(|x| ctx.input.receives(*x))
        .collect();
    let bottom = p.bottom_20pct_qualifies && ctx.input.household.health_insurance_bottom_20pct;
    let passed = !recipient.is_empty() || bottom;
    let (ko, en) = if let Some(first) = recipient.first() {
        (
            format!("{} 가구: 방문건강관리 대상", first.label_ko()),
            format!("{} household: in the target group", first.label_en()),
        )
    } else if bottom {
        (
            "건강보험료 하위 20% 가구: 방문건강관리 대상".to_string(),
            "bottom 20% of health-insurance premiums: in the target group".to_string(),
        )
    } else {
        (
            "기초생활수급 가구도, 건강보험료 하위 20% 가구도 아님".to_string(),
            "neither a basic-livelihood recipient nor in the bottom 20% of health-insurance premiums"
                .to_string(),
        )
    };
    r.checks.push(check::flag("target_group", passed, ko, en));
    r.decision = if passed {
        Decision::Eligible
    } else {
        Decision::Ineligible
    };
    Ok(r)
}

/// 노인돌봄기본서비스: people 65+ living alone who need help in daily life (003). The need itself is
/// judged on a visit, which the note says. A national program, so residence does not matter.
pub fn elderly_basic_care(ctx: &Ctx<'_>) -> CoreResult<ProgramResult> {
    let program = ProgramCode::ElderlyBasicCare;
    let Some(set) = ctx.reg.elderly_care_on(ctx.input.as_of) else {
        return Err(super::super::no_parameters(&[program], ctx.input.as_of));
    };
    let min_age = i64::from(set.values.min_age);
    let mut r = start(program, set, set.provisional);
    let alone = ctx.size == 1;
    r.checks.push(check::numeric(
        "lives_alone",
        alone,
        ctx.input.household.size,
        1,
        if alone {
            "1인 가구 (홀로 사는 어르신 대상)".into()
        } else {
            format!("{}인 가구: 홀로 사는 어르신만 대상", ctx.size)
        },
        if alone {
            "single-person household (the service is for people living alone)".into()
        } else {
            format!(
                "{}-person household: the service is for people living alone",
                ctx.size
            )
        },
    ));
    let age = ctx.member_ages().map(|(a, _)| a).max();
    r.checks.push(match age {
        Some(age) => check::numeric(
            "age",
            age >= min_age,
            age,
            min_age,
            format!(
                "만 {age}세 {} {min_age}세",
                if age >= min_age { "≥" } else { "<" }
            ),
            format!(
                "aged {age} {} {min_age}",
                if age >= min_age { "≥" } else { "<" }
            ),
        ),
        None => check::flag(
            "age",
            false,
            "생년월일이 없어 나이를 확인할 수 없음".into(),
            "no birth date given: age cannot be confirmed".into(),
        ),
    });
    r.decision = if r.all_passed() {
        r.notes.push(Note {
            code: "needs_assessment",
            ko: "일상생활 지원 필요 여부는 방문 상담으로 판단합니다".into(),
            en: "whether daily-life help is needed is judged on a visit".into(),
        });
        Decision::Eligible
    } else {
        Decision::Ineligible
    };
    Ok(r)
}
