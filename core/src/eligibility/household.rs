//! The evaluation input of a household built from its own records (`Store::evaluate_household`).
//!
//! One rule, one place: this module only *builds* an [`EvaluationInput`] — the programs' rules are
//! those of [`crate::eligibility::programs`], evaluated exactly as for a typed input. What comes
//! from where:
//!
//! | input | from |
//! |---|---|
//! | `household.members` | the household's members: birth date, disability (`none` = not disabled); members born after `as_of` are left out |
//! | `household.size` | [`EnteredFacts::household_size`], else the number of members |
//! | `household.lonely_death_risk` | the household's tag `lonely_death_risk` |
//! | `household.receiving` | [`EnteredFacts::receiving`], plus `national_basic_livelihood` for the tag `basic_livelihood` and `near_poor` for the tag `near_poor` |
//! | `history` | the 서울형 긴급복지 service records that count (corrections applied, voided ones left out), on or before `as_of`, with their crisis reason and support kind |
//! | `care_sos_used` | the paid 돌봄SOS service records that count, on or before `as_of` (the engine keeps those of `as_of`'s year) |
//! | everything else | [`EnteredFacts`] |
//!
//! Income, property and today's crisis are not in the store: the worker enters them at the kitchen
//! table ([`EnteredFacts`]); they are never stored by this call.

use chrono::NaiveDate;

use crate::eligibility::codes::{CareService, ProgramCode, Receiving, Residence, SupportItem};
use crate::eligibility::input::{
    CareSosRequest, CareSosUse, CrisisInput, EvaluationInput, HistoryEntry, HouseholdInput, Member,
};
use crate::eligibility::output::{EvaluationOutput, Note};
use crate::model::{
    Disability, Household, HouseholdTag, ItemShape, Person, ServiceProgram, ServiceProvision,
};
use crate::{CoreError, CoreResult};

/// What the store cannot know and the worker enters for one evaluation: money, what the household
/// already receives from programs the 동 does not record, and today's crisis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteredFacts {
    pub residence: Residence,
    /// Household size when it differs from the members recorded (a member not yet recorded);
    /// `None`: the number of members recorded.
    pub household_size: Option<i64>,
    /// 소득, won a month.
    pub monthly_income_won: i64,
    /// 소득인정액, won a month, where known (서울형 기초보장).
    pub recognised_income_won: Option<i64>,
    pub property_won: i64,
    pub financial_assets_won: i64,
    /// Support received beyond what the household's tags say.
    pub receiving: Vec<Receiving>,
    pub health_insurance_bottom_20pct: bool,
    /// Today's crisis: reasons, requested items, and whether an extra payment (추가지원) is asked.
    pub crisis: Option<CrisisInput>,
    pub care_sos_request: Option<CareSosRequest>,
    /// Programs to evaluate; `None` = all.
    pub programs: Option<Vec<ProgramCode>>,
}

/// What the household's records hold, loaded by the store.
#[derive(Debug, Clone)]
pub struct HouseholdRecords {
    pub household: Household,
    pub members: Vec<Person>,
    /// The service records that count ([`crate::model::service::current`]).
    pub services: Vec<ServiceProvision>,
}

/// The input and what the builder has to say about the records it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltInput {
    pub input: EvaluationInput,
    /// Notes for the 서울형 긴급복지 result: the records counted, and those that could not be.
    pub emergency_notes: Vec<Note>,
}

