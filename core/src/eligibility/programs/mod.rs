//! One module per program. Each takes the validated input and the parameter registry and returns its
//! [`ProgramResult`]; the shared pieces (residence, median lines, ages) live here.

pub mod basic_security;
pub mod care_sos;
pub mod emergency;
pub mod screens;

use chrono::{Datelike, NaiveDate};

use crate::eligibility::check::{self, Basis};
use crate::eligibility::codes::{ProgramCode, Residence};
use crate::eligibility::input::EvaluationInput;
use crate::eligibility::money::{apply_rate, Rate};
use crate::eligibility::output::{Check, Decision, Note, ProgramResult};
use crate::eligibility::params::{Dated, MedianRow, ParameterRegistry};
use crate::{CoreError, CoreResult};

/// What every program reads.
pub struct Ctx<'a> {
    pub input: &'a EvaluationInput,
    pub reg: &'a ParameterRegistry,
    /// Household size as an index-friendly number (validated ≥ 1).
    pub size: usize,
}

impl<'a> Ctx<'a> {
    pub fn new(input: &'a EvaluationInput, reg: &'a ParameterRegistry) -> Self {
        Ctx {
            input,
            reg,
            size: usize::try_from(input.household.size).unwrap_or(usize::MAX),
        }
    }

    /// The median row of `year`; its absence is an error of the tables (loading checks it).
    pub fn median(&self, year: i32) -> CoreResult<&'a Dated<MedianRow>> {
        self.reg.median(year).ok_or_else(|| {
            CoreError::invalid(
                "param_median_year_missing",
                "as_of",
                format!("{year}년 기준 중위소득 표가 없습니다"),
                format!("no median-income row for {year}"),
            )
        })
    }

    /// The household's median income of `year`. Households larger than the table are refused, not
    /// extrapolated: the seed gives sizes 1–6 only, and the official rule for 7+ persons is not in it.
    pub fn median_for_size(&self, row: &Dated<MedianRow>) -> CoreResult<i64> {
        self.size
            .checked_sub(1)
            .and_then(|i| row.values.by_size_won.get(i))
            .copied()
            .ok_or_else(|| {
                let max = row.values.by_size_won.len();
                CoreError::invalid(
                    "household_size_not_covered",
                    "household.size",
                    format!(
                        "{}년 기준 중위소득 표는 {max}인 가구까지만 있습니다 ({}인 가구): 구청에 기준을 확인하거나 더 큰 가구를 담은 기준표를 불러오세요",
                        row.values.year, self.size
                    ),
                    format!(
                        "the {} median-income table covers households of up to {max} people (got {}): check with the district or load a table covering larger households",
                        row.values.year, self.size
                    ),
                )
            })
    }

    /// `rate` of the household's median income of `year`, rounded half up to the won.
    pub fn line(&self, row: &Dated<MedianRow>, rate: Rate) -> CoreResult<i64> {
        Ok(apply_rate(self.median_for_size(row)?, rate))
    }

    pub fn in_seoul(&self) -> bool {
        self.input.residence == Residence::Seoul
    }

    /// Full years (만 나이) of each described member on the evaluation date.
    pub fn member_ages(&self) -> impl Iterator<Item = (i64, bool)> + '_ {
        self.input
            .household
            .members
            .iter()
            .map(|m| (age_on(m.birth_date, self.input.as_of), m.disabled))
    }
}

/// Age in full years (만 나이) on `date`; someone born on 29 February turns a year older on 1 March in
/// a common year.
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> i64 {
    let mut age = i64::from(date.year()) - i64::from(birth.year());
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// A result being built: starts as not applicable with no checks. A provisional result says so, and a
/// set that carries values over from another year says which, in every result that uses it.
pub fn start<V>(program: ProgramCode, set: &Dated<V>, provisional: bool) -> ProgramResult {
    let mut r = ProgramResult {
        program,
        decision: Decision::NotApplicable,
        support: Vec::new(),
        monthly_benefit_won: None,
        care_sos_cost: None,
        checks: Vec::new(),
        parameters: format!("{} {} ({})", program.code(), set.valid_from, set.source),
        provisional,
        notes: Vec::new(),
    };
    if provisional {
        r.notes.push(Note {
            code: "provisional_parameters",
            ko: "잠정 기준: 구청에 확인하세요 (확인되지 않은 수치를 포함한 기준표)".into(),
            en: "provisional parameters: verify with the district (the table holds unconfirmed figures)"
                .into(),
        });
    }
    if let Some(c) = &set.carried_forward {
        r.notes.push(Note {
            code: "carried_forward",
            ko: format!("잠정 기준(다른 해의 값): {}", c.ko),
            en: format!("provisional (values from another year): {}", c.en),
        });
    }
    r
}

/// The residence rule of every 서울형 program.
pub fn residence_check(ctx: &Ctx<'_>) -> Check {
    let seoul = ctx.in_seoul();
    check::flag(
        "residence",
        seoul,
        if seoul {
            "서울시 거주: 서울형 사업 대상 지역".into()
        } else {
            "서울시 외 거주: 서울형 사업은 서울 시민만 대상".into()
        },
        if seoul {
            "lives in Seoul: a Seoul program applies".into()
        } else {
            "lives outside Seoul: Seoul programs apply only to residents of Seoul".into()
        },
    )
}

/// Which income a program compares with its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncomeConcept {
    /// 소득: 서울형 긴급복지, 돌봄SOS, 안심소득.
    Income,
    /// 소득인정액: 서울형 기초보장.
    Recognised,
}

