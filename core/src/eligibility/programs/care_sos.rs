//! 돌봄SOS (Care SOS, 001 §9 and the fee table of 001 §7): target groups, income line, and the cost
//! calculator for requested services.
//!
//! Choices where the seed is open:
//! - target groups: a member aged 65+ (older people), a disabled member, or a member aged 50+
//!   (middle-aged households, since July 2020). With no member described the target group cannot be
//!   confirmed and the check fails.
//! - the 100% line applies in 2022 "with 서울형 긴급복지": we apply it to households that report a
//!   crisis reason; others use the 85% line.
//! - a household that misses a criterion but reports a crisis gets `case_conference` (the seed's
//!   "exceptions for households in crisis that miss the criteria"); without a crisis, `ineligible`.
//! - costs are pro rata to the quantity (a 3-hour 일시재가 costs 1.5 × the 2-hour fee), rounded half up
//!   to the won; quantities over a service's yearly limit are not covered, and the covered total is
//!   capped at the yearly total limit. Earlier use in the same year (`care_sos_used`, which
//!   `evaluate_household` fills from the service records) counts against both: a service's yearly
//!   limit is what is left after its earlier use, the total limit what is left after the earlier
//!   uses' cost (the recorded amount, or the table's fee where none was recorded). Only uses in the
//!   calendar year of `as_of` count ("a year" read as the calendar year, like the store's
//!   `year_usage`).
//! - the cost is computed for `eligible`, `case_conference` and `self_pay` decisions only.
//! - over the income line, where the dated table allows it (2026: "full cost covered up to 100% of the
//!   median"), a household in a target group answers `self_pay` (본인부담): the same fees and
//!   per-service limits, the program pays nothing, `self_pay_won` is the whole cost. A household in
//!   crisis over the line still goes to the case conference first (the seed's exception route), and
//!   the 2022 table (the seed says nothing of self-pay) keeps `ineligible`.

use super::{income_check, residence_check, start, Ctx, IncomeConcept};
use crate::eligibility::check;
use crate::eligibility::codes::{CareService, ProgramCode};
use crate::eligibility::input::{CareSosRequest, CareSosUse};
use crate::eligibility::money::{div_round_half_up, group_thousands};
use crate::eligibility::output::{CareSosCost, Decision, Note, ProgramResult, ServiceCost};
use crate::eligibility::params::schema::base_unit;
use crate::eligibility::params::CareSosParams;
use crate::CoreResult;

/// (request quantity, unit of the request field, base units per request unit).
fn requested(req: &CareSosRequest, s: CareService) -> (i64, &'static str, i64) {
    match s {
        CareService::TemporaryHomeCare => (req.temporary_home_care_hours, "hour", 60),
        CareService::ShortStay => (req.short_stay_days, "day", 1),
        CareService::Escort => (req.escort_minutes, "minute", 1),
        CareService::HousingHelp => (req.housing_help_minutes, "minute", 1),
        CareService::Meals => (req.meals, "meal", 1),
    }
}

/// What was used earlier in the year: per service in base units, and the cost of it all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsedEarlier {
    pub by_service: Vec<(CareService, i64)>,
    pub cost_won: i64,
}

impl UsedEarlier {
    /// The uses of `used` in the calendar year of `as_of` (on or before it), priced by their
    /// recorded amount or, without one, at the fee of `p`.
    pub fn of(p: &CareSosParams, used: &[CareSosUse], as_of: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        let mut out = UsedEarlier::default();
        for u in used
            .iter()
            .filter(|u| u.date.year() == as_of.year() && u.date <= as_of)
        {
            match out.by_service.iter_mut().find(|(s, _)| *s == u.service) {
                Some((_, q)) => *q = q.saturating_add(u.quantity),
                None => out.by_service.push((u.service, u.quantity)),
            }
            let cost = u.amount_won.unwrap_or_else(|| {
                p.service(u.service).map_or(0, |sp| {
                    div_round_half_up(
                        i128::from(u.quantity) * i128::from(sp.fee_won),
                        i128::from(sp.fee_per),
                    )
                })
            });
            out.cost_won = out.cost_won.saturating_add(cost);
        }
        out
    }

    pub fn of_service(&self, s: CareService) -> i64 {
        self.by_service
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(0, |(_, q)| *q)
    }
}

