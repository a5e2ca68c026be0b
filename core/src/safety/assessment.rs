//! Pre-visit safety assessment (안전사정) and the companion rules for a home visit.
//!
//! Seed 001 §6: every worker makes a safety assessment and a safety plan before a visit, home visits are
//! made by two people (2인 1조). Some household risk flags require a companion of a given role
//! ([`RiskFlag::required_companion`]): 정신건강 고위험 미동의 → 정신건강전문요원 (001 §11), 만 3세 전수조사
//! 거부 → 경찰 (001 §5), 가정폭력 신고 이력 → 경찰 (001 §10).

use serde::{Deserialize, Serialize};

use crate::model::worker::is_volunteer_pair;
use crate::model::{Id, RiskFlag, Role, Worker};
use crate::{CoreError, CoreResult};

/// The short checklist answered before the session starts. Every item must be confirmed.
///
/// The seed asks for "a safety assessment and safety plan" without listing items; **our choice** of items
/// follows the seed's prevention list (know the risks, tell the chain of command, be reachable).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SafetyAssessment {
    /// 가구 위험 요인(폭력 이력, 동물, 감염 등)을 확인함.
    pub risk_flags_reviewed: bool,
    /// 방문 계획(누가, 어디로, 언제 복귀)을 팀장에게 공유함.
    pub plan_shared_with_lead: bool,
    /// 휴대전화 충전·통신 상태를 확인함.
    pub phone_ready: bool,
    /// 비상 시 대피 경로·연락 방법(지구대, 119)을 확인함.
    pub exit_plan_agreed: bool,
    /// Free-text concerns (optional), e.g. "대형견 있음, 목줄 요청".
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub concerns: Option<String>,
}

impl SafetyAssessment {
    /// All items confirmed.
    pub fn complete() -> Self {
        SafetyAssessment {
            risk_flags_reviewed: true,
            plan_shared_with_lead: true,
            phone_ready: true,
            exit_plan_agreed: true,
            concerns: None,
        }
    }

    pub fn validate(&self) -> CoreResult<()> {
        let items = [
            (
                self.risk_flags_reviewed,
                "risk_flags_reviewed",
                "위험 요인 확인",
                "risk flags reviewed",
            ),
            (
                self.plan_shared_with_lead,
                "plan_shared_with_lead",
                "팀장에게 방문 계획 공유",
                "plan shared with the team lead",
            ),
            (
                self.phone_ready,
                "phone_ready",
                "휴대전화 상태 확인",
                "phone ready",
            ),
            (
                self.exit_plan_agreed,
                "exit_plan_agreed",
                "비상 대피·연락 방법 확인",
                "exit plan agreed",
            ),
        ];
        for (done, field, ko, en) in items {
            if !done {
                return Err(CoreError::invalid(
                    "safety_assessment_incomplete",
                    &format!("assessment.{field}"),
                    format!("안전사정 항목이 확인되지 않았습니다: {ko}"),
                    format!("safety assessment item not confirmed: {en}"),
                ));
            }
        }
        Ok(())
    }
}

/// Checks who goes on a home visit: at least two distinct active people, at least one who may lead a
/// home visit ([`Worker::leads_home_visit`]), and
/// every companion role the household's risk flags require. The error names what is missing.
///
/// `regular_volunteer`: the volunteer whose own regular visit this is; then a volunteer pair
/// ([`is_volunteer_pair`]) may go without staff.
pub fn check_team(
    workers: &[Worker],
    risk_flags: &[RiskFlag],
    regular_volunteer: Option<Id>,
) -> CoreResult<()> {
    for (i, w) in workers.iter().enumerate() {
        if workers[..i].iter().any(|o| o.id == w.id) {
            return Err(CoreError::invalid(
                "participant_duplicate",
                "session.participants",
                format!("같은 직원이 두 번 들어 있습니다: {}", w.name),
                format!("the same worker is listed twice: {}", w.name),
            ));
        }
        if !w.active {
            return Err(CoreError::invalid(
                "participant_inactive",
                "session.participants",
                format!("비활성 직원은 방문할 수 없습니다: {}", w.name),
                format!("an inactive worker cannot visit: {}", w.name),
            ));
        }
    }
    if workers.len() < 2 {
        return Err(CoreError::invalid(
            "safety_pair_required",
            "session.participants",
            "가정방문은 2인 1조로만 시작할 수 있습니다 (1인 방문 불가)",
            "a home visit can only start with at least two people (no lone visits)",
        ));
    }
    // The planner's rule (`Role::leads_home_visit`): an escort or a police officer with a volunteer is
    // not a staffed pair.
    let volunteer_pair = regular_volunteer
        .is_some_and(|r| is_volunteer_pair(r, workers.iter().map(|w| (w.id, w.roles.as_slice()))));
    if !workers.iter().any(Worker::leads_home_visit) && !volunteer_pair {
        return Err(CoreError::invalid(
            "safety_staff_required",
            "session.participants",
            "방문 인원 중 직원(공무원·방문인력)이 한 명 이상 있어야 합니다 (사회복무요원·경찰관은 동행 인력)",
            "at least one staff member must be on the visit (an escort or police officer only accompanies)",
        ));
    }
    let mut seen: Vec<Role> = Vec::new();
    for flag in risk_flags {
        if let Some(role) = flag.required_companion() {
            if seen.contains(&role) {
                continue;
            }
            seen.push(role);
            if !workers.iter().any(|w| w.has_role(role)) {
                return Err(CoreError::invalid(
                    "safety_companion_required",
                    "session.participants",
                    format!("{} 동행 필요 ({})", role.label_ko(), flag.label_ko()),
                    format!(
                        "a {} must come along ({})",
                        role.label_en(),
                        flag.label_en()
                    ),
                ));
            }
        }
    }
    Ok(())
}