/// Builds the evaluation input of `records` on `as_of` with the worker's `facts`.
pub fn build_input(
    records: &HouseholdRecords,
    as_of: NaiveDate,
    facts: &EnteredFacts,
) -> CoreResult<BuiltInput> {
    let members: Vec<Member> = records
        .members
        .iter()
        .filter(|p| p.birth_date <= as_of)
        .map(|p| Member {
            birth_date: p.birth_date,
            disabled: p.disability != Disability::None,
        })
        .collect();
    let size = match facts.household_size {
        Some(n) => n,
        None if members.is_empty() => {
            return Err(CoreError::invalid(
                "household_size_unknown",
                "facts.household_size",
                "가구원이 기록되어 있지 않습니다: 가구원을 등록하거나 가구원 수를 입력하세요",
                "no member of the household is recorded: record the members or enter the household size",
            ))
        }
        None => members.len() as i64,
    };
    let tags = &records.household.tags;
    let mut receiving = facts.receiving.clone();
    for (tag, r) in [
        (
            HouseholdTag::BasicLivelihood,
            Receiving::NationalBasicLivelihood,
        ),
        (HouseholdTag::NearPoor, Receiving::NearPoor),
    ] {
        if tags.contains(&tag) && !receiving.contains(&r) {
            receiving.push(r);
        }
    }

    let mut history = Vec::new();
    let mut counted_ko = Vec::new();
    let mut counted_en = Vec::new();
    let mut without_reason = Vec::new();
    let mut care_sos_used = Vec::new();
    // Oldest first, so that the explanation reads in time order.
    let mut services: Vec<&ServiceProvision> = records
        .services
        .iter()
        .filter(|s| s.provided_on <= as_of && !s.voided)
        .collect();
    services.sort_by(|a, b| a.provided_on.cmp(&b.provided_on).then(a.id.cmp(&b.id)));
    for s in services {
        match s.item.program() {
            ServiceProgram::SeoulEmergencyWelfare => {
                let item = SupportItem::from_code(s.item.code());
                match s.emergency() {
                    Some(e) => {
                        history.push(HistoryEntry {
                            program: ProgramCode::SeoulEmergencyWelfare,
                            reason: e.crisis_reason,
                            date: s.provided_on,
                            support_kind: e.support_kind,
                            item,
                            record: Some(s.id.to_string()),
                        });
                        counted_ko.push(format!(
                            "{} {} ({}, {}; 기록 {})",
                            s.provided_on,
                            s.item.label_ko(),
                            e.crisis_reason.label_ko(),
                            e.support_kind.label_ko(),
                            s.id
                        ));
                        counted_en.push(format!(
                            "{} {} ({}, {}; record {})",
                            s.provided_on,
                            s.item.label_en(),
                            e.crisis_reason.label_en(),
                            e.support_kind.label_en(),
                            s.id
                        ));
                    }
                    None => without_reason.push(format!(
                        "{} {} ({})",
                        s.provided_on,
                        s.item.code(),
                        s.id
                    )),
                }
            }
            ServiceProgram::CareSos => {
                if let (ItemShape::Paid(_), Some(service), Some(quantity)) = (
                    s.item.shape(),
                    CareService::from_code(s.item.code()),
                    s.quantity,
                ) {
                    care_sos_used.push(CareSosUse {
                        service,
                        date: s.provided_on,
                        quantity,
                        amount_won: s.amount_won,
                        record: Some(s.id.to_string()),
                    });
                }
            }
        }
    }

    let mut emergency_notes = Vec::new();
    if !counted_ko.is_empty() {
        emergency_notes.push(Note {
            code: "recorded_support_counted",
            ko: format!(
                "서비스 제공 기록에서 반영한 서울형 긴급복지 지원: {}",
                counted_ko.join("; ")
            ),
            en: format!(
                "Seoul emergency support counted from the service records: {}",
                counted_en.join("; ")
            ),
        });
    }
    if !without_reason.is_empty() {
        emergency_notes.push(Note {
            code: "records_without_crisis_reason",
            ko: format!(
                "위기사유가 기록되지 않은 서울형 긴급복지 지원 {}건은 재지원·추가지원 판정에 반영하지 못했습니다: {}. 기록을 정정해 위기사유와 지원 종류를 넣으세요",
                without_reason.len(),
                without_reason.join("; ")
            ),
            en: format!(
                "{} Seoul emergency support record(s) without a crisis reason could not be counted for re-support or extra payments: {}. Correct the records with the reason and support kind",
                without_reason.len(),
                without_reason.join("; ")
            ),
        });
    }

    Ok(BuiltInput {
        input: EvaluationInput {
            as_of,
            residence: facts.residence,
            household: HouseholdInput {
                size,
                members,
                monthly_income_won: facts.monthly_income_won,
                recognised_income_won: facts.recognised_income_won,
                property_won: facts.property_won,
                financial_assets_won: facts.financial_assets_won,
                lonely_death_risk: tags.contains(&HouseholdTag::LonelyDeathRisk),
                receiving,
                health_insurance_bottom_20pct: facts.health_insurance_bottom_20pct,
            },
            crisis: facts.crisis.clone(),
            history,
            care_sos_request: facts.care_sos_request,
            care_sos_used,
            programs: facts.programs.clone(),
        },
        emergency_notes,
    })
}

/// Adds the builder's notes to the 서울형 긴급복지 result, if it was evaluated.
pub fn attach_notes(out: &mut EvaluationOutput, notes: Vec<Note>) {
    if let Some(r) = out
        .programs
        .iter_mut()
        .find(|r| r.program == ProgramCode::SeoulEmergencyWelfare)
    {
        r.notes.extend(notes);
    }
}
