//! The evaluation input: its JSON reader and its validation.
//!
//! Reading happens in two steps. First serde reads the JSON shape strictly (unknown fields refused,
//! the path of any structural error reported, e.g. `household.monthly_income_won`). Then every code,
//! date and amount is checked with the field path in the error, so a typo never becomes a silent
//! default. [`EvaluationInput::validate`] repeats the value checks for inputs built in code (the
//! bindings), so [`crate::eligibility::evaluate`] never works on a negative income or a size of 0.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::eligibility::codes::{CrisisReason, ProgramCode, Receiving, Residence, SupportItem};
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
    /// Monthly income (소득인정액 for 서울형 기초보장), won.
    pub monthly_income_won: i64,
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
}

/// Support received before (for the re-support rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub program: ProgramCode,
    pub reason: CrisisReason,
    pub date: NaiveDate,
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
    programs: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHousehold {
    size: i64,
    #[serde(default)]
    members: Option<Vec<RawMember>>,
    monthly_income_won: i64,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    program: String,
    reason: String,
    date: String,
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

/// Maps a serde error to a stable code; serde_json only says which kind of error it was in its text.
fn structural_error(path: &str, e: &serde_json::Error) -> CoreError {
    let msg = e.to_string();
    let field = if path.is_empty() || path == "." {
        "input"
    } else {
        path
    };
    let (code, ko_what) = if e.is_syntax() || e.is_eof() {
        ("json_syntax", "JSON 문법 오류")
    } else if msg.starts_with("unknown field") {
        ("unknown_field", "알 수 없는 필드")
    } else if msg.starts_with("missing field") {
        ("missing_field", "필수 필드 누락")
    } else if msg.starts_with("invalid type") {
        ("invalid_type", "값의 형식이 맞지 않음")
    } else {
        ("invalid_value", "잘못된 값")
    };
    invalid(
        code,
        field,
        format!("입력 오류 ({ko_what}) — {field}: {msg}"),
        format!("invalid input at {field}: {msg}"),
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
                property_won: h.property_won,
                financial_assets_won: h.financial_assets_won,
                lonely_death_risk: h.lonely_death_risk,
                receiving: parse_codes(&h.receiving, "household.receiving")?,
                health_insurance_bottom_20pct: h.health_insurance_bottom_20pct,
            },
            crisis,
            history,
            care_sos_request: raw.care_sos_request,
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
