//! The JSON form of a parameter table and its validation.
//!
//! A table is `{"table": CODE, "sets": [SET, …]}`; a set is `{"valid_from", "valid_to", "source",
//! "provisional", "values": {…}}` where `values` depends on the table. The same reader serves the tables
//! embedded at build time and those loaded at run time, so a city's new table is held to exactly the
//! rules the built-in ones pass: dates parse and are ordered, every rate lies in 0–1, every amount is
//! non-negative, every household-size row is present and rises with the size.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::eligibility::codes::{CareService, Receiving};
use crate::eligibility::money::{Rate, RATE_ONE};
use crate::{CoreError, CoreResult};

/// The fewest household sizes a median-income row must give: the seed tabulates sizes 1–6.
pub const MIN_SIZES: usize = 6;

/// One dated parameter set after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated<V> {
    pub valid_from: NaiveDate,
    /// Last day in force (inclusive); `None` = until a later set replaces it.
    pub valid_to: Option<NaiveDate>,
    /// Seed file and section, or the public source, of the values.
    pub source: String,
    /// Figures marked [S]/[U] in domain.md: every decision using them says so.
    pub provisional: bool,
    /// Values not known for the set's dates and taken from another year: which, and from when. Only a
    /// provisional set may carry values over (checked on loading), and every decision using the set
    /// repeats this sentence.
    pub carried_forward: Option<CarriedForward>,
    pub values: V,
}

/// Which values a provisional set took from another year, in Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedForward {
    pub ko: String,
    pub en: String,
}

impl<V> Dated<V> {
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }
}

#[derive(Deserialize)]
struct Peek {
    table: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable<R> {
    #[allow(dead_code)]
    table: String,
    sets: Vec<RawSet<R>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet<R> {
    valid_from: String,
    valid_to: Option<String>,
    source: String,
    provisional: bool,
    #[serde(default)]
    carried_forward: Option<CarriedForward>,
    values: R,
}

/// Values of one table kind: their raw JSON shape and how it is checked.
pub trait TableValues: Sized {
    type Raw: DeserializeOwned;
    fn validate(raw: Self::Raw, path: &str) -> CoreResult<Self>;
}

fn param_error(code: &'static str, field: &str, ko: String, en: String) -> CoreError {
    CoreError::invalid(code, field, ko, en)
}

/// Reads the `table` code of a parameter document.
pub fn table_code(json: &str) -> CoreResult<String> {
    let peek: Peek = serde_json::from_str(json).map_err(|e| {
        param_error(
            "param_json_invalid",
            "table",
            format!("기준표 JSON을 읽을 수 없습니다 (table 필드 필요): {e}"),
            format!("cannot read the parameter table JSON (a `table` field is required): {e}"),
        )
    })?;
    Ok(peek.table)
}

/// Parses and validates every set of a table; sets must be in `valid_from` order without overlap.
pub fn parse_table<V: TableValues>(json: &str) -> CoreResult<Vec<Dated<V>>> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let raw: RawTable<V::Raw> = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        param_error(
            "param_json_invalid",
            &path,
            format!("기준표 형식 오류 ({path}): {}", e.inner()),
            format!("malformed parameter table at {path}: {}", e.inner()),
        )
    })?;
    if raw.sets.is_empty() {
        return Err(param_error(
            "param_no_sets",
            "sets",
            "기준표에 기준 집합이 없습니다".into(),
            "the parameter table has no sets".into(),
        ));
    }
    let mut out: Vec<Dated<V>> = Vec::with_capacity(raw.sets.len());
    for (i, set) in raw.sets.into_iter().enumerate() {
        let base = format!("sets[{i}]");
        let valid_from = parse_param_date(&set.valid_from, &format!("{base}.valid_from"))?;
        let valid_to = match &set.valid_to {
            Some(s) => Some(parse_param_date(s, &format!("{base}.valid_to"))?),
            None => None,
        };
        if let Some(to) = valid_to {
            if to < valid_from {
                return Err(param_error(
                    "param_dates_unordered",
                    &format!("{base}.valid_to"),
                    format!("종료일 {to}이 시작일 {valid_from}보다 앞섭니다"),
                    format!("valid_to {to} is before valid_from {valid_from}"),
                ));
            }
        }
        if let Some(prev) = out.last() {
            // Sets of one table follow each other: a later set starts after the previous one ends, so
            // exactly one set of a table is in force on any covered day.
            let ordered = match prev.valid_to {
                Some(prev_to) => valid_from > prev_to,
                None => false,
            };
            if !ordered || valid_from <= prev.valid_from {
                return Err(param_error(
                    "param_dates_unordered",
                    &format!("{base}.valid_from"),
                    format!("기준 집합은 시작일 순서로, 겹치지 않게 나열해야 합니다 ({base})"),
                    format!("sets must be listed by valid_from without overlapping ({base})"),
                ));
            }
        }
        if set.source.trim().is_empty() {
            return Err(param_error(
                "param_source_missing",
                &format!("{base}.source"),
                "출처가 비어 있습니다".into(),
                "the source is empty".into(),
            ));
        }
        if let Some(c) = &set.carried_forward {
            // A carried-over value is a guess about its year: only a provisional set, which every
            // decision flags, may hold one.
            if !set.provisional {
                return Err(param_error(
                    "param_carried_not_provisional",
                    &format!("{base}.carried_forward"),
                    "다른 해의 값을 가져온 기준 집합은 잠정(provisional: true)이어야 합니다".into(),
                    "a set carrying values over from another year must be provisional".into(),
                ));
            }
            if c.ko.trim().is_empty() || c.en.trim().is_empty() {
                return Err(param_error(
                    "param_source_missing",
                    &format!("{base}.carried_forward"),
                    "가져온 값의 설명(ko, en)이 비어 있습니다".into(),
                    "the carried-forward sentence (ko, en) is empty".into(),
                ));
            }
        }
        let values = V::validate(set.values, &format!("{base}.values"))?;
        out.push(Dated {
            valid_from,
            valid_to,
            source: set.source,
            provisional: set.provisional,
            carried_forward: set.carried_forward,
            values,
        });
    }
    Ok(out)
}

