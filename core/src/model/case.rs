//! Integrated case management (통합사례관리, seed 003): stages, classification, closure.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// Stages of a case, in order. A case only moves forward, one stage at a time, except that an
    /// excluded household (사업대상제외) closes straight after classification.
    pub enum CaseStage: "case.stage" {
        /// 접수 (after first counselling at the 동).
        Intake = ("intake", "접수", "intake"),
        /// 욕구조사 (urgency and importance).
        NeedsAssessment = ("needs_assessment", "욕구조사", "needs assessment"),
        /// 대상 구분.
        Classification = ("classification", "대상 구분", "classification"),
        /// 사례회의.
        CaseConference = ("case_conference", "사례회의", "case conference"),
        /// 서비스 계획 (단기·장기 목표).
        ServicePlan = ("service_plan", "서비스 계획", "service plan"),
        /// 서비스 제공 및 점검.
        Delivery = ("delivery", "서비스 제공·점검", "delivery and review"),
        /// 종결.
        Closed = ("closed", "종결", "closed"),
    }
}

impl CaseStage {
    fn index(self) -> usize {
        CaseStage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The next stage in order, `None` after closure.
    pub fn next(self) -> Option<CaseStage> {
        CaseStage::ALL.get(self.index() + 1).copied()
    }
}

crate::code_enum! {
    /// 대상 구분 after the needs assessment.
    pub enum CaseClassification: "case.classification" {
        /// 사례관리가구: after-care twice, 6 months apart.
        CaseManaged = ("case_managed", "사례관리가구", "case-managed household"),
        /// 서비스연계가구: after-care once.
        ServiceLinked = ("service_linked", "서비스연계가구", "service-linked household"),
        /// 사업대상제외가구.
        Excluded = ("excluded", "사업대상제외가구", "excluded"),
    }
}

crate::code_enum! {
    /// 종결 사유 (seed 003).
    pub enum ClosureReason: "case.closure_reason" {
        LongTermGoalMet = ("long_term_goal_met", "장기목표 달성", "long-term goal met"),
        ShortTermGoalMet = ("short_term_goal_met", "단기목표 달성", "short-term goal met"),
        SituationImproved = ("situation_improved", "상황 호전", "situation improved"),
        MovedOut = ("moved_out", "관할 외 전출", "moved out of the district"),
        Death = ("death", "사망", "death"),
        Refusal = ("refusal", "거부", "refusal"),
        GaveUp = ("gave_up", "중도 포기", "gave up"),
        NoContactThreeMonths = ("no_contact_3_months", "3개월 이상 연락 두절", "no contact for 3 months"),
        SupportLimits = ("support_limits", "지원 한계", "limits of support or capacity"),
    }
}

crate::code_enum! {
    /// The three groups of closure reasons.
    pub enum ClosureCategory: "case.closure_category" {
        Positive = ("positive", "긍정적 종결", "positive"),
        Circumstantial = ("circumstantial", "상황적 종결", "circumstantial"),
        Institutional = ("institutional", "기관 사정", "institutional"),
    }
}

impl ClosureReason {
    pub fn category(self) -> ClosureCategory {
        use ClosureReason::*;
        match self {
            LongTermGoalMet | ShortTermGoalMet | SituationImproved => ClosureCategory::Positive,
            MovedOut | Death | Refusal | GaveUp | NoContactThreeMonths => {
                ClosureCategory::Circumstantial
            }
            SupportLimits => ClosureCategory::Institutional,
        }
    }
}

/// A case (사례) of integrated case management for one household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Case {
    pub id: Id,
    pub household_id: Id,
    /// 통합사례관리사 or 복지플래너 in charge.
    pub manager_id: Id,
    pub stage: CaseStage,
    pub classification: Option<CaseClassification>,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub closure_reason: Option<ClosureReason>,
}
