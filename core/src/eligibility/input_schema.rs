//! The JSON Schema (draft 2020-12) of the evaluation input: what `donghaeng eligibility schema`
//! prints and `docs/eligibility.md` describes.
//!
//! Written by hand rather than derived (e.g. with `schemars`): the reader's raw structs hold codes as
//! plain strings (so that an unknown code gets our own error with its field), and a derived schema
//! would say `string` where a user needs the list of valid codes. The code lists here come from the
//! code tables themselves (`ALL`), so they cannot drift; tests check that every required property
//! of the schema is required by the reader and every optional one may be left out.

use serde_json::{json, Value};

use crate::eligibility::codes::{
    CareService, CrisisReason, ProgramCode, Receiving, Residence, SupportItem, SupportKind,
};
use crate::eligibility::input::{MAX_AMOUNT_WON, MAX_QUANTITY};

fn codes(all: impl IntoIterator<Item = &'static str>) -> Value {
    Value::from(all.into_iter().collect::<Vec<_>>())
}

fn won(description: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT_WON, "description": description})
}

fn quantity(description: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY, "description": description})
}

fn date(description: &str) -> Value {
    json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": description})
}

/// The schema as a JSON value.
pub fn input_schema() -> Value {
    let programs = codes(ProgramCode::ALL.iter().map(|c| c.code()));
    let reasons = codes(CrisisReason::ALL.iter().map(|c| c.code()));
    let items = codes(SupportItem::ALL.iter().map(|c| c.code()));
    let receiving = codes(Receiving::ALL.iter().map(|c| c.code()));
    let residence = codes(Residence::ALL.iter().map(|c| c.code()));
    let kinds = codes(SupportKind::ALL.iter().map(|c| c.code()));
    let services = codes(CareService::ALL.iter().map(|c| c.code()));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://donghaeng.invalid/schemas/eligibility-input.json",
        "title": "Donghaeng eligibility input (자격 판정 입력)",
        "description": "One household on one date. Amounts are whole won. Unknown fields are refused. See docs/eligibility.md.",
        "type": "object",
        "additionalProperties": false,
        "required": ["as_of", "residence", "household"],
        "properties": {
            "as_of": date("기준일 / evaluation date (YYYY-MM-DD): the tables in force that day are used"),
            "residence": {"enum": residence, "description": "거주지 / where the household lives: 서울형 programs apply only in Seoul"},
            "household": {
                "type": "object",
                "additionalProperties": false,
                "required": ["size", "monthly_income_won", "property_won", "financial_assets_won",
                             "lonely_death_risk", "receiving", "health_insurance_bottom_20pct"],
                "properties": {
                    "size": {"type": "integer", "minimum": 1, "description": "가구원 수 / household size (tables give sizes 1–6)"},
                    "members": {
                        "type": "array",
                        "description": "가구원 / members described (at most `size`): ages and disability for 돌봄SOS and 노인돌봄",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["birth_date", "disabled"],
                            "properties": {
                                "birth_date": date("생년월일 / birth date, not after as_of"),
                                "disabled": {"type": "boolean", "description": "장애 여부 / disabled"}
                            }
                        }
                    },
                    "monthly_income_won": won("소득 / monthly income (won): 서울형 긴급복지, 돌봄SOS, 안심소득"),
                    "recognised_income_won": won("소득인정액 / monthly recognised income (won): 서울형 기초보장. Optional: when left out, 기초보장 uses monthly_income_won and says so"),
                    "property_won": won("재산 / total property including financial assets (won)"),
                    "financial_assets_won": won("금융재산 / financial assets, part of property_won (won), before the 생활준비금 deduction"),
                    "lonely_death_risk": {"type": "boolean", "description": "고독사 위험 가구 / lonely-death risk household"},
                    "receiving": {"type": "array", "items": {"enum": receiving}, "description": "이미 받는 지원 / support already received"},
                    "health_insurance_bottom_20pct": {"type": "boolean", "description": "건강보험료 하위 20% / bottom 20% of health-insurance premiums"}
                }
            },
            "crisis": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "required": ["reasons", "requested_items"],
                "description": "위기상황 / the crisis, if any",
                "properties": {
                    "reasons": {"type": "array", "items": {"enum": reasons}, "description": "위기사유 / crisis reasons"},
                    "requested_items": {"type": "array", "items": {"enum": items.clone()}, "description": "요청 지원항목 / requested support items (empty: all are listed)"},
                    "support_kind": {"enum": kinds.clone(), "description": "요청 종류 / what is asked: new (신규·재지원, the default) or extra (추가지원: a further payment in the episode of the latest support for the same reason)"}
                }
            },
            "history": {
                "type": ["array", "null"],
                "description": "지원 이력 / support received before (re-support rules)",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["program", "reason", "date"],
                    "properties": {
                        "program": {"enum": programs.clone()},
                        "reason": {"enum": reasons},
                        "date": date("지원일 / date of the support, not after as_of"),
                        "support_kind": {"enum": kinds, "description": "지원 종류 / new (신규·재지원, the default: opens an episode) or extra (추가지원 in the episode)"},
                        "item": {"enum": items, "description": "지원항목 / the item paid (extra payments are counted per item)"},
                        "record": {"type": "string", "description": "출처 / where the entry comes from (a record id, date and item), named in the explanation"}
                    }
                }
            },
            "care_sos_used": {
                "type": ["array", "null"],
                "description": "올해 이미 이용한 돌봄SOS / Care SOS services used earlier (only the year of as_of counts against the yearly limits)",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["service", "date", "quantity"],
                    "properties": {
                        "service": {"enum": services},
                        "date": date("이용일 / date of the service, not after as_of"),
                        "quantity": quantity("이용량 / quantity in the base unit: minutes (temporary_home_care, escort, housing_help), days (short_stay), meals"),
                        "amount_won": won("비용 / what it cost, where recorded; left out: priced at the table's fee"),
                        "record": {"type": "string", "description": "출처 / where the entry comes from, named in the explanation"}
                    }
                }
            },
            "care_sos_request": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "description": "돌봄SOS 요청 / requested Care SOS services (each optional, 0 if left out)",
                "properties": {
                    "temporary_home_care_hours": quantity("일시재가 (시간) / temporary home care, hours"),
                    "short_stay_days": quantity("단기시설 (일) / short stay, days"),
                    "escort_minutes": quantity("동행지원 (분) / escort, minutes"),
                    "housing_help_minutes": quantity("주거편의 (분) / housing help, minutes"),
                    "meals": quantity("식사지원 (식) / meals")
                }
            },
            "programs": {
                "type": ["array", "null"],
                "minItems": 1,
                "items": {"enum": programs},
                "description": "평가할 사업 / programs to evaluate; left out: all"
            }
        }
    })
}

/// The schema as pretty JSON.
pub fn input_schema_json() -> String {
    // A `Value` built from literals always serialises.
    serde_json::to_string_pretty(&input_schema()).unwrap_or_default()
}
