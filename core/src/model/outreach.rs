//! Outreach (안내·접촉 시도): each attempt to reach a household of a universal-visit cohort (보편방문,
//! 001 §5) or in the 소나무 센터's follow-up (001 §10) — a letter sent, a call, a door knocked — and
//! what came of it. The seed asks
//! the 동 to follow those who did not take up the visit: whether the letter arrived, whether it came
//! back, why a household refused. Append-only and synced; a mistake is mended by a new record that
//! `corrects` it ([`crate::model::correction`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// What the outreach is for: a universal-visit cohort (the figures' cohorts, 001 §5), or the
    /// follow-up of a household in the care of the 소나무 센터 (위기가정 통합지원센터, 001 §10).
    pub enum OutreachCampaign: "outreach.campaign" {
        Age65 = ("age65", "만 65세", "turning 65"),
        Age70 = ("age70", "만 70세", "turning 70"),
        NewBirth = ("new_birth", "출산 가구", "new birth"),
        ChildRearing = ("child_rearing", "양육 가구", "child-rearing"),
        /// 만 3세 전수조사 (10~12월; a refusal is visited with the police, 001 §5).
        Age3Survey = ("age3_survey", "만 3세 전수조사", "age-3 child survey"),
        /// 소나무 센터 사후관리: a household after domestic violence or abuse.
        CrisisFamily = ("crisis_family", "소나무 센터 사후관리", "crisis family centre follow-up"),
    }
}

crate::code_enum! {
    /// How the household was approached.
    pub enum OutreachMode: "outreach.mode" {
        /// 안내문 우편 발송.
        Letter = ("letter", "안내문", "letter"),
        Home = ("home", "가정방문", "home visit"),
        Centre = ("centre", "내방", "visit to the centre"),
        Phone = ("phone", "전화", "phone"),
        /// 문자 안내.
        Text = ("text", "문자", "text message"),
    }
}

crate::code_enum! {
    /// What came of an attempt.
    pub enum OutreachResult: "outreach.result" {
        /// 안내문 도달 (a letter that did not come back).
        Delivered = ("delivered", "안내문 도달", "letter delivered"),
        /// 반송 (wrong or old address).
        Returned = ("returned", "반송", "letter returned"),
        /// 부재·무응답.
        NoAnswer = ("no_answer", "부재·무응답", "no answer"),
        /// 거부 (with its reason).
        Refused = ("refused", "거부", "refused"),
        /// 응답: the household answered and agreed to be seen or counselled.
        Responded = ("responded", "응답", "responded"),
    }
}

crate::code_enum! {
    /// Why a household refused (001 §5 asks for the reasons).
    pub enum RefusalReason: "outreach.refusal_reason" {
        NotNeeded = ("not_needed", "필요 없음", "not needed"),
        AlreadyServed = ("already_served", "다른 서비스 이용 중", "already served elsewhere"),
        Privacy = ("privacy", "개인정보 우려", "privacy concerns"),
        Health = ("health", "건강·입원", "health or in hospital"),
        Other = ("other", "기타", "other"),
    }
}

/// One attempt to reach a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OutreachAttempt {
    pub id: Id,
    pub household_id: Id,
    pub campaign: OutreachCampaign,
    pub attempted_on: NaiveDate,
    pub mode: OutreachMode,
    pub result: OutreachResult,
    /// Set exactly when the household refused.
    pub refusal_reason: Option<RefusalReason>,
    /// Who made the attempt.
    pub worker_id: Id,
    /// The attempt this record corrects.
    pub corrects: Option<Id>,
}

impl OutreachResult {
    /// Whether a result can come of an attempt made this way: a letter arrives, comes back or is
    /// answered; a visit, a call or a text is answered, refused or not.
    pub fn fits(self, mode: OutreachMode) -> bool {
        use OutreachResult::*;
        match mode {
            OutreachMode::Letter => matches!(self, Delivered | Returned | Responded),
            _ => matches!(self, NoAnswer | Refused | Responded),
        }
    }
}

/// Of each correction chain, the latest record, newest attempt first (then id).
pub fn current(all: Vec<OutreachAttempt>) -> Vec<OutreachAttempt> {
    let ids = super::correction::current_ids(all.iter().map(|a| (a.id, a.corrects)));
    let mut out: Vec<OutreachAttempt> = all.into_iter().filter(|a| ids.contains(&a.id)).collect();
    out.sort_by(|a, b| b.attempted_on.cmp(&a.attempted_on).then(b.id.cmp(&a.id)));
    out
}

/// Whether a household whose latest attempt of `campaign` came to `result` (by a call or a visit)
/// is sent a text: the 소나무 센터 texts those who refused the call or could not be reached (001
/// §10); a universal visit texts only those not reached — a refusal is respected (our choice).
pub fn texted_after(campaign: OutreachCampaign, result: OutreachResult) -> bool {
    match campaign {
        OutreachCampaign::CrisisFamily => {
            matches!(result, OutreachResult::NoAnswer | OutreachResult::Refused)
        }
        _ => result == OutreachResult::NoAnswer,
    }
}

/// The text for a household of `campaign`, from the 동 named `dong`, Korean and English. The
/// 소나무 센터's text is deliberately neutral — no word of violence, abuse or the centre's purpose —
/// since the phone may be read by the person the household needs protecting from (our choice; the
/// seed gives no wording).
pub fn follow_up_text(campaign: OutreachCampaign, dong: &str) -> (String, String) {
    match campaign {
        OutreachCampaign::CrisisFamily => (
            format!(
                "[{dong} 주민센터] 안부를 여쭙고자 연락드렸습니다. 도움이 필요하시면 언제든 {dong} 주민센터로 연락 주세요."
            ),
            format!(
                "[{dong} community centre] We called to ask how you are. If you need anything, contact the {dong} community centre at any time."
            ),
        ),
        OutreachCampaign::Age3Survey => (
            format!(
                "[{dong} 주민센터] 올해 만 3세 아동이 있는 가정을 찾아뵙고 아이의 건강과 양육 정보를 안내드리고 있습니다. 방문 일정을 정하시려면 {dong} 주민센터로 연락 주세요."
            ),
            format!(
                "[{dong} community centre] This year we visit every family with a child turning 3, to see how the child is and share parenting information. To arrange the visit, contact the {dong} community centre."
            ),
        ),
        c => (
            format!(
                "[{dong} 주민센터] 올해 {} 가구를 찾아뵙는 보편방문(건강·복지 상담)을 안내드립니다. 방문이나 전화 상담을 원하시면 {dong} 주민센터로 연락 주세요.",
                c.label_ko()
            ),
            format!(
                "[{dong} community centre] This year we visit every household {} (a health and welfare talk). To be visited or called, contact the {dong} community centre.",
                c.label_en()
            ),
        ),
    }
}
