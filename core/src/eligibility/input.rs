//! The evaluation input: its JSON reader and its validation.
//!
//! Reading happens in two steps. First serde reads the JSON shape strictly (unknown fields refused,
//! the path of any structural error reported, e.g. `household.monthly_income_won`). Then every code,
//! date and amount is checked with the field path in the error, so a typo never becomes a silent
//! default. [`EvaluationInput::validate`] repeats the value checks for inputs built in code (the
//! bindings), so [`crate::eligibility::evaluate`] never works on a negative income or a size of 0.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::eligibility::codes::{
    CareService, CrisisReason, ProgramCode, Receiving, Residence, SupportItem, SupportKind,
};
use crate::{CoreError, CoreResult};

/// Largest amount accepted (1,000조 원): far above any household, low enough that no product of an
/// amount and a rate or fee can overflow.
pub const MAX_AMOUNT_WON: i64 = 1_000_000_000_000_000;
/// Largest quantity of a requested 돌봄SOS service (hours, days, minutes or meals).
pub const MAX_QUANTITY: i64 = 1_000_000;

/// One household member the engine needs to know about (age, disability).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub birth_date: NaiveDate,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdInput {
    /// Number of people in the household (≥ 1).
    pub size: i64,
    /// Members described (may be fewer than `size`).
    pub members: Vec<Member>,
    /// 소득: monthly income, won — what 서울형 긴급복지, 돌봄SOS and 안심소득 compare with their lines.
    pub monthly_income_won: i64,
    /// 소득인정액: monthly recognised income (소득평가액 + 재산의 소득환산액), won — what 서울형
    /// 기초보장 compares with its line and pays on. Entered, not computed: the conversion rates of
    /// property into income are not in the documents. `None` (older inputs, which had one income for
    /// every program): 기초보장 uses `monthly_income_won` and its explanation says so.
    pub recognised_income_won: Option<i64>,
    /// Total property including financial assets, won.
    pub property_won: i64,
    /// The financial part of `property_won`, won.
    pub financial_assets_won: i64,
    /// 고독사 위험 가구.
    pub lonely_death_risk: bool,
    pub receiving: Vec<Receiving>,
    /// 건강보험료 하위 20%.
    pub health_insurance_bottom_20pct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrisisInput {
    pub reasons: Vec<CrisisReason>,
    pub requested_items: Vec<SupportItem>,
    /// What is asked for: new support or re-support (`new`, the default), or an extra payment in the
    /// episode of the latest support for the same reason (`extra`, 추가지원).
    pub support_kind: SupportKind,
}

/// Support received before (for the re-support and extra-payment rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub program: ProgramCode,
    pub reason: CrisisReason,
    pub date: NaiveDate,
    /// New support (opens an episode) or an extra payment in the episode; `new` when not given.
    pub support_kind: SupportKind,
    /// The item paid, where known: extra payments are counted per item.
    pub item: Option<SupportItem>,
    /// Where the entry comes from, named in the explanation (e.g. the service record's id, date
    /// and item when `evaluate_household` built it from the store).
    pub record: Option<String>,
}

/// A 돌봄SOS service used earlier (for the yearly limits): only uses in the year of `as_of`, on or
/// before it, count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareSosUse {
    pub service: CareService,
    pub date: NaiveDate,
    /// In the service's base unit: minutes (일시재가, 동행지원, 주거편의), days (단기시설), meals.
    pub quantity: i64,
    /// What it cost, where recorded; a use without an amount is priced at the table's fee.
    pub amount_won: Option<i64>,
    /// Where the entry comes from, named in the explanation.
    pub record: Option<String>,
}

/// Requested 돌봄SOS services, in the units the field gives (a service not given is not requested).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CareSosRequest {
    pub temporary_home_care_hours: i64,
    pub short_stay_days: i64,
    pub escort_minutes: i64,
    pub housing_help_minutes: i64,
    pub meals: i64,
}

