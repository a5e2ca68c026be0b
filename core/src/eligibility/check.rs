//! Builders for [`Check`]s: the sentence of each comparison, in Korean and English, with the numbers.

use crate::eligibility::money::{format_rate, group_thousands, Rate};
use crate::eligibility::output::Check;

/// What a won limit is, for the sentence: e.g. ("2인 가구 기준 중위소득 100%", "100% of the 2022 median
/// income, 2-person household").
pub struct Basis {
    pub ko: String,
    pub en: String,
}

impl Basis {
    pub fn median_rate(size: usize, year: i32, rate: Rate) -> Self {
        let pct = format_rate(rate);
        Basis {
            ko: format!("{size}인 가구 {year}년 기준 중위소득 {pct}%"),
            en: format!("{pct}% of the {year} median income, {size}-person household"),
        }
    }

    pub fn plain(ko: impl Into<String>, en: impl Into<String>) -> Self {
        Basis {
            ko: ko.into(),
            en: en.into(),
        }
    }
}

/// `value ≤ limit` in won: "소득 1,500,000원 ≤ 기준 3,260,085원 (2인 가구 …)".
pub fn at_most_won(
    code: &'static str,
    what_ko: &str,
    what_en: &str,
    value: i64,
    limit: i64,
    basis: &Basis,
) -> Check {
    let passed = value <= limit;
    let (op, word_en) = if passed {
        ("≤", "within")
    } else {
        (">", "over")
    };
    Check {
        code,
        passed,
        value: Some(value),
        limit: Some(limit),
        ko: format!(
            "{what_ko} {}원 {op} 기준 {}원 ({})",
            group_thousands(value),
            group_thousands(limit),
            basis.ko
        ),
        en: format!(
            "{what_en} {} won {op} limit {} won ({}): {word_en} the limit",
            group_thousands(value),
            group_thousands(limit),
            basis.en
        ),
    }
}

/// A yes/no rule with its own sentence.
pub fn flag(code: &'static str, passed: bool, ko: String, en: String) -> Check {
    Check {
        code,
        passed,
        value: None,
        limit: None,
        ko,
        en,
    }
}

/// A yes/no rule about a number (an age, a count) compared with a threshold.
pub fn numeric(
    code: &'static str,
    passed: bool,
    value: i64,
    limit: i64,
    ko: String,
    en: String,
) -> Check {
    Check {
        code,
        passed,
        value: Some(value),
        limit: Some(limit),
        ko,
        en,
    }
}

/// Financial assets after the living-preparation allowance (생활준비금 공제, 001 §7 ①) compared with
/// the limit: "금융재산 13,000,000원 − 생활준비금 3,260,085원 (…) = 9,739,915원 ≤ 기준 10,000,000원".
/// The counted amount never goes below 0 (an allowance larger than the assets leaves nothing).
pub fn financial_after_allowance(
    financial: i64,
    allowance: i64,
    limit: i64,
    allowance_basis: &Basis,
) -> Check {
    let counted = (financial - allowance).max(0);
    let passed = counted <= limit;
    let (op, word_en) = if passed {
        ("≤", "within")
    } else {
        (">", "over")
    };
    Check {
        code: "financial_assets",
        passed,
        value: Some(counted),
        limit: Some(limit),
        ko: format!(
            "금융재산 {}원 − 생활준비금 {}원 ({}) = {}원 {op} 기준 {}원",
            group_thousands(financial),
            group_thousands(allowance),
            allowance_basis.ko,
            group_thousands(counted),
            group_thousands(limit)
        ),
        en: format!(
            "financial assets {} won − living-preparation allowance {} won ({}) = {} won {op} limit {} won: {word_en} the limit",
            group_thousands(financial),
            group_thousands(allowance),
            allowance_basis.en,
            group_thousands(counted),
            group_thousands(limit)
        ),
    }
}
