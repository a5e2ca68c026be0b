//! Referrals (의뢰): to whom, when, reply due dates, replies.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// Who a household is referred to.
    pub enum ReferralTarget: "referral.target" {
        /// 동 주민센터 팀 (a crisis report reaches the team this way).
        DongTeam = ("dong_team", "동 주민센터", "dong welfare team"),
        /// 보건소 정신건강전담인력 / 정신건강복지센터.
        MentalHealth = ("mental_health", "정신건강 전담인력", "mental-health service"),
        /// 돌봄SOS센터.
        CareSos = ("care_sos", "돌봄SOS센터", "care SOS centre"),
        /// 보건소 (방문건강관리, 출산 가구).
        PublicHealthCentre = ("public_health_centre", "보건소", "public health centre"),
        /// 소나무 센터 (위기가정 통합지원센터).
        CrisisFamilyCentre = ("crisis_family_centre", "소나무 센터", "crisis family centre"),
        /// 희망복지지원단 (통합사례관리).
        CaseManagementTeam = ("case_management_team", "희망복지지원단", "case management team"),
        /// 민간 복지관 등.
        CommunityAgency = ("community_agency", "민간 기관", "community agency"),
    }
}

/// Days after the referral by which the first reply is due (001 §11: 의뢰일부터 10일 이내).
pub const FIRST_REPLY_DAYS: u64 = 10;
/// Days after the service ends by which the final reply is due (001 §11: 서비스 종결 후 5일 이내).
pub const FINAL_REPLY_DAYS: u64 = 5;

/// A referral of a household to a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Referral {
    pub id: Id,
    pub household_id: Id,
    pub case_id: Option<Id>,
    pub referred_by: Id,
    pub target: ReferralTarget,
    /// Name of the receiving organisation.
    pub agency: String,
    pub referred_on: NaiveDate,
    pub reason: String,
    pub first_reply_on: Option<NaiveDate>,
    pub service_ended_on: Option<NaiveDate>,
    pub final_reply_on: Option<NaiveDate>,
    pub reply_note: Option<String>,
}

impl Referral {
    /// The first reply is due 10 days after the referral. The seed sets this for mental-health
    /// referrals; **our choice**: the same default for every target.
    pub fn first_reply_due(&self) -> NaiveDate {
        self.referred_on + Days::new(FIRST_REPLY_DAYS)
    }

    /// The final reply is due 5 days after the service ends, once it has ended.
    pub fn final_reply_due(&self) -> Option<NaiveDate> {
        self.service_ended_on
            .map(|d| d + Days::new(FINAL_REPLY_DAYS))
    }
}
