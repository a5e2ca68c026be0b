//! Role requirements of a visit: "this role" and "one of these roles" (e.g. 70세 보편방문: 방문간호사 +
//! (복지플래너 또는 사회복무요원)).
//!
//! A visit's requirement is a list of clauses; each clause must be met by a **different** team member, so
//! "복지플래너 + 방문간호사 together" really means two people even if someone holds both roles.

use serde::{Deserialize, Serialize};

use crate::model::{RiskFlag, Role};

/// One requirement: at least one team member with one of `any_of` (a one-element list means "this role").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RoleRequirement"))]
pub struct RoleClause {
    pub any_of: Vec<Role>,
}

impl RoleClause {
    /// Exactly this role.
    pub fn one(role: Role) -> Self {
        RoleClause { any_of: vec![role] }
    }

    /// One of these roles.
    pub fn any(roles: &[Role]) -> Self {
        let mut any_of = roles.to_vec();
        any_of.sort();
        any_of.dedup();
        RoleClause { any_of }
    }

    /// Whether someone holding `roles` meets this clause.
    pub fn met_by(&self, roles: &[Role]) -> bool {
        self.any_of.iter().any(|r| roles.contains(r))
    }

    /// "방문간호사" or "복지플래너 또는 사회복무요원".
    pub fn label_ko(&self) -> String {
        let v: Vec<&str> = self.any_of.iter().map(|r| r.label_ko()).collect();
        v.join(" 또는 ")
    }

    /// "visiting nurse" or "welfare planner or escort".
    pub fn label_en(&self) -> String {
        let v: Vec<&str> = self.any_of.iter().map(|r| r.label_en()).collect();
        v.join(" or ")
    }
}

/// 65세 보편방문: 복지플래너 + 방문간호사 together (domain.md, Two-person visits; 001 §5).
pub fn universal_65() -> Vec<RoleClause> {
    vec![
        RoleClause::one(Role::WelfarePlanner),
        RoleClause::one(Role::VisitingNurse),
    ]
}

/// A family that refused the 만 3세 survey is visited with the police (001 §5: 상담거부 가정은 경찰과
/// 동행 방문): a 복지플래너 and a 학대예방경찰관.
pub fn age3_refused() -> Vec<RoleClause> {
    vec![
        RoleClause::one(Role::WelfarePlanner),
        RoleClause::one(Role::PoliceOfficer),
    ]
}

/// 65세 동행방문 (001 §5 ②, domain.md "Two-person visits"): the 65세 home visit made by a 복지플래너
/// and a 방문간호사 together — two different people whose roles cover [`universal_65`]. What the
/// 65세 동행방문률 counts; any two people (a planner and an escort, two volunteers) are not it.
pub fn accompanied_65(members: &[&[Role]]) -> bool {
    clauses_covered(&universal_65(), members)
}

/// 70세 보편방문: 방문간호사 + (복지플래너 or 사회복무요원) (001 §5).
pub fn universal_70() -> Vec<RoleClause> {
    vec![
        RoleClause::one(Role::VisitingNurse),
        RoleClause::any(&[Role::WelfarePlanner, Role::Escort]),
    ]
}

/// Companions that the household's risk flags require on a home visit (정신건강전문요원, 경찰), one clause per
/// distinct role.
pub fn companions(flags: &[RiskFlag]) -> Vec<RoleClause> {
    let mut roles: Vec<Role> = flags
        .iter()
        .filter_map(|f| f.required_companion())
        .collect();
    roles.sort();
    roles.dedup();
    roles.into_iter().map(RoleClause::one).collect()
}

/// Merge clauses, dropping exact duplicates, in a stable order.
pub fn merge(mut a: Vec<RoleClause>, b: Vec<RoleClause>) -> Vec<RoleClause> {
    for c in b {
        if !a.contains(&c) {
            a.push(c);
        }
    }
    a
}

/// Whether every clause can be given to a different member (a small bipartite matching, by backtracking:
/// clauses and team members are a handful each).
pub fn clauses_covered(clauses: &[RoleClause], members: &[&[Role]]) -> bool {
    if clauses.len() > members.len() {
        return false;
    }
    let mut used = vec![false; members.len()];
    assign(clauses, members, &mut used)
}

fn assign(clauses: &[RoleClause], members: &[&[Role]], used: &mut [bool]) -> bool {
    let Some((first, rest)) = clauses.split_first() else {
        return true;
    };
    for i in 0..members.len() {
        if !used[i] && first.met_by(members[i]) {
            used[i] = true;
            if assign(rest, members, used) {
                used[i] = false;
                return true;
            }
            used[i] = false;
        }
    }
    false
}

/// Korean and English text for a list of clauses: "복지플래너, 방문간호사".
pub fn clauses_label(clauses: &[RoleClause]) -> (String, String) {
    let ko: Vec<String> = clauses.iter().map(RoleClause::label_ko).collect();
    let en: Vec<String> = clauses.iter().map(RoleClause::label_en).collect();
    (ko.join(", "), en.join(", "))
}