/// The cost of a request under a parameter set, after what was used earlier in the year. Services
/// not requested (quantity 0) are left out.
pub fn cost(p: &CareSosParams, req: &CareSosRequest, used: &UsedEarlier) -> CareSosCost {
    let mut services = Vec::new();
    for &service in CareService::ALL {
        let (qty, unit, per_unit) = requested(req, service);
        if qty <= 0 {
            continue;
        }
        let Some(sp) = p.service(service) else {
            continue;
        };
        let base = qty.saturating_mul(per_unit);
        let used_earlier = used.of_service(service);
        let covered_base = sp
            .yearly_limit
            .map_or(base, |l| base.min((l - used_earlier).max(0)));
        // Covered quantity back in the request's unit; the limit may fall inside a unit (a limit in
        // minutes for a request in hours), and then the part-unit is counted as covered.
        let covered = covered_base / per_unit + i64::from(covered_base % per_unit != 0);
        let covered = covered.min(qty);
        let cost_won = div_round_half_up(
            i128::from(covered_base) * i128::from(sp.fee_won),
            i128::from(sp.fee_per),
        );
        services.push(ServiceCost {
            service,
            unit,
            requested: qty,
            covered,
            over_limit: qty - covered,
            used_earlier,
            fee_won: sp.fee_won,
            fee_per: sp.fee_per,
            fee_unit: base_unit(service),
            cost_won,
        });
    }
    // Saturating: with validated tables and inputs the sum stays far below i64::MAX, but a sum must
    // never be the place a bad table turns into a panic.
    let services_total_won = services
        .iter()
        .fold(0i64, |acc, s| acc.saturating_add(s.cost_won));
    let total_left = (p.yearly_total_limit_won - used.cost_won).max(0);
    let covered_total_won = services_total_won.min(total_left);
    CareSosCost {
        services,
        services_total_won,
        yearly_total_limit_won: p.yearly_total_limit_won,
        used_earlier_won: used.cost_won,
        covered_total_won,
        over_total_limit_won: services_total_won - covered_total_won,
        self_pay_won: 0,
    }
}

/// The cost when the household pays itself (본인부담): the fees within each service's own limit, all
/// of it the household's; the program's yearly total does not apply because the program pays nothing.
pub fn self_pay_cost(p: &CareSosParams, req: &CareSosRequest, used: &UsedEarlier) -> CareSosCost {
    let c = cost(p, req, used);
    CareSosCost {
        covered_total_won: 0,
        over_total_limit_won: 0,
        self_pay_won: c.services_total_won,
        ..c
    }
}