fn parse_param_date(s: &str, field: &str) -> CoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        param_error(
            "param_date_invalid",
            field,
            format!("날짜 형식(YYYY-MM-DD)이 아닙니다: {field} = {s:?}"),
            format!("not a YYYY-MM-DD date: {field} = {s:?}"),
        )
    })
}

/// A rate given as a fraction (0.46) → parts per ten thousand, refusing anything outside 0–1 or finer
/// than 0.01% (which could not be applied exactly).
pub fn rate(x: f64, field: &str) -> CoreResult<Rate> {
    if !x.is_finite() || !(0.0..=1.0).contains(&x) {
        return Err(param_error(
            "param_rate_out_of_range",
            field,
            format!("비율은 0과 1 사이여야 합니다: {field} = {x}"),
            format!("a rate must lie within 0–1: {field} = {x}"),
        ));
    }
    let scaled = x * RATE_ONE as f64;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 1e-6 {
        return Err(param_error(
            "param_rate_precision",
            field,
            format!("비율은 소수 넷째 자리(0.01%)까지만 쓸 수 있습니다: {field} = {x}"),
            format!("a rate may have at most four decimals (0.01%): {field} = {x}"),
        ));
    }
    // In range 0..=10_000 after the checks above, so the cast is exact.
    Ok(rounded as Rate)
}

/// Largest amount a table may hold (1,000조 원), the same bound as inputs, so that no product of an
/// amount with a quantity or rate can overflow the `i128` arithmetic.
pub const MAX_PARAM_AMOUNT: i64 = 1_000_000_000_000_000;

