//! Workers (방문인력) and their roles.

use serde::{Deserialize, Serialize};

use super::Id;

crate::code_enum! {
    /// What a person does on a visit (the project's domain brief, "Who visits").
    pub enum Role: "worker.role" {
        /// 복지플래너: 동 주민센터 welfare official.
        WelfarePlanner = ("welfare_planner", "복지플래너", "welfare planner"),
        /// 방문간호사.
        VisitingNurse = ("visiting_nurse", "방문간호사", "visiting nurse"),
        /// 돌봄매니저 (돌봄SOS).
        CareManager = ("care_manager", "돌봄매니저", "care manager"),
        /// 통합사례관리사 (희망복지지원단).
        CaseManager = ("case_manager", "통합사례관리사", "case manager"),
        /// 사회복무요원: escort and second person on visits.
        Escort = ("escort", "사회복무요원", "escort"),
        /// 정신건강전문요원.
        MentalHealthOfficer = ("mental_health_officer", "정신건강전문요원", "mental-health officer"),
        /// 학대예방경찰관.
        PoliceOfficer = ("police_officer", "학대예방경찰관", "police officer"),
        /// 우리동네돌봄단 resident volunteer.
        VolunteerNeighborhoodCare = ("volunteer_neighborhood_care", "우리동네돌봄단", "neighbourhood-care volunteer"),
        /// 보라미 (대전 돌봄사례관리지원단) qualified volunteer.
        VolunteerBorami = ("volunteer_borami", "보라미", "Borami volunteer"),
        /// 명예사회복지공무원, 이웃살피미, 복지통장: report households in crisis; no case work.
        CommunityReporter = ("community_reporter", "명예사회복지공무원·이웃살피미", "community reporter"),
    }
}

impl Role {
    /// Volunteers and community reporters: not public staff. A home visit needs at least one staff member.
    pub fn is_volunteer(self) -> bool {
        matches!(
            self,
            Role::VolunteerNeighborhoodCare | Role::VolunteerBorami | Role::CommunityReporter
        )
    }

    /// Not a volunteer: public staff and the people who accompany them (escorts, police). Whether a
    /// person may lead a home visit is [`Role::leads_home_visit`].
    pub fn is_staff(self) -> bool {
        !self.is_volunteer()
    }

    /// The visiting volunteers who make regular home visits of their own (001 §3-1 우리동네돌봄단, 000
    /// 보라미). Community reporters find households; they do not visit (001 §3-1).
    pub fn is_visiting_volunteer(self) -> bool {
        matches!(
            self,
            Role::VolunteerNeighborhoodCare | Role::VolunteerBorami
        )
    }

    /// May be the staff member of a 2인 1조 home visit (001 §6): the 동 team and the visiting
    /// professionals. A 사회복무요원 is the escort and second person (001 §6) and a 학대예방경찰관
    /// accompanies joint visits (001 §5, §10): with a volunteer, neither makes a staffed pair.
    pub fn leads_home_visit(self) -> bool {
        matches!(
            self,
            Role::WelfarePlanner
                | Role::VisitingNurse
                | Role::CareManager
                | Role::CaseManager
                | Role::MentalHealthOfficer
        )
    }
}

/// 2인 1조 without staff: a volunteer's own regular visit (001 §3-1 우리동네돌봄단, 000 보라미), made by
/// that volunteer and at least one more visiting volunteer. An escort or a reporter does not stand in
/// for the second volunteer. One rule for the planner and the safety session.
pub fn is_volunteer_pair<'a>(
    regular_volunteer: Id,
    members: impl IntoIterator<Item = (Id, &'a [Role])>,
) -> bool {
    let mut own = false;
    let mut other = false;
    for (id, roles) in members {
        if id == regular_volunteer {
            own = true;
        } else if roles.iter().any(|r| r.is_visiting_volunteer()) {
            other = true;
        }
    }
    own && other
}

/// A worker (직원 또는 자원봉사자) who visits or reports households.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Worker {
    pub id: Id,
    /// The team (팀) the worker belongs to.
    pub team_id: Id,
    pub name: String,
    /// One or more roles; the first is the main one.
    pub roles: Vec<Role>,
    /// Mobile number for escalation messages, digits and dashes.
    pub phone: Option<String>,
    pub active: bool,
}

impl Worker {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Staff if any of the roles is a staff role.
    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }

    /// May lead a home visit if any role may ([`Role::leads_home_visit`]).
    pub fn leads_home_visit(&self) -> bool {
        self.roles.iter().any(|r| r.leads_home_visit())
    }

    /// A visiting volunteer if any role is one ([`Role::is_visiting_volunteer`]).
    pub fn is_visiting_volunteer(&self) -> bool {
        self.roles.iter().any(|r| r.is_visiting_volunteer())
    }
}