/// Everything an evaluation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationInput {
    pub as_of: NaiveDate,
    pub residence: Residence,
    pub household: HouseholdInput,
    pub crisis: Option<CrisisInput>,
    pub history: Vec<HistoryEntry>,
    pub care_sos_request: Option<CareSosRequest>,
    /// 돌봄SOS services used earlier in the year (empty: none known).
    pub care_sos_used: Vec<CareSosUse>,
    /// Programs to evaluate; `None` = all of them.
    pub programs: Option<Vec<ProgramCode>>,
}

// ---- raw JSON shape ------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    as_of: String,
    residence: String,
    household: RawHousehold,
    #[serde(default)]
    crisis: Option<RawCrisis>,
    #[serde(default)]
    history: Option<Vec<RawHistory>>,
    #[serde(default)]
    care_sos_request: Option<CareSosRequest>,
    #[serde(default)]
    care_sos_used: Option<Vec<RawCareSosUse>>,
    #[serde(default)]
    programs: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHousehold {
    size: i64,
    #[serde(default)]
    members: Option<Vec<RawMember>>,
    monthly_income_won: i64,
    #[serde(default)]
    recognised_income_won: Option<i64>,
    property_won: i64,
    financial_assets_won: i64,
    lonely_death_risk: bool,
    receiving: Vec<String>,
    health_insurance_bottom_20pct: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMember {
    birth_date: String,
    disabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrisis {
    reasons: Vec<String>,
    requested_items: Vec<String>,
    #[serde(default)]
    support_kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    program: String,
    reason: String,
    date: String,
    #[serde(default)]
    support_kind: Option<String>,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    record: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCareSosUse {
    service: String,
    date: String,
    quantity: i64,
    #[serde(default)]
    amount_won: Option<i64>,
    #[serde(default)]
    record: Option<String>,
}

fn invalid(code: &'static str, field: &str, ko: String, en: String) -> CoreError {
    CoreError::invalid(code, field, ko, en)
}

fn parse_date(s: &str, field: &str) -> CoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        invalid(
            "invalid_date",
            field,
            format!("날짜 형식(YYYY-MM-DD)이 아니거나 없는 날짜입니다: {field} = {s:?}"),
            format!("not a valid YYYY-MM-DD date: {field} = {s:?}"),
        )
    })
}

fn parse_code<T: std::str::FromStr<Err = CoreError>>(s: &str, field: &str) -> CoreResult<T> {
    s.parse::<T>().map_err(|e| CoreError {
        field: Some(field.to_owned()),
        ..e
    })
}

fn parse_codes<T: std::str::FromStr<Err = CoreError>>(
    list: &[String],
    field: &str,
) -> CoreResult<Vec<T>> {
    list.iter()
        .enumerate()
        .map(|(i, s)| parse_code(s, &format!("{field}[{i}]")))
        .collect()
}

/// The names between backticks in a serde message: "missing field `size`" → ["size"]; "unknown
/// field `x`, expected one of `a`, `b`" → ["x", "a", "b"].
fn backticked(msg: &str) -> Vec<&str> {
    msg.split('`').skip(1).step_by(2).collect()
}

