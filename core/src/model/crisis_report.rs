//! Crisis reports (위기가구 발굴 제보): a volunteer or community reporter flags a household.
//! Recording a report about a known household also creates a referral to the 동 team, in the same
//! transaction; every report appears in the team's inbox until handled.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// What the reporter saw (001 §4 crisis signals, and what volunteers report).
    pub enum CrisisSign: "crisis_report.signs" {
        Arrears = ("arrears", "공과금·월세 체납", "arrears"),
        UtilityCutoff = ("utility_cutoff", "단전·단수", "utility cut-off"),
        NoFood = ("no_food", "결식", "no food"),
        Illness = ("illness", "질병·부상", "illness or injury"),
        Isolation = ("isolation", "고립·은둔", "isolation"),
        MailPilingUp = ("mail_piling_up", "우편물 누적", "mail piling up"),
        Hoarding = ("hoarding", "저장강박·위생 불량", "hoarding"),
        AbuseSigns = ("abuse_signs", "학대·폭력 징후", "signs of abuse"),
        JobLoss = ("job_loss", "실직·폐업", "job loss or business closure"),
        Other = ("other", "기타", "other"),
    }
}

crate::code_enum! {
    pub enum CrisisReportStatus: "crisis_report.status" {
        /// Received by the 동 team (a referral exists).
        Referred = ("referred", "동 접수", "referred to the dong team"),
        /// The team has checked and acted on it.
        Handled = ("handled", "처리 완료", "handled"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CrisisReport {
    pub id: Id,
    pub dong_id: Id,
    pub reporter_id: Id,
    /// The household, when it is already known to the 동.
    pub household_id: Option<Id>,
    /// Where, for a household not yet known (a door, a building).
    pub address: String,
    pub signs: Vec<CrisisSign>,
    pub note: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "reported_at_ms"))]
    pub reported_at: DateTime<Utc>,
    pub status: CrisisReportStatus,
    /// The referral to the 동 team this report created, when the household is already known. A report
    /// about an address the 동 does not know yet waits in the team's inbox until the household is
    /// registered (a referral needs a household).
    pub referral_id: Option<Id>,
}