/// A non-negative amount of won (or a count), at most [`MAX_PARAM_AMOUNT`].
pub fn amount(x: i64, field: &str) -> CoreResult<i64> {
    if x > MAX_PARAM_AMOUNT {
        return Err(param_error(
            "param_amount_too_large",
            field,
            format!("값이 너무 큽니다 (최대 {MAX_PARAM_AMOUNT}): {field} = {x}"),
            format!("value too large (at most {MAX_PARAM_AMOUNT}): {field} = {x}"),
        ));
    }
    if x < 0 {
        return Err(param_error(
            "param_amount_negative",
            field,
            format!("음수일 수 없습니다: {field} = {x}"),
            format!("must not be negative: {field} = {x}"),
        ));
    }
    Ok(x)
}

/// A by-household-size row: at least `min_len` sizes, all positive, strictly rising with the size.
pub fn rising_row(row: Vec<i64>, min_len: usize, field: &str) -> CoreResult<Vec<i64>> {
    if row.len() < min_len {
        return Err(param_error(
            "param_sizes_missing",
            field,
            format!(
                "가구원 수별 값이 부족합니다: {field}에 1~{min_len}인 가구가 모두 있어야 합니다 ({}개 있음)",
                row.len()
            ),
            format!(
                "household sizes missing: {field} must give every size 1–{min_len} (has {})",
                row.len()
            ),
        ));
    }
    for (i, v) in row.iter().enumerate() {
        if *v > MAX_PARAM_AMOUNT {
            return Err(param_error(
                "param_amount_too_large",
                &format!("{field}[{i}]"),
                format!("값이 너무 큽니다: {field}[{i}] = {v}"),
                format!("value too large: {field}[{i}] = {v}"),
            ));
        }
        if *v <= 0 {
            return Err(param_error(
                "param_amount_negative",
                &format!("{field}[{i}]"),
                format!("양수여야 합니다: {field}[{i}] = {v}"),
                format!("must be positive: {field}[{i}] = {v}"),
            ));
        }
        if i > 0 && row[i - 1] >= *v {
            return Err(param_error(
                "param_not_rising",
                &format!("{field}[{i}]"),
                format!(
                    "가구원 수가 늘면 기준도 커져야 합니다: {}인 {} ≥ {}인 {}",
                    i,
                    row[i - 1],
                    i + 1,
                    v
                ),
                format!(
                    "values must rise with household size: size {} has {} ≥ size {} {}",
                    i,
                    row[i - 1],
                    i + 1,
                    v
                ),
            ));
        }
    }
    Ok(row)
}

// ---------------------------------------------------------------------------------------------
// 기준 중위소득