/// `parent.name`, or `name` at the top level.
fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "." {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// What serde says it found ("string \"90만원\"", "integer `5`", "map"), in Korean.
fn found_ko(found: &str) -> String {
    let found = found.trim();
    for (en, ko) in [
        ("string", "문자열"),
        ("integer", "정수"),
        ("floating point", "소수"),
        ("boolean", "참/거짓 값"),
        ("map", "객체"),
        ("sequence", "배열"),
        ("null", "null"),
        ("unit value", "null"),
    ] {
        if let Some(rest) = found.strip_prefix(en) {
            let rest = rest.trim().trim_matches('`');
            return if rest.is_empty() {
                ko.to_owned()
            } else {
                format!("{ko} {rest}")
            };
        }
    }
    "다른 형식의 값".to_owned()
}

/// What serde expected ("i64", "a boolean", "a sequence", "struct RawHousehold"), in Korean and in
/// plain English.
fn expected_words(expected: &str) -> (&'static str, &'static str) {
    let e = expected.trim();
    // serde names integer targets by their Rust type: i64, u32, … (serde_json appends " at line L
    // column C", hence the first word only).
    let first = e.split_whitespace().next().unwrap_or("");
    let integer = ["i", "u"].iter().any(|p| {
        first
            .strip_prefix(p)
            .is_some_and(|bits| !bits.is_empty() && bits.chars().all(|c| c.is_ascii_digit()))
    });
    if integer {
        (
            "정수 (원 단위 숫자, 쉼표·단위·따옴표 없이)",
            "a whole number (won, without commas, units or quotes)",
        )
    } else if e.contains("bool") {
        ("true 또는 false", "true or false")
    } else if e.contains("string") {
        ("문자열(따옴표 안의 글)", "a string")
    } else if e.contains("sequence") {
        ("배열([…])", "an array ([…])")
    } else if e.starts_with("struct") || e.contains("map") {
        ("객체({…})", "an object ({…})")
    } else {
        ("다른 형식", "another type")
    }
}

/// Maps a serde error to a stable code, the exact field path and a sentence of our own: serde_json
/// says which kind of error it was only in its English text, which is parsed here and never shown in
/// the Korean sentence. Syntax errors give the line and column.
fn structural_error(path: &str, e: &serde_json::Error) -> CoreError {
    let msg = e.to_string();
    let at = if path.is_empty() || path == "." {
        ""
    } else {
        path
    };
    if e.is_syntax() || e.is_eof() {
        let (line, column) = (e.line(), e.column());
        let (ko_why, en_why) = if e.is_eof() {
            ("입력이 중간에 끊겼습니다", "the input ends too early")
        } else {
            ("JSON 문법에 맞지 않습니다", "not valid JSON")
        };
        return invalid(
            "json_syntax",
            if at.is_empty() { "input" } else { at },
            format!("JSON 문법 오류: {line}번째 줄 {column}번째 칸에서 {ko_why}"),
            format!("JSON syntax error at line {line}, column {column}: {en_why}"),
        );
    }
    let names = backticked(&msg);
    if msg.starts_with("unknown field") {
        let name = names.first().copied().unwrap_or("?");
        // serde_path_to_error already ends the path with the unknown key; do not repeat it.
        let field = if at.ends_with(name) {
            at.to_owned()
        } else {
            join_path(at, name)
        };
        let valid = names.get(1..).unwrap_or(&[]).join(", ");
        return invalid(
            "unknown_field",
            &field,
            format!("알 수 없는 필드입니다: {field} (이 위치에 쓸 수 있는 필드: {valid})"),
            format!("unknown field {field} (fields allowed here: {valid})"),
        );
    }
    if msg.starts_with("missing field") {
        let name = names.first().copied().unwrap_or("?");
        let field = join_path(at, name);
        return invalid(
            "missing_field",
            &field,
            format!("필수 필드가 없습니다: {field}"),
            format!("required field missing: {field}"),
        );
    }
    let field = if at.is_empty() { "input" } else { at };
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let (exp_ko, exp_en) = expected_words(expected);
        return invalid(
            "invalid_type",
            field,
            format!(
                "값의 형식이 맞지 않습니다: {field}에는 {exp_ko}이(가) 와야 하는데 {}을(를) 받았습니다",
                found_ko(found)
            ),
            format!("wrong type at {field}: expected {exp_en}, got {found}"),
        );
    }
    invalid(
        "invalid_value",
        field,
        format!("허용되지 않는 값입니다 (범위를 벗어났거나 형식이 다름): {field}"),
        format!("value not allowed at {field} (out of range or malformed): {msg}"),
    )
}