impl<'a> Ctx<'a> {
    /// The household's figure for `concept`, and whether it was entered as such (a 소득인정액 not
    /// entered is taken as the 소득, which the explanation says).
    pub fn income_for(&self, concept: IncomeConcept) -> (i64, bool) {
        let h = &self.input.household;
        match concept {
            IncomeConcept::Income => (h.monthly_income_won, true),
            IncomeConcept::Recognised => match h.recognised_income_won {
                Some(v) => (v, true),
                None => (h.monthly_income_won, false),
            },
        }
    }
}

/// Income (of `concept`) compared with `rate` of the median; the sentence names the concept.
pub fn income_check(
    ctx: &Ctx<'_>,
    concept: IncomeConcept,
    row: &Dated<MedianRow>,
    rate: Rate,
    extra_ko: &str,
    extra_en: &str,
) -> CoreResult<Check> {
    let limit = ctx.line(row, rate)?;
    let mut basis = Basis::median_rate(ctx.size, row.values.year, rate);
    if !extra_ko.is_empty() {
        basis.ko.push_str(extra_ko);
        basis.en.push_str(extra_en);
    }
    let (value, entered) = ctx.income_for(concept);
    let (what_ko, what_en) = match (concept, entered) {
        (IncomeConcept::Income, _) => ("소득", "income"),
        (IncomeConcept::Recognised, true) => ("소득인정액", "recognised income (소득인정액)"),
        (IncomeConcept::Recognised, false) => (
            "소득인정액(미입력: 소득을 그대로 씀)",
            "recognised income (not entered: the income is used)",
        ),
    };
    Ok(check::at_most_won(
        "income", what_ko, what_en, value, limit, &basis,
    ))
}

/// The note a program adds when it needed the 소득인정액 and only the 소득 was entered.
pub fn recognised_income_note(ctx: &Ctx<'_>) -> Option<Note> {
    if ctx.income_for(IncomeConcept::Recognised).1 {
        return None;
    }
    Some(Note {
        code: "recognised_income_not_entered",
        ko: "이 사업은 소득인정액(소득평가액 + 재산의 소득환산액)으로 판정합니다. 소득인정액이 입력되지 않아 소득을 그대로 썼습니다: 재산이 있으면 실제 소득인정액은 더 클 수 있으니 recognised_income_won을 입력하세요".into(),
        en: "this program is judged on recognised income (소득인정액: assessed income plus the income value of property). None was entered, so the income was used: with property the real figure may be higher; enter recognised_income_won".into(),
    })
}

/// The living-preparation allowance (생활준비금) for the household: `rate` × its median income, rounded
/// half up to the won — the rounding of every published rate row (85%, 46%, 45%), so 65% of
/// 4,199,292 is 2,729,540 (2,729,539.8). With the sentence of its basis, naming a relaxation if any.
pub fn living_allowance(
    ctx: &Ctx<'_>,
    row: &Dated<MedianRow>,
    rate: Rate,
    unrelaxed: Option<Rate>,
) -> CoreResult<(i64, Basis)> {
    let allowance = ctx.line(row, rate)?;
    let mut basis = Basis::median_rate(ctx.size, row.values.year, rate);
    if let Some(u) = unrelaxed {
        basis.ko.push_str(&format!(
            "; 한시 완화 {}% → {}%",
            crate::eligibility::money::format_rate(u),
            crate::eligibility::money::format_rate(rate)
        ));
        basis.en.push_str(&format!(
            "; temporarily relaxed from {}% to {}%",
            crate::eligibility::money::format_rate(u),
            crate::eligibility::money::format_rate(rate)
        ));
    }
    Ok((allowance, basis))
}