pub fn evaluate(ctx: &Ctx<'_>) -> CoreResult<ProgramResult> {
    let program = ProgramCode::CareSos;
    let Some(set) = ctx.reg.care_sos_on(ctx.input.as_of) else {
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
    let used = UsedEarlier::of(p, &ctx.input.care_sos_used, ctx.input.as_of);
    if let Some(n) = used_note(ctx, &used) {
        r.notes.push(n);
    }

    // Target group.
    let oldest = ctx.member_ages().map(|(a, _)| a).max();
    let disabled = ctx.member_ages().any(|(_, d)| d);
    let elderly_from = i64::from(p.elderly_from_age);
    let middle_from = i64::from(p.middle_aged_from_age);
    r.checks.push(match oldest {
        None => check::flag(
            "target_group",
            false,
            "가구원 정보(생년월일·장애 여부)가 없어 대상군(어르신·장애인·중장년)을 확인할 수 없음".into(),
            "no member described (birth date, disability): the target group (older, disabled, middle-aged) cannot be confirmed".into(),
        ),
        Some(age) => {
            let (passed, ko, en) = if disabled {
                (true, "장애인 가구원 있음".to_string(), "a disabled member".to_string())
            } else if age >= elderly_from {
                (true, format!("어르신 가구원 (만 {age}세 ≥ {elderly_from}세)"), format!("an older member (aged {age} ≥ {elderly_from})"))
            } else if age >= middle_from {
                (true, format!("중장년 가구원 (만 {age}세 ≥ {middle_from}세)"), format!("a middle-aged member (aged {age} ≥ {middle_from})"))
            } else {
                (false, format!("대상군 아님: 최고 연령 만 {age}세 < {middle_from}세, 장애인 가구원 없음"), format!("not a target group: oldest member aged {age} < {middle_from}, no disabled member"))
            };
            check::numeric("target_group", passed, age, middle_from, ko, en)
        }
    });

    let has_crisis = ctx.input.has_crisis();
    let (rate, ko, en) = if has_crisis {
        (
            p.crisis_income_rate,
            "; 위기가구는 서울형 긴급복지 연계 한시 기준",
            "; crisis households: temporary line with Seoul emergency welfare",
        )
    } else {
        (p.income_rate, "", "")
    };
    r.checks.push(income_check(
        ctx,
        IncomeConcept::Income,
        median,
        rate,
        ko,
        en,
    )?);

    let only_income_failed = r.checks.iter().all(|c| c.passed || c.code == "income");
    r.decision = if r.all_passed() {
        Decision::Eligible
    } else if has_crisis {
        r.notes.push(Note {
            code: "crisis_exception",
            ko: "기준 미충족 위기가구: 예외 제공(선지원 후검증)을 동에서 판단할 수 있습니다".into(),
            en: "a household in crisis that misses a criterion: the 동 may provide care as an exception (support first, verify later)".into(),
        });
        Decision::CaseConference
    } else if p.self_pay_over_line && only_income_failed {
        Decision::SelfPay
    } else {
        Decision::Ineligible
    };

    if r.decision == Decision::SelfPay {
        let c = ctx
            .input
            .care_sos_request
            .as_ref()
            .map(|req| self_pay_cost(p, req, &used));
        let total = c.as_ref().map_or(0, |c| c.self_pay_won);
        r.notes.push(Note {
            code: "self_pay",
            ko: format!(
                "소득이 지원 기준을 넘어 돌봄SOS 서비스를 본인부담으로 이용할 수 있습니다: 요청 서비스 본인부담 {}원 (같은 수가·서비스별 연 한도)",
                group_thousands(total)
            ),
            en: format!(
                "income is over the line: the household may use Care SOS at its own cost; the requested services cost it {} won (same fees and per-service yearly limits)",
                group_thousands(total)
            ),
        });
        r.care_sos_cost = c;
        return Ok(r);
    }

    if matches!(r.decision, Decision::Eligible | Decision::CaseConference) {
        if let Some(req) = &ctx.input.care_sos_request {
            let c = cost(p, req, &used);
            if c.over_total_limit_won > 0 || c.services.iter().any(|s| s.over_limit > 0) {
                r.notes.push(Note {
                    code: "care_sos_over_limit",
                    ko: format!(
                        "요청 일부가 연간 한도를 넘습니다: 지원 {}원 (연 한도 {}원)",
                        group_thousands(c.covered_total_won),
                        group_thousands(c.yearly_total_limit_won)
                    ),
                    en: format!(
                        "part of the request is over a yearly limit: {} won covered (yearly limit {} won)",
                        group_thousands(c.covered_total_won),
                        group_thousands(c.yearly_total_limit_won)
                    ),
                });
            }
            r.care_sos_cost = Some(c);
        }
    }
    Ok(r)
}

/// The note naming the earlier uses counted against the yearly limits, with their records.
fn used_note(ctx: &Ctx<'_>, used: &UsedEarlier) -> Option<Note> {
    use chrono::Datelike;
    let as_of = ctx.input.as_of;
    let counted: Vec<&CareSosUse> = ctx
        .input
        .care_sos_used
        .iter()
        .filter(|u| u.date.year() == as_of.year() && u.date <= as_of)
        .collect();
    if counted.is_empty() {
        return None;
    }
    let unit = |s: CareService| match base_unit(s) {
        "minute" => ("분", "minutes"),
        "day" => ("일", "days"),
        _ => ("식", "meals"),
    };
    let totals_ko: Vec<String> = used
        .by_service
        .iter()
        .map(|(s, q)| format!("{} {}{}", s.label_ko(), group_thousands(*q), unit(*s).0))
        .collect();
    let totals_en: Vec<String> = used
        .by_service
        .iter()
        .map(|(s, q)| format!("{} {} {}", s.label_en(), group_thousands(*q), unit(*s).1))
        .collect();
    let recs: Vec<String> = counted
        .iter()
        .map(|u| match &u.record {
            Some(r) => format!("{} {} ({r})", u.date, u.service.code()),
            None => format!("{} {}", u.date, u.service.code()),
        })
        .collect();
    Some(Note {
        code: "care_sos_used_earlier",
        ko: format!(
            "{}년에 이미 이용한 돌봄SOS를 연 한도에서 뺐습니다: {} — 비용 {}원 / 반영한 기록: {}",
            as_of.year(),
            totals_ko.join(", "),
            group_thousands(used.cost_won),
            recs.join("; ")
        ),
        en: format!(
            "Care SOS used earlier in {} is counted against the yearly limits: {} — cost {} won / records counted: {}",
            as_of.year(),
            totals_en.join(", "),
            group_thousands(used.cost_won),
            recs.join("; ")
        ),
    })
}