impl EvaluationInput {
    /// Reads and validates the JSON input of `eligibility evaluate`.
    pub fn from_json(json: &str) -> CoreResult<Self> {
        let mut de = serde_json::Deserializer::from_str(json);
        let raw: RawInput = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| structural_error(&e.path().to_string(), e.inner()))?;
        // Trailing characters after the object are an error too, not ignored.
        de.end().map_err(|e| structural_error("", &e))?;
        let input = Self::from_raw(raw)?;
        input.validate()?;
        Ok(input)
    }

    fn from_raw(raw: RawInput) -> CoreResult<Self> {
        let h = raw.household;
        let members = h
            .members
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, m)| {
                Ok(Member {
                    birth_date: parse_date(
                        &m.birth_date,
                        &format!("household.members[{i}].birth_date"),
                    )?,
                    disabled: m.disabled,
                })
            })
            .collect::<CoreResult<Vec<_>>>()?;
        let crisis = match raw.crisis {
            Some(c) => Some(CrisisInput {
                reasons: parse_codes(&c.reasons, "crisis.reasons")?,
                requested_items: parse_codes(&c.requested_items, "crisis.requested_items")?,
                support_kind: match &c.support_kind {
                    Some(k) => parse_code(k, "crisis.support_kind")?,
                    None => SupportKind::New,
                },
            }),
            None => None,
        };
        let history = raw
            .history
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(HistoryEntry {
                    program: parse_code(&e.program, &format!("history[{i}].program"))?,
                    reason: parse_code(&e.reason, &format!("history[{i}].reason"))?,
                    date: parse_date(&e.date, &format!("history[{i}].date"))?,
                    support_kind: match &e.support_kind {
                        Some(k) => parse_code(k, &format!("history[{i}].support_kind"))?,
                        None => SupportKind::New,
                    },
                    item: match &e.item {
                        Some(k) => Some(parse_code(k, &format!("history[{i}].item"))?),
                        None => None,
                    },
                    record: e.record.clone(),
                })
            })
            .collect::<CoreResult<Vec<_>>>()?;
        let care_sos_used = raw
            .care_sos_used
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, u)| {
                Ok(CareSosUse {
                    service: parse_code(&u.service, &format!("care_sos_used[{i}].service"))?,
                    date: parse_date(&u.date, &format!("care_sos_used[{i}].date"))?,
                    quantity: u.quantity,
                    amount_won: u.amount_won,
                    record: u.record.clone(),
                })
            })
            .collect::<CoreResult<Vec<_>>>()?;
        Ok(EvaluationInput {
            as_of: parse_date(&raw.as_of, "as_of")?,
            residence: parse_code(&raw.residence, "residence")?,
            household: HouseholdInput {
                size: h.size,
                members,
                monthly_income_won: h.monthly_income_won,
                recognised_income_won: h.recognised_income_won,
                property_won: h.property_won,
                financial_assets_won: h.financial_assets_won,
                lonely_death_risk: h.lonely_death_risk,
                receiving: parse_codes(&h.receiving, "household.receiving")?,
                health_insurance_bottom_20pct: h.health_insurance_bottom_20pct,
            },
            crisis,
            history,
            care_sos_request: raw.care_sos_request,
            care_sos_used,
            programs: match raw.programs {
                Some(p) => Some(parse_codes(&p, "programs")?),
                None => None,
            },
        })
    }

    /// Checks the values: sizes, amounts, quantities and dates. Called by every evaluation.
    pub fn validate(&self) -> CoreResult<()> {
        let h = &self.household;
        if h.size < 1 {
            return Err(invalid(
                "household_size_invalid",
                "household.size",
                format!("가구원 수는 1 이상이어야 합니다: {}", h.size),
                format!("household size must be at least 1: {}", h.size),
            ));
        }
        if h.members.len() as i64 > h.size {
            return Err(invalid(
                "members_exceed_size",
                "household.members",
                format!(
                    "가구원 정보 {}명이 가구원 수 {}보다 많습니다",
                    h.members.len(),
                    h.size
                ),
                format!(
                    "{} members given for a household of {}",
                    h.members.len(),
                    h.size
                ),
            ));
        }
        for (field, v) in [
            ("household.monthly_income_won", h.monthly_income_won),
            ("household.property_won", h.property_won),
            ("household.financial_assets_won", h.financial_assets_won),
        ] {
            check_amount(field, v, MAX_AMOUNT_WON, "원", "won")?;
        }
        if let Some(v) = h.recognised_income_won {
            check_amount(
                "household.recognised_income_won",
                v,
                MAX_AMOUNT_WON,
                "원",
                "won",
            )?;
        }
        if h.financial_assets_won > h.property_won {
            return Err(invalid(
                "financial_exceeds_property",
                "household.financial_assets_won",
                format!(
                    "금융재산 {}원이 총재산 {}원보다 큽니다 (총재산은 금융재산을 포함합니다)",
                    h.financial_assets_won, h.property_won
                ),
                format!(
                    "financial assets {} exceed total property {} (property includes them)",
                    h.financial_assets_won, h.property_won
                ),
            ));
        }
        for (i, m) in h.members.iter().enumerate() {
            if m.birth_date > self.as_of {
                return Err(invalid(
                    "birth_date_after_as_of",
                    &format!("household.members[{i}].birth_date"),
                    format!(
                        "생년월일 {}이 기준일 {}보다 늦습니다",
                        m.birth_date, self.as_of
                    ),
                    format!(
                        "birth date {} is after the evaluation date {}",
                        m.birth_date, self.as_of
                    ),
                ));
            }
        }
        for (i, e) in self.history.iter().enumerate() {
            if e.date > self.as_of {
                return Err(invalid(
                    "history_after_as_of",
                    &format!("history[{i}].date"),
                    format!(
                        "지원 이력 날짜 {}이 기준일 {}보다 늦습니다",
                        e.date, self.as_of
                    ),
                    format!(
                        "support history date {} is after the evaluation date {}",
                        e.date, self.as_of
                    ),
                ));
            }
        }
        for (i, u) in self.care_sos_used.iter().enumerate() {
            if u.date > self.as_of {
                return Err(invalid(
                    "care_sos_use_after_as_of",
                    &format!("care_sos_used[{i}].date"),
                    format!(
                        "돌봄SOS 이용 날짜 {}이 기준일 {}보다 늦습니다",
                        u.date, self.as_of
                    ),
                    format!(
                        "Care SOS use date {} is after the evaluation date {}",
                        u.date, self.as_of
                    ),
                ));
            }
            check_amount(
                &format!("care_sos_used[{i}].quantity"),
                u.quantity,
                MAX_QUANTITY,
                "",
                "",
            )?;
            if let Some(a) = u.amount_won {
                check_amount(
                    &format!("care_sos_used[{i}].amount_won"),
                    a,
                    MAX_AMOUNT_WON,
                    "원",
                    "won",
                )?;
            }
        }
        if let Some(r) = &self.care_sos_request {
            for (field, v) in [
                (
                    "care_sos_request.temporary_home_care_hours",
                    r.temporary_home_care_hours,
                ),
                ("care_sos_request.short_stay_days", r.short_stay_days),
                ("care_sos_request.escort_minutes", r.escort_minutes),
                (
                    "care_sos_request.housing_help_minutes",
                    r.housing_help_minutes,
                ),
                ("care_sos_request.meals", r.meals),
            ] {
                check_amount(field, v, MAX_QUANTITY, "", "")?;
            }
        }
        if let Some(p) = &self.programs {
            if p.is_empty() {
                return Err(invalid(
                    "programs_empty",
                    "programs",
                    "평가할 사업이 없습니다 (programs를 빼면 전체 사업을 평가합니다)".into(),
                    "no program to evaluate (leave `programs` out to evaluate all)".into(),
                ));
            }
        }
        Ok(())
    }

    /// Whether the household reports at least one crisis reason.
    pub fn has_crisis(&self) -> bool {
        self.crisis.as_ref().is_some_and(|c| !c.reasons.is_empty())
    }

    pub fn receives(&self, r: Receiving) -> bool {
        self.household.receiving.contains(&r)
    }
}

fn check_amount(field: &str, v: i64, max: i64, unit_ko: &str, unit_en: &str) -> CoreResult<()> {
    if v < 0 {
        return Err(invalid(
            "negative_amount",
            field,
            format!("음수일 수 없습니다: {field} = {v}{unit_ko}"),
            format!("must not be negative: {field} = {v} {unit_en}"),
        ));
    }
    if v > max {
        return Err(invalid(
            "amount_too_large",
            field,
            format!("값이 너무 큽니다 (최대 {max}): {field} = {v}"),
            format!("value too large (at most {max}): {field} = {v}"),
        ));
    }
    Ok(())
}
