//! Visits (방문): purpose, contact mode, planned window, required roles, assignments, life cycle, outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Id, Role};
use crate::{CoreError, CoreResult};

crate::code_enum! {
    /// Why a visit is made.
    pub enum VisitPurpose: "visit.purpose" {
        /// 보편방문 (65세, 70세, 출산 가구 …).
        UniversalVisit = ("universal_visit", "보편방문", "universal visit"),
        /// 위기가구 모니터링.
        CrisisMonitoring = ("crisis_monitoring", "위기가구 모니터링", "crisis monitoring"),
        /// 사례관리.
        CaseWork = ("case_work", "사례관리", "case work"),
        /// 돌봄SOS.
        CareSos = ("care_sos", "돌봄SOS", "care SOS"),
        /// 사후관리 (종결 후).
        AfterCare = ("after_care", "사후관리", "after-care"),
        /// 안부확인.
        WellnessCheck = ("wellness_check", "안부확인", "wellness check"),
        /// 의뢰 후속 확인.
        ReferralFollowUp = ("referral_follow_up", "의뢰 후속", "referral follow-up"),
    }
}

crate::code_enum! {
    /// How the household is contacted (001 §5: 가정방문, 내방, 전화).
    pub enum ContactMode: "visit.contact_mode" {
        Home = ("home", "가정방문", "home visit"),
        Centre = ("centre", "내방", "visit to the centre"),
        Phone = ("phone", "전화", "phone"),
    }
}

impl ContactMode {
    /// Only home visits need two people (2인 1조) and travel.
    pub fn needs_pair(self) -> bool {
        self == ContactMode::Home
    }
}

crate::code_enum! {
    /// The life cycle of a visit. Allowed moves: see [`VisitStatus::can_move_to`].
    pub enum VisitStatus: "visit.status" {
        Planned = ("planned", "예정", "planned"),
        InProgress = ("in_progress", "진행 중", "in progress"),
        Completed = ("completed", "완료", "completed"),
        Cancelled = ("cancelled", "취소", "cancelled"),
        /// Planned time passed with no visit; can be re-planned.
        Missed = ("missed", "미실시", "missed"),
    }
}

impl VisitStatus {
    /// planned → in_progress | cancelled | missed; in_progress → completed | cancelled;
    /// missed → planned (re-planned). Completed and cancelled are final.
    pub fn can_move_to(self, next: VisitStatus) -> bool {
        use VisitStatus::*;
        matches!(
            (self, next),
            (Planned, InProgress)
                | (Planned, Cancelled)
                | (Planned, Missed)
                | (InProgress, Completed)
                | (InProgress, Cancelled)
                | (Missed, Planned)
        )
    }

    pub fn is_final(self) -> bool {
        matches!(self, VisitStatus::Completed | VisitStatus::Cancelled)
    }
}

crate::code_enum! {
    /// What came of a visit.
    pub enum VisitOutcome: "visit.outcome" {
        Met = ("met", "대면 완료", "met"),
        NotHome = ("not_home", "부재", "not at home"),
        Refused = ("refused", "거부", "refused"),
        Moved = ("moved", "전출", "moved away"),
        Deceased = ("deceased", "사망", "deceased"),
        Hospitalised = ("hospitalised", "입원", "in hospital"),
        Unreachable = ("unreachable", "연락 두절", "unreachable"),
    }
}

/// A planned time window. Validated: the end is after the start (also when read from JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(try_from = "RawTimeWindow")]
pub struct TimeWindow {
    #[cfg_attr(feature = "uniffi", uniffi(name = "start_ms"))]
    pub start: DateTime<Utc>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "end_ms"))]
    pub end: DateTime<Utc>,
}

#[derive(Deserialize)]
struct RawTimeWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<RawTimeWindow> for TimeWindow {
    type Error = CoreError;
    fn try_from(r: RawTimeWindow) -> CoreResult<Self> {
        TimeWindow::new(r.start, r.end)
    }
}

impl TimeWindow {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> CoreResult<Self> {
        if end <= start {
            return Err(CoreError::invalid(
                "window_ends_before_start",
                "visit.window",
                "방문 종료 시각이 시작 시각보다 빠르거나 같습니다",
                "the window ends before (or when) it starts",
            ));
        }
        Ok(TimeWindow { start, end })
    }
}

/// A visit to a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Visit {
    pub id: Id,
    pub household_id: Id,
    pub purpose: VisitPurpose,
    pub contact_mode: ContactMode,
    pub window: TimeWindow,
    /// Roles that must be present (e.g. 65세 보편방문: welfare planner + visiting nurse).
    pub required_roles: Vec<Role>,
    /// Workers assigned to the visit.
    pub assigned: Vec<Id>,
    pub status: VisitStatus,
    #[cfg_attr(feature = "uniffi", uniffi(name = "started_at_ms"))]
    pub started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "uniffi", uniffi(name = "completed_at_ms"))]
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<VisitOutcome>,
    pub note: Option<String>,
}

/// Whether a visit in this state counts as a contact with the household (접촉): completed with the
/// household met. One rule for the household's last contact, the cadence, the due list and the
/// dashboard's contact figures.
pub fn is_contact(status: VisitStatus, outcome: Option<VisitOutcome>) -> bool {
    status == VisitStatus::Completed && outcome == Some(VisitOutcome::Met)
}

impl Visit {
    /// When the visit counts as a contact with the household ([`is_contact`]).
    pub fn contact_at(&self) -> Option<DateTime<Utc>> {
        is_contact(self.status, self.outcome)
            .then_some(self.completed_at)
            .flatten()
    }
}
