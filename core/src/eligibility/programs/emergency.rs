//! 서울형 긴급복지 (Seoul emergency welfare, 001 §7).
//!
//! Our reading of the seed:
//! - no crisis reason → `ineligible`;
//! - new support or re-support (재지원, `crisis.support_kind` = `new`, the default): support of this
//!   program for the same reason (of any kind) less than `no_resupport_months` (3) months before the
//!   evaluation date → `ineligible` (exactly 3 months later is allowed again: "3개월 이내 지원 불가"
//!   read as "within the 3 months");
//! - an extra payment in the same episode (추가지원, `support_kind` = `extra`): the episode is the
//!   latest `new` support for the same reason; each requested item may be paid as many extra times
//!   as its row allows (생계비 1회, 2회 for a lonely-death-risk single household — 3 in total; 의료비
//!   1회; other items none), counting the `extra` entries of that item since the episode began.
//!   Extra payments are not barred by the 3-month rule (it is the rule of 재지원); with no episode,
//!   or no extra payment left → `ineligible`;
//! - financial assets are compared with their limit after deducting the living-preparation allowance
//!   (생활준비금 = the dated rate × the household's median income: 65%, 100% in the 2022 relaxation);
//! - with a crisis, income, property or financial assets over a limit, or overlapping support
//!   (국민기초 수급, 국가 긴급복지, 서울형 기초보장, or this program already) → `case_conference`
//!   ("중복 수급 및 기준 초과자에 대해 동·구 사례회의를 통해 특별지원 가능");
//! - otherwise `eligible`.

use chrono::Months;

use super::{income_check, living_allowance, residence_check, start, Ctx, IncomeConcept};
use crate::eligibility::check::{self, Basis};
use crate::eligibility::codes::{CrisisReason, ProgramCode, Receiving, SupportItem, SupportKind};
use crate::eligibility::input::HistoryEntry;
use crate::eligibility::money::{format_rate, group_thousands};
use crate::eligibility::output::{Decision, Note, ProgramResult, SupportLine};
use crate::eligibility::params::EmergencyParams;
use crate::CoreResult;

/// Support that overlaps this program: a household receiving one needs a case conference.
/// 차상위 (near-poor) is not on the list: the seed routes 차상위 applicants to ordinary support.
pub const OVERLAPPING: [Receiving; 4] = [
    Receiving::NationalBasicLivelihood,
    Receiving::NationalEmergencyWelfare,
    Receiving::SeoulBasicSecurity,
    Receiving::SeoulEmergencyWelfare,
];