/// One year's 기준 중위소득 (median income) by household size.
#[derive(Debug, Clone, PartialEq)]
pub struct MedianRow {
    pub year: i32,
    /// Index 0 = 1 person.
    pub by_size_won: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMedian {
    year: i32,
    by_size_won: Vec<i64>,
}

impl TableValues for MedianRow {
    type Raw = RawMedian;
    fn validate(raw: RawMedian, path: &str) -> CoreResult<Self> {
        Ok(MedianRow {
            year: raw.year,
            by_size_won: rising_row(raw.by_size_won, MIN_SIZES, &format!("{path}.by_size_won"))?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// 서울형 긴급복지

#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyParams {
    pub median_year: i32,
    pub income_rate: Rate,
    /// The ordinary rate before the COVID-19 relaxation, quoted in explanations.
    pub income_rate_unrelaxed: Option<Rate>,
    pub property_limit_won: i64,
    pub property_limit_unrelaxed_won: Option<i64>,
    pub financial_limit_won: i64,
    /// 생활준비금 공제비율: financial assets are compared with the limit after deducting this share of
    /// the household's median income (001 §7 ①: 65%, relaxed to 100% in 2022).
    pub living_allowance_rate: Rate,
    /// The ordinary deduction rate before a relaxation, quoted in explanations.
    pub living_allowance_rate_unrelaxed: Option<Rate>,
    pub no_resupport_months: u32,
    pub resupport_window_months: u32,
    /// Index 0 = 1 person; the last value applies to every larger household ("4인 이상").
    pub living_by_size_won: Vec<i64>,
    pub living_extra_payments: i64,
    pub lonely_death_living_extra_payments: i64,
    pub iot_devices_cap_won: i64,
    pub medical_max_won: i64,
    pub medical_extra_payments: i64,
    pub housing_max_won: i64,
    pub care_sos_max_won: i64,
    pub education_elementary_won: i64,
    pub education_middle_won: i64,
    pub education_high_won: i64,
    pub fuel_won: i64,
    pub childbirth_won: i64,
    pub funeral_won: i64,
    pub electricity_max_won: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmergency {
    median_year: i32,
    income_rate: f64,
    income_rate_unrelaxed: Option<f64>,
    property_limit_won: i64,
    property_limit_unrelaxed_won: Option<i64>,
    financial_limit_won: i64,
    living_allowance_rate: f64,
    living_allowance_rate_unrelaxed: Option<f64>,
    no_resupport_months: u32,
    resupport_window_months: u32,
    living_by_size_won: Vec<i64>,
    living_extra_payments: i64,
    lonely_death_living_extra_payments: i64,
    iot_devices_cap_won: i64,
    medical_max_won: i64,
    medical_extra_payments: i64,
    housing_max_won: i64,
    care_sos_max_won: i64,
    education_elementary_won: i64,
    education_middle_won: i64,
    education_high_won: i64,
    fuel_won: i64,
    childbirth_won: i64,
    funeral_won: i64,
    electricity_max_won: i64,
}

impl TableValues for EmergencyParams {
    type Raw = RawEmergency;
    fn validate(r: RawEmergency, p: &str) -> CoreResult<Self> {
        let f = |name: &str| format!("{p}.{name}");
        Ok(EmergencyParams {
            median_year: r.median_year,
            income_rate: rate(r.income_rate, &f("income_rate"))?,
            income_rate_unrelaxed: match r.income_rate_unrelaxed {
                Some(x) => Some(rate(x, &f("income_rate_unrelaxed"))?),
                None => None,
            },
            property_limit_won: amount(r.property_limit_won, &f("property_limit_won"))?,
            property_limit_unrelaxed_won: match r.property_limit_unrelaxed_won {
                Some(x) => Some(amount(x, &f("property_limit_unrelaxed_won"))?),
                None => None,
            },
            financial_limit_won: amount(r.financial_limit_won, &f("financial_limit_won"))?,
            living_allowance_rate: rate(r.living_allowance_rate, &f("living_allowance_rate"))?,
            living_allowance_rate_unrelaxed: match r.living_allowance_rate_unrelaxed {
                Some(x) => Some(rate(x, &f("living_allowance_rate_unrelaxed"))?),
                None => None,
            },
            no_resupport_months: r.no_resupport_months,
            resupport_window_months: r.resupport_window_months,
            living_by_size_won: rising_row(r.living_by_size_won, 1, &f("living_by_size_won"))?,
            living_extra_payments: amount(r.living_extra_payments, &f("living_extra_payments"))?,
            lonely_death_living_extra_payments: amount(
                r.lonely_death_living_extra_payments,
                &f("lonely_death_living_extra_payments"),
            )?,
            iot_devices_cap_won: amount(r.iot_devices_cap_won, &f("iot_devices_cap_won"))?,
            medical_max_won: amount(r.medical_max_won, &f("medical_max_won"))?,
            medical_extra_payments: amount(r.medical_extra_payments, &f("medical_extra_payments"))?,
            housing_max_won: amount(r.housing_max_won, &f("housing_max_won"))?,
            care_sos_max_won: amount(r.care_sos_max_won, &f("care_sos_max_won"))?,
            education_elementary_won: amount(
                r.education_elementary_won,
                &f("education_elementary_won"),
            )?,
            education_middle_won: amount(r.education_middle_won, &f("education_middle_won"))?,
            education_high_won: amount(r.education_high_won, &f("education_high_won"))?,
            fuel_won: amount(r.fuel_won, &f("fuel_won"))?,
            childbirth_won: amount(r.childbirth_won, &f("childbirth_won"))?,
            funeral_won: amount(r.funeral_won, &f("funeral_won"))?,
            electricity_max_won: amount(r.electricity_max_won, &f("electricity_max_won"))?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// 서울형 기초보장

#[derive(Debug, Clone, PartialEq)]
pub struct BasicSecurityParams {
    /// Year of the median income the selection line is taken from (2021 until 2022-02-28).
    pub selection_median_year: i32,
    pub income_rate: Rate,
    pub property_limit_won: i64,
    pub financial_limit_won: i64,
    /// Year of the median income the national living-benefit line (N) is taken from.
    pub benefit_median_year: i32,
    /// 생계급여 선정기준 as a share of the median (30% in 2021–2023).
    pub national_living_rate: Rate,
    /// Maximum benefit = N / this (2: "half of the national living benefit").
    pub max_benefit_divisor: i64,
    /// Minimum benefit = N / this (6: one third of the maximum).
    pub min_benefit_divisor: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBasicSecurity {
    selection_median_year: i32,
    income_rate: f64,
    property_limit_won: i64,
    financial_limit_won: i64,
    benefit_median_year: i32,
    national_living_rate: f64,
    max_benefit_divisor: i64,
    min_benefit_divisor: i64,
}

impl TableValues for BasicSecurityParams {
    type Raw = RawBasicSecurity;
    fn validate(r: RawBasicSecurity, p: &str) -> CoreResult<Self> {
        let f = |name: &str| format!("{p}.{name}");
        for (name, d) in [
            ("max_benefit_divisor", r.max_benefit_divisor),
            ("min_benefit_divisor", r.min_benefit_divisor),
        ] {
            if d < 1 {
                return Err(param_error(
                    "param_amount_negative",
                    &f(name),
                    format!("1 이상이어야 합니다: {} = {d}", f(name)),
                    format!("must be at least 1: {} = {d}", f(name)),
                ));
            }
        }
        if r.min_benefit_divisor < r.max_benefit_divisor {
            return Err(param_error(
                "param_not_rising",
                &f("min_benefit_divisor"),
                "최소 급여가 최대 급여보다 클 수 없습니다".into(),
                "the minimum benefit cannot exceed the maximum".into(),
            ));
        }
        Ok(BasicSecurityParams {
            selection_median_year: r.selection_median_year,
            income_rate: rate(r.income_rate, &f("income_rate"))?,
            property_limit_won: amount(r.property_limit_won, &f("property_limit_won"))?,
            financial_limit_won: amount(r.financial_limit_won, &f("financial_limit_won"))?,
            benefit_median_year: r.benefit_median_year,
            national_living_rate: rate(r.national_living_rate, &f("national_living_rate"))?,
            max_benefit_divisor: r.max_benefit_divisor,
            min_benefit_divisor: r.min_benefit_divisor,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// 돌봄SOS

/// The fee and yearly limit of one paid service, in its base unit (minutes, days or meals).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceParams {
    pub fee_won: i64,
    /// The fee is per this many base units (120 minutes for 일시재가 in 2022).
    pub fee_per: i64,
    /// Most base units covered in a year; `None` = no per-service limit.
    pub yearly_limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CareSosParams {
    pub median_year: i32,
    pub income_rate: Rate,
    /// The line for households in crisis (2022: 100%, with 서울형 긴급복지).
    pub crisis_income_rate: Rate,
    pub elderly_from_age: u32,
    pub middle_aged_from_age: u32,
    /// In [`CareService::ALL`] order.
    pub services: Vec<(CareService, ServiceParams)>,
    pub yearly_total_limit_won: i64,
    /// Whether a household over the income line may use the paid services at its own cost
    /// (본인부담): then it gets `self_pay` with the cost instead of `ineligible`.
    pub self_pay_over_line: bool,
}

impl CareSosParams {
    pub fn service(&self, s: CareService) -> Option<&ServiceParams> {
        self.services.iter().find(|(k, _)| *k == s).map(|(_, v)| v)
    }
}

/// The base unit each service is counted in; a table must say the same, so that a city cannot give
/// 일시재가 in hours and have it read as minutes.
pub fn base_unit(s: CareService) -> &'static str {
    match s {
        CareService::TemporaryHomeCare | CareService::Escort | CareService::HousingHelp => "minute",
        CareService::ShortStay => "day",
        CareService::Meals => "meal",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    unit: String,
    fee_won: i64,
    fee_per: i64,
    yearly_limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServices {
    temporary_home_care: RawService,
    short_stay: RawService,
    escort: RawService,
    housing_help: RawService,
    meals: RawService,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCareSos {
    median_year: i32,
    income_rate: f64,
    crisis_income_rate: f64,
    elderly_from_age: u32,
    middle_aged_from_age: u32,
    services: RawServices,
    yearly_total_limit_won: i64,
    self_pay_over_line: bool,
}

fn service(s: CareService, r: RawService, p: &str) -> CoreResult<(CareService, ServiceParams)> {
    let path = format!("{p}.services.{}", s.code());
    if r.unit != base_unit(s) {
        return Err(param_error(
            "param_unit_mismatch",
            &format!("{path}.unit"),
            format!(
                "{} 단위는 {:?}여야 합니다 ({:?} 받음)",
                s.label_ko(),
                base_unit(s),
                r.unit
            ),
            format!(
                "the unit of {} must be {:?} (got {:?})",
                s.code(),
                base_unit(s),
                r.unit
            ),
        ));
    }
    if r.fee_per < 1 {
        return Err(param_error(
            "param_amount_negative",
            &format!("{path}.fee_per"),
            "1 이상이어야 합니다".into(),
            "must be at least 1".into(),
        ));
    }
    Ok((
        s,
        ServiceParams {
            fee_won: amount(r.fee_won, &format!("{path}.fee_won"))?,
            fee_per: r.fee_per,
            yearly_limit: match r.yearly_limit {
                Some(x) => Some(amount(x, &format!("{path}.yearly_limit"))?),
                None => None,
            },
        },
    ))
}

impl TableValues for CareSosParams {
    type Raw = RawCareSos;
    fn validate(r: RawCareSos, p: &str) -> CoreResult<Self> {
        let f = |name: &str| format!("{p}.{name}");
        let s = r.services;
        Ok(CareSosParams {
            median_year: r.median_year,
            income_rate: rate(r.income_rate, &f("income_rate"))?,
            crisis_income_rate: rate(r.crisis_income_rate, &f("crisis_income_rate"))?,
            elderly_from_age: r.elderly_from_age,
            middle_aged_from_age: r.middle_aged_from_age,
            services: vec![
                service(CareService::TemporaryHomeCare, s.temporary_home_care, p)?,
                service(CareService::ShortStay, s.short_stay, p)?,
                service(CareService::Escort, s.escort, p)?,
                service(CareService::HousingHelp, s.housing_help, p)?,
                service(CareService::Meals, s.meals, p)?,
            ],
            yearly_total_limit_won: amount(r.yearly_total_limit_won, &f("yearly_total_limit_won"))?,
            self_pay_over_line: r.self_pay_over_line,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Screens: 안심소득, 방문건강관리, 노인돌봄기본서비스

fn receiving_list(codes: Vec<String>, field: &str) -> CoreResult<Vec<Receiving>> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Receiving::from_code(c).ok_or_else(|| {
                param_error(
                    "param_unknown_code",
                    &format!("{field}[{i}]"),
                    format!("알 수 없는 수급 코드입니다: {c:?}"),
                    format!("unknown receiving code: {c:?}"),
                )
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct SafetyIncomeParams {
    pub median_year: i32,
    pub income_rate: Rate,
    pub property_limit_won: Option<i64>,
    /// Monthly payment = (line − income) × this; `None` where the source gives no payment rule.
    pub payment_rate: Option<Rate>,
    pub excluded_if_receiving: Vec<Receiving>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSafetyIncome {
    median_year: i32,
    income_rate: f64,
    property_limit_won: Option<i64>,
    payment_rate: Option<f64>,
    excluded_if_receiving: Vec<String>,
}

impl TableValues for SafetyIncomeParams {
    type Raw = RawSafetyIncome;
    fn validate(r: RawSafetyIncome, p: &str) -> CoreResult<Self> {
        let f = |name: &str| format!("{p}.{name}");
        Ok(SafetyIncomeParams {
            median_year: r.median_year,
            income_rate: rate(r.income_rate, &f("income_rate"))?,
            property_limit_won: match r.property_limit_won {
                Some(x) => Some(amount(x, &f("property_limit_won"))?),
                None => None,
            },
            payment_rate: match r.payment_rate {
                Some(x) => Some(rate(x, &f("payment_rate"))?),
                None => None,
            },
            excluded_if_receiving: receiving_list(
                r.excluded_if_receiving,
                &f("excluded_if_receiving"),
            )?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthCareParams {
    pub qualifying_receiving: Vec<Receiving>,
    pub bottom_20pct_qualifies: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCare {
    qualifying_receiving: Vec<String>,
    bottom_20pct_qualifies: bool,
}

impl TableValues for HealthCareParams {
    type Raw = RawHealthCare;
    fn validate(r: RawHealthCare, p: &str) -> CoreResult<Self> {
        Ok(HealthCareParams {
            qualifying_receiving: receiving_list(
                r.qualifying_receiving,
                &format!("{p}.qualifying_receiving"),
            )?,
            bottom_20pct_qualifies: r.bottom_20pct_qualifies,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElderlyCareParams {
    pub min_age: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawElderlyCare {
    min_age: u32,
}

impl TableValues for ElderlyCareParams {
    type Raw = RawElderlyCare;
    fn validate(r: RawElderlyCare, _p: &str) -> CoreResult<Self> {
        Ok(ElderlyCareParams { min_age: r.min_age })
    }
}

// ---------------------------------------------------------------------------------------------
// 국가 긴급복지 (긴급복지지원법): screened before 서울형 긴급복지, not a program of its own here

#[derive(Debug, Clone, PartialEq)]
pub struct NationalEmergencyParams {
    pub median_year: i32,
    /// Income line as a share of the median (decree §7②: 75%).
    pub income_rate: Rate,
    /// Property limit for a large city (대도시): Seoul is one, and only Seoul residents reach the
    /// screen (it runs inside 서울형 긴급복지).
    pub property_limit_large_city_won: i64,
    pub financial_limit_won: i64,
    /// 생활준비금 deducted from financial assets before the limit.
    pub living_allowance_rate: Rate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNationalEmergency {
    median_year: i32,
    income_rate: f64,
    property_limit_large_city_won: i64,
    financial_limit_won: i64,
    living_allowance_rate: f64,
}

impl TableValues for NationalEmergencyParams {
    type Raw = RawNationalEmergency;
    fn validate(r: RawNationalEmergency, p: &str) -> CoreResult<Self> {
        let f = |name: &str| format!("{p}.{name}");
        Ok(NationalEmergencyParams {
            median_year: r.median_year,
            income_rate: rate(r.income_rate, &f("income_rate"))?,
            property_limit_large_city_won: amount(
                r.property_limit_large_city_won,
                &f("property_limit_large_city_won"),
            )?,
            financial_limit_won: amount(r.financial_limit_won, &f("financial_limit_won"))?,
            living_allowance_rate: rate(r.living_allowance_rate, &f("living_allowance_rate"))?,
        })
    }
}
