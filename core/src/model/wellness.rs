//! Wellness checks (안부확인): a structured checklist recorded at the door or on the phone.
//!
//! Append-only: a wellness check is never edited; a correction is a new check that names the one it
//! corrects (`corrects`), so that replicas can take the union of checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ContactMode, Id};

crate::code_enum! {
    /// One observation on the checklist.
    pub enum Observation: "wellness.observation" {
        /// 양호.
        Good = ("good", "양호", "good"),
        /// 주의 필요.
        Concern = ("concern", "주의", "concern"),
        /// 긴급 (act today).
        Urgent = ("urgent", "긴급", "urgent"),
        /// 확인 못함.
        NotChecked = ("not_checked", "확인 못함", "not checked"),
    }
}

/// The checklist of a wellness check (안부확인 점검표).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WellnessChecklist {
    /// 식사.
    pub meals: Observation,
    /// 건강.
    pub health: Observation,
    /// 정서.
    pub mood: Observation,
    /// 거동.
    pub mobility: Observation,
    /// 주거 환경.
    pub housing: Observation,
    /// 냉난방.
    pub heating_cooling: Observation,
    /// 외로움.
    pub loneliness: Observation,
    /// Signs of arrears (공과금·월세 체납 징후).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub arrears_signs: bool,
    /// Signs of utility cut-offs (단전·단수·단가스 징후).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub utility_cutoff_signs: bool,
    /// The visitor thinks the household needs a referral (서비스 연계 필요).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub needs_referral: bool,
}

impl WellnessChecklist {
    /// Everything good, nothing flagged.
    pub fn all_good() -> Self {
        WellnessChecklist {
            meals: Observation::Good,
            health: Observation::Good,
            mood: Observation::Good,
            mobility: Observation::Good,
            housing: Observation::Good,
            heating_cooling: Observation::Good,
            loneliness: Observation::Good,
            arrears_signs: false,
            utility_cutoff_signs: false,
            needs_referral: false,
        }
    }

    /// True when anything calls for action today.
    pub fn is_urgent(&self) -> bool {
        [
            self.meals,
            self.health,
            self.mood,
            self.mobility,
            self.housing,
            self.heating_cooling,
            self.loneliness,
        ]
        .contains(&Observation::Urgent)
            || self.utility_cutoff_signs
    }
}

/// A recorded wellness check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WellnessCheck {
    pub id: Id,
    pub household_id: Id,
    /// The visit it was made on, if any (a volunteer's call may have none).
    pub visit_id: Option<Id>,
    pub worker_id: Id,
    #[cfg_attr(feature = "uniffi", uniffi(name = "checked_at_ms"))]
    pub checked_at: DateTime<Utc>,
    pub contact_mode: ContactMode,
    pub checklist: WellnessChecklist,
    pub note: Option<String>,
    /// The earlier check this one corrects.
    pub corrects: Option<Id>,
}