pub fn evaluate(ctx: &Ctx<'_>) -> CoreResult<ProgramResult> {
    let program = ProgramCode::SeoulEmergencyWelfare;
    let Some(set) = ctx.reg.emergency_on(ctx.input.as_of) else {
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

    let reasons: &[CrisisReason] = ctx
        .input
        .crisis
        .as_ref()
        .map(|c| c.reasons.as_slice())
        .unwrap_or(&[]);
    let has_crisis = !reasons.is_empty();
    r.checks.push(if has_crisis {
        let ko: Vec<&str> = reasons.iter().map(|x| x.label_ko()).collect();
        let en: Vec<&str> = reasons.iter().map(|x| x.label_en()).collect();
        check::flag(
            "crisis_reason",
            true,
            format!("위기사유 있음: {}", ko.join(", ")),
            format!("crisis reason given: {}", en.join(", ")),
        )
    } else {
        check::flag(
            "crisis_reason",
            false,
            "위기사유 없음: 긴급복지지원법·조례 또는 동·구 사례회의가 인정한 위기사유가 필요합니다"
                .into(),
            "no crisis reason: a reason under the Emergency Welfare Act, the ordinance or a case conference is required"
                .into(),
        )
    });

    let blocked = match ctx.input.crisis.as_ref().map(|c| c.support_kind) {
        Some(SupportKind::Extra) => extra_payment_check(ctx, p, reasons, &mut r),
        _ => resupport_check(ctx, p, reasons, &mut r),
    };

    let unrelaxed_ko = p
        .income_rate_unrelaxed
        .map(|u| {
            format!(
                "; 코로나19 한시 완화 {}% → {}%",
                format_rate(u),
                format_rate(p.income_rate)
            )
        })
        .unwrap_or_default();
    let unrelaxed_en = p
        .income_rate_unrelaxed
        .map(|u| {
            format!(
                "; COVID-19 temporary relaxation {}% → {}%",
                format_rate(u),
                format_rate(p.income_rate)
            )
        })
        .unwrap_or_default();
    r.checks.push(income_check(
        ctx,
        IncomeConcept::Income,
        median,
        p.income_rate,
        &unrelaxed_ko,
        &unrelaxed_en,
    )?);
    let prop_basis = match p.property_limit_unrelaxed_won {
        Some(u) => Basis::plain(
            format!(
                "재산기준, 한시 완화 {}원 → {}원",
                group_thousands(u),
                group_thousands(p.property_limit_won)
            ),
            format!(
                "property limit, temporarily relaxed from {} to {} won",
                group_thousands(u),
                group_thousands(p.property_limit_won)
            ),
        ),
        None => Basis::plain("재산기준", "property limit"),
    };
    r.checks.push(check::at_most_won(
        "property",
        "재산",
        "property",
        ctx.input.household.property_won,
        p.property_limit_won,
        &prop_basis,
    ));
    // 001 §7 ①: "금융재산 : 10백만원 이하(생활준비금 공제비율 기준 중위소득 65%→100%)" — the limit
    // applies to financial assets after the living-preparation allowance.
    let (allowance, allowance_basis) = living_allowance(
        ctx,
        median,
        p.living_allowance_rate,
        p.living_allowance_rate_unrelaxed,
    )?;
    r.checks.push(check::financial_after_allowance(
        ctx.input.household.financial_assets_won,
        allowance,
        p.financial_limit_won,
        &allowance_basis,
    ));

    let overlapping: Vec<Receiving> = OVERLAPPING
        .iter()
        .copied()
        .filter(|x| ctx.input.receives(*x))
        .collect();
    r.checks.push(if overlapping.is_empty() {
        check::flag(
            "no_overlapping_support",
            true,
            "중복 지원 없음".into(),
            "no overlapping support".into(),
        )
    } else {
        let ko: Vec<&str> = overlapping.iter().map(|x| x.label_ko()).collect();
        let en: Vec<&str> = overlapping.iter().map(|x| x.label_en()).collect();
        check::flag(
            "no_overlapping_support",
            false,
            format!("이미 지원을 받고 있음: {} (중복 수급)", ko.join(", ")),
            format!("already receives: {} (overlapping support)", en.join(", ")),
        )
    });

    let national_applies = national_screen(ctx, reasons, &mut r)?;

    let limits_ok = [
        "income",
        "property",
        "financial_assets",
        "no_overlapping_support",
    ]
    .iter()
    .all(|c| r.check(c).is_some_and(|c| c.passed));
    r.decision = if !has_crisis || blocked {
        Decision::Ineligible
    } else if national_applies {
        r.notes.push(Note {
            code: "national_emergency_first",
            ko: "국가 긴급복지(긴급복지지원법) 기준에 맞습니다: 국가 긴급복지를 먼저 신청하세요. 서울형 긴급복지는 국가 긴급복지가 지원하지 않는 가구를 위한 제도입니다".into(),
            en: "the household meets the national emergency welfare criteria (Emergency Welfare Support Act): apply for national support first. Seoul emergency welfare is for households national support does not cover".into(),
        });
        Decision::NotApplicable
    } else if !limits_ok {
        r.notes.push(Note {
            code: "case_conference",
            ko: "기준 초과 또는 중복 수급: 동·구 사례회의(공무원 3인 이상 포함)에서 특별지원을 결정할 수 있습니다. 아래 금액은 일반 지원의 상한입니다."
                .into(),
            en: "over a limit or overlapping support: a 동/구 case conference (at least 3 officials) may grant special support. Amounts below are the ordinary ceilings."
                .into(),
        });
        Decision::CaseConference
    } else {
        Decision::Eligible
    };

    if matches!(r.decision, Decision::Eligible | Decision::CaseConference) {
        r.support = support_lines(ctx, p, &mut r.notes);
    }
    Ok(r)
}

/// Crisis reasons of 긴급복지지원법 §2 (domain.md). Utility cut-offs, heat or cold waves and reasons a
/// case conference recognises are Seoul ordinance reasons here, not national ones (our reading: the
/// Act's list does not name them; an ordinance or ministerial reason would have to be entered as such).
pub const NATIONAL_REASONS: [CrisisReason; 7] = [
    CrisisReason::MainEarnerLoss,
    CrisisReason::SeriousIllness,
    CrisisReason::AbuseNeglect,
    CrisisReason::DomesticViolence,
    CrisisReason::FireDisaster,
    CrisisReason::BusinessClosure,
    CrisisReason::JobLoss,
];

/// 국가 긴급복지 screened first: where a national table covers the date and the household,
/// in crisis and not already receiving national support, meets its criteria — a §2 crisis reason,
/// 소득 ≤ 75% of the median, property ≤ the large-city limit (Seoul), financial assets after the
/// 생활준비금 ≤ the limit — the national program applies instead. Adds one check; true = applies.
fn national_screen(
    ctx: &Ctx<'_>,
    reasons: &[CrisisReason],
    r: &mut ProgramResult,
) -> CoreResult<bool> {
    let Some(set) = ctx.reg.national_emergency_on(ctx.input.as_of) else {
        return Ok(false);
    };
    if reasons.is_empty() || ctx.input.receives(Receiving::NationalEmergencyWelfare) {
        return Ok(false);
    }
    let n = &set.values;
    let median = ctx.median(n.median_year)?;
    r.provisional |= set.provisional || median.provisional;
    let h = &ctx.input.household;
    let national_reason = reasons.iter().find(|x| NATIONAL_REASONS.contains(x));
    let line = ctx.line(median, n.income_rate)?;
    let allowance = ctx.line(median, n.living_allowance_rate)?;
    let counted = (h.financial_assets_won - allowance).max(0);
    let income_ok = h.monthly_income_won <= line;
    let property_ok = h.property_won <= n.property_limit_large_city_won;
    let financial_ok = counted <= n.financial_limit_won;
    let applies = national_reason.is_some() && income_ok && property_ok && financial_ok;
    let mark = |ok: bool| if ok { "≤" } else { ">" };
    let figures_ko = format!(
        "소득 {}원 {} {}원({}년 기준 중위소득 {}%), 재산 {}원 {} {}원(대도시), 금융재산 {}원 − 생활준비금 {}원 = {}원 {} {}원",
        group_thousands(h.monthly_income_won),
        mark(income_ok),
        group_thousands(line),
        median.values.year,
        format_rate(n.income_rate),
        group_thousands(h.property_won),
        mark(property_ok),
        group_thousands(n.property_limit_large_city_won),
        group_thousands(h.financial_assets_won),
        group_thousands(allowance),
        group_thousands(counted),
        mark(financial_ok),
        group_thousands(n.financial_limit_won),
    );
    let figures_en = format!(
        "income {} won {} {} won ({}% of the {} median), property {} won {} {} won (large city), financial assets {} won − allowance {} won = {} won {} {} won",
        group_thousands(h.monthly_income_won),
        mark(income_ok),
        group_thousands(line),
        format_rate(n.income_rate),
        median.values.year,
        group_thousands(h.property_won),
        mark(property_ok),
        group_thousands(n.property_limit_large_city_won),
        group_thousands(h.financial_assets_won),
        group_thousands(allowance),
        group_thousands(counted),
        mark(financial_ok),
        group_thousands(n.financial_limit_won),
    );
    let (reason_ko, reason_en) = match national_reason {
        Some(x) => (
            format!("긴급복지지원법 위기사유({})", x.label_ko()),
            format!("a crisis situation of the Act ({})", x.label_en()),
        ),
        None => (
            "긴급복지지원법 §2의 위기사유 아님".to_owned(),
            "no crisis situation of the Act's §2".to_owned(),
        ),
    };
    r.checks.push(check::flag(
        "national_emergency_screen",
        !applies,
        if applies {
            format!("국가 긴급복지 대상: {reason_ko}, {figures_ko} — 국가 긴급복지가 먼저 적용됩니다")
        } else {
            format!("국가 긴급복지 대상 아님: {reason_ko}, {figures_ko} — 서울형 긴급복지로 판정합니다")
        },
        if applies {
            format!("national emergency welfare applies: {reason_en}, {figures_en} — the national program comes first")
        } else {
            format!("not covered by national emergency welfare: {reason_en}, {figures_en} — judged under the Seoul program")
        },
    ));
    Ok(applies)
}

/// The re-support rule; returns true when support is barred (same reason within the 3 months).
fn resupport_check(
    ctx: &Ctx<'_>,
    p: &EmergencyParams,
    reasons: &[CrisisReason],
    r: &mut ProgramResult,
) -> bool {
    let as_of = ctx.input.as_of;
    // The latest earlier support of this program for any of today's reasons.
    let last = ctx
        .input
        .history
        .iter()
        .filter(|h| h.program == ProgramCode::SeoulEmergencyWelfare && reasons.contains(&h.reason))
        .max_by_key(|h| h.date);
    let Some(last) = last else {
        r.checks.push(check::flag(
            "resupport_interval",
            true,
            "같은 위기사유로 받은 서울형 긴급복지 지원 이력 없음".into(),
            "no earlier Seoul emergency support for the same crisis reason".into(),
        ));
        return false;
    };
    // An unrepresentable date (year 262143) cannot occur for validated input; treat it as "no bar".
    let allowed_from = last
        .date
        .checked_add_months(Months::new(p.no_resupport_months))
        .unwrap_or(chrono::NaiveDate::MAX);
    let blocked = as_of < allowed_from;
    let months = p.no_resupport_months;
    let window_end = last
        .date
        .checked_add_months(Months::new(p.resupport_window_months))
        .unwrap_or(chrono::NaiveDate::MAX);
    let reason_ko = last.reason.label_ko();
    let reason_en = last.reason.label_en();
    let (src_ko, src_en) = source(last);
    let date = format!("{}{src_ko}", last.date);
    let date_en = format!("{}{src_en}", last.date);
    let window = p.resupport_window_months;
    r.checks.push(if blocked {
        check::flag(
            "resupport_interval",
            false,
            format!(
                "같은 위기사유({reason_ko}) 지원({date}) 후 {months}개월이 지나지 않음: {allowed_from}부터 재지원 가능"
            ),
            format!(
                "support for the same reason ({reason_en}) on {date_en} was less than {months} months ago: re-support possible from {allowed_from}"
            ),
        )
    } else if as_of < window_end {
        check::flag(
            "resupport_interval",
            true,
            format!(
                "같은 위기사유({reason_ko}) 지원({date}) 후 {months}개월 경과: {window}개월 이내 재지원 가능 (2022 완화)"
            ),
            format!(
                "support for the same reason ({reason_en}) on {date_en} was at least {months} months ago: re-support within {window} months allowed (2022 relaxation)"
            ),
        )
    } else {
        check::flag(
            "resupport_interval",
            true,
            format!("같은 위기사유({reason_ko}) 지원({date}) 후 {window}개월 이상 경과"),
            format!(
                "support for the same reason ({reason_en}) on {date_en} was {window} or more months ago"
            ),
        )
    });
    blocked
}

/// ", 생계비, 기록 ID" / ", living costs, record ID": the item and record of a history entry, for
/// the sentences that cite it.
fn source(h: &HistoryEntry) -> (String, String) {
    let mut ko = String::new();
    let mut en = String::new();
    if let Some(item) = h.item {
        ko.push_str(&format!(", {}", item.label_ko()));
        en.push_str(&format!(", {}", item.label_en()));
    }
    if let Some(rec) = &h.record {
        ko.push_str(&format!(", 기록 {rec}"));
        en.push_str(&format!(", record {rec}"));
    }
    (ko, en)
}

/// How many extra payments (추가지원) an item allows in one episode (001 §7 ④ 지원내용).
fn extra_allowed(p: &EmergencyParams, item: SupportItem, lonely_single: bool) -> i64 {
    match item {
        SupportItem::Living if lonely_single => p.lonely_death_living_extra_payments,
        SupportItem::Living => p.living_extra_payments,
        SupportItem::Medical => p.medical_extra_payments,
        _ => 0,
    }
}

/// The extra-payment rule (추가지원); returns true when the request is barred. Adds the check
/// `extra_payments`, naming the episode and every extra payment it counted.
fn extra_payment_check(
    ctx: &Ctx<'_>,
    p: &EmergencyParams,
    reasons: &[CrisisReason],
    r: &mut ProgramResult,
) -> bool {
    let relevant: Vec<&HistoryEntry> = ctx
        .input
        .history
        .iter()
        .filter(|h| h.program == ProgramCode::SeoulEmergencyWelfare && reasons.contains(&h.reason))
        .collect();
    // The episode: the latest new support for one of today's reasons.
    let Some(start) = relevant
        .iter()
        .filter(|h| h.support_kind == SupportKind::New)
        .max_by_key(|h| h.date)
    else {
        r.checks.push(check::flag(
            "extra_payments",
            false,
            "추가지원 요청이지만 같은 위기사유로 받은 서울형 긴급복지 지원(신규·재지원) 이력이 없음: 처음 지원은 support_kind new로 판정하세요".into(),
            "an extra payment was asked for, but there is no earlier Seoul emergency support (new) for the same reason: judge a first support as support_kind new".into(),
        ));
        return true;
    };
    let requested: Vec<SupportItem> = ctx
        .input
        .crisis
        .as_ref()
        .map(|c| c.requested_items.clone())
        .unwrap_or_default();
    let (start_ko, start_en) = source(start);
    if requested.is_empty() {
        r.checks.push(check::flag(
            "extra_payments",
            false,
            format!(
                "추가지원할 항목(requested_items)이 없음: 추가지원은 항목별로 셉니다 (지원 시작 {}{start_ko})",
                start.date
            ),
            format!(
                "no item requested for the extra payment: extra payments are counted per item (episode began {}{start_en})",
                start.date
            ),
        ));
        return true;
    }
    let lonely_single = ctx.input.household.lonely_death_risk && ctx.size == 1;
    let mut ok = true;
    let mut parts_ko = Vec::new();
    let mut parts_en = Vec::new();
    let mut items = requested;
    items.sort();
    items.dedup();
    for item in items {
        let allowed = extra_allowed(p, item, lonely_single);
        let used: Vec<&&HistoryEntry> = relevant
            .iter()
            .filter(|h| {
                h.support_kind == SupportKind::Extra && h.item == Some(item) && h.date >= start.date
            })
            .collect();
        let n = used.len() as i64;
        ok &= n < allowed;
        let cited: Vec<String> = used
            .iter()
            .map(|h| match &h.record {
                Some(rec) => format!("{} ({rec})", h.date),
                None => h.date.to_string(),
            })
            .collect();
        let cited = if cited.is_empty() {
            String::new()
        } else {
            format!(": {}", cited.join(", "))
        };
        parts_ko.push(format!(
            "{} 추가지원 {n}/{allowed}회 사용{cited}",
            item.label_ko()
        ));
        parts_en.push(format!(
            "{} extra payments used {n} of {allowed}{cited}",
            item.label_en()
        ));
    }
    let lonely_ko = if lonely_single {
        " (고독사 위험 1인 가구: 생계비 추가지원 2회, 총 3회)"
    } else {
        ""
    };
    let lonely_en = if lonely_single {
        " (lonely-death-risk single household: living costs 2 extra payments, 3 in total)"
    } else {
        ""
    };
    r.checks.push(check::flag(
        "extra_payments",
        ok,
        format!(
            "{}: 지원 시작 {}{start_ko} 이후 {}{lonely_ko}",
            if ok {
                "추가지원 가능"
            } else {
                "추가지원 불가(횟수 소진)"
            },
            start.date,
            parts_ko.join("; ")
        ),
        format!(
            "{}: since the support of {}{start_en}, {}{lonely_en}",
            if ok {
                "extra payment possible"
            } else {
                "no extra payment left"
            },
            start.date,
            parts_en.join("; ")
        ),
    ));
    !ok
}

/// The requested items with their ceilings; when none is requested, every item (the planner sees the
/// whole menu at the kitchen table).
fn support_lines(ctx: &Ctx<'_>, p: &EmergencyParams, notes: &mut Vec<Note>) -> Vec<SupportLine> {
    let requested: &[SupportItem] = ctx
        .input
        .crisis
        .as_ref()
        .map(|c| c.requested_items.as_slice())
        .unwrap_or(&[]);
    let items: Vec<SupportItem> = if requested.is_empty() {
        notes.push(Note {
            code: "all_items_listed",
            ko: "요청 항목이 없어 모든 지원 항목의 상한을 보여 줍니다".into(),
            en: "no item requested: every support item is listed with its ceiling".into(),
        });
        SupportItem::ALL.to_vec()
    } else {
        let mut v = requested.to_vec();
        v.sort();
        v.dedup();
        v
    };
    let lonely_single = ctx.input.household.lonely_death_risk && ctx.size == 1;
    items
        .into_iter()
        .map(|item| {
            let (max, extra) = match item {
                SupportItem::Living => {
                    // The last row is "4인 이상": it applies to every larger household.
                    let amount = p
                        .living_by_size_won
                        .get(ctx.size.saturating_sub(1))
                        .or(p.living_by_size_won.last())
                        .copied()
                        .unwrap_or(0);
                    let extra = if lonely_single {
                        p.lonely_death_living_extra_payments
                    } else {
                        p.living_extra_payments
                    };
                    (amount, extra)
                }
                SupportItem::Medical => (p.medical_max_won, p.medical_extra_payments),
                SupportItem::Housing => (p.housing_max_won, 0),
                SupportItem::CareSos => (p.care_sos_max_won, 0),
                SupportItem::EducationElementary => (p.education_elementary_won, 0),
                SupportItem::EducationMiddle => (p.education_middle_won, 0),
                SupportItem::EducationHigh => (p.education_high_won, 0),
                SupportItem::Fuel => (p.fuel_won, 0),
                SupportItem::Childbirth => (p.childbirth_won, 0),
                SupportItem::Funeral => (p.funeral_won, 0),
                SupportItem::Electricity => (p.electricity_max_won, 0),
            };
            if item == SupportItem::Living && lonely_single {
                notes.push(Note {
                    code: "lonely_death_support",
                    ko: format!(
                        "고독사 위험 1인 가구: 생계비 추가지원 {}회(총 {}회) 가능, 생계비 한도 안에서 IoT 기기 1~2대({}원 이내) 지원 가능",
                        p.lonely_death_living_extra_payments,
                        p.lonely_death_living_extra_payments + 1,
                        group_thousands(p.iot_devices_cap_won)
                    ),
                    en: format!(
                        "lonely-death-risk single-person household: living costs may be paid {} more times ({} in total); 1–2 IoT devices (up to {} won) within the living-cost cap",
                        p.lonely_death_living_extra_payments,
                        p.lonely_death_living_extra_payments + 1,
                        group_thousands(p.iot_devices_cap_won)
                    ),
                });
            }
            SupportLine {
                item,
                max_amount_won: max,
                extra_payments_allowed: extra,
            }
        })
        .collect()
}
