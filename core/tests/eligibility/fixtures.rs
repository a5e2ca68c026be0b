//! Inputs shared by the test modules of this binary.

use chrono::NaiveDate;
use donghaeng_core::eligibility::{
    CrisisInput, CrisisReason, EvaluationInput, HouseholdInput, Member, Residence, SupportItem,
    SupportKind,
};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A 2-person Seoul household with a member born 1950, in crisis (job loss, living costs
/// requested), under every limit of 2022: income 1,500,000원, property 1억2,000만원, financial
/// assets 300만원.
pub fn crisis_household(as_of: &str) -> EvaluationInput {
    EvaluationInput {
        as_of: d(as_of),
        residence: Residence::Seoul,
        household: HouseholdInput {
            size: 2,
            members: vec![Member {
                birth_date: d("1950-03-02"),
                disabled: false,
            }],
            monthly_income_won: 1_500_000,
            recognised_income_won: None,
            property_won: 120_000_000,
            financial_assets_won: 3_000_000,
            lonely_death_risk: false,
            receiving: vec![],
            health_insurance_bottom_20pct: false,
        },
        crisis: Some(CrisisInput {
            reasons: vec![CrisisReason::JobLoss],
            requested_items: vec![SupportItem::Living],
            support_kind: SupportKind::New,
        }),
        history: vec![],
        care_sos_request: None,
        care_sos_used: vec![],
        programs: None,
    }
}
