//! Who may read and write what (역할별 열람·기록 범위). Our choices where `domain.md` is silent, kept in
//! one table so that review and tests read the same thing:
//!
//! | class | roles | reads | writes |
//! |---|---|---|---|
//! | staff | welfare planner, visiting nurse, care manager, case manager, mental-health officer | every record of households in their area (their team's 동, or the district/city they belong to), universal-visit outreach included | the same, and workers of their area; a hospital-discharge referral's receipt, assignment, confirmation and report by district (or city) staff only |
//! | companion | volunteers (우리동네돌봄단, 보라미), escorts, police officers | only households they are assigned to (a visit of the household lists them), and of those only the visit-day entities below — never cases, referrals, case notes, crisis reports or services provided | wellness checks, volunteer activity, visits, safety events and incidents of households in their area (an offline check made just before a reassignment must not be lost) |
//! | reporter | community reporters (명예사회복지공무원·이웃살피미) | their own crisis reports | crisis reports in their area |
//!
//! Everyone reads the org tree, the workers of their area and the configuration addressed to their
//! unit or above it (written only by the admin command). Fields are filtered for companions by an
//! allow-list per entity: a field added later (income, property, an eligibility result) is withheld
//! from them until someone decides otherwise here.

use donghaeng_core::model::Role;

/// The scope class of a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Staff,
    Companion,
    Reporter,
}

pub fn class_of(role: Role) -> Class {
    match role {
        Role::WelfarePlanner
        | Role::VisitingNurse
        | Role::CareManager
        | Role::CaseManager
        | Role::MentalHealthOfficer => Class::Staff,
        Role::Escort
        | Role::PoliceOfficer
        | Role::VolunteerNeighborhoodCare
        | Role::VolunteerBorami => Class::Companion,
        Role::CommunityReporter => Class::Reporter,
    }
}

/// The fields a companion may read, per entity; `None`: the entity is withheld from companions.
pub fn companion_fields(entity: &str) -> Option<&'static [&'static str]> {
    Some(match entity {
        "org_units" => &["kind", "name", "parent_id"],
        "config_documents" => &["kind", "unit_id", "body", "published_at"],
        "workers" => &["team_id", "name", "roles", "phone", "active"],
        "households" => &[
            "dong_id",
            "head_name",
            "address",
            "lat",
            "lon",
            "crisis_level",
            "tags",
            "risk_flags",
            "phone",
            "archived",
        ],
        "persons" => &[
            "household_id",
            "name",
            "birth_date",
            "sex",
            "relation",
            "disability",
        ],
        "visits" => &[
            "household_id",
            "purpose",
            "contact_mode",
            "window_start",
            "window_end",
            "required_roles",
            "status",
            "started_at",
            "completed_at",
            "outcome",
            "note",
        ],
        "wellness_checks" => &[
            "household_id",
            "visit_id",
            "worker_id",
            "checked_at",
            "contact_mode",
            "meals",
            "health",
            "mood",
            "mobility",
            "housing",
            "heating_cooling",
            "loneliness",
            "arrears_signs",
            "cutoff_signs",
            "needs_referral",
            "note",
            "corrects",
        ],
        "volunteer_activity" => &["worker_id", "day", "minutes", "household_id", "note"],
        // A companion sees the events of sessions they take part in (see `view`).
        "safety_events" => &[
            "session_id",
            "at",
            "worker_id",
            "device_id",
            "lat",
            "lon",
            "kind",
            "payload",
        ],
        // Visit assignments: field names are worker ids, all readable.
        "visit_workers" => &[],
        _ => return None,
    })
}

/// Whether a companion may read `field` of `entity`.
pub fn companion_may_read(entity: &str, field: &str) -> bool {
    match companion_fields(entity) {
        Some(_) if entity == "visit_workers" => true,
        Some(fields) => fields.contains(&field),
        None => false,
    }
}

/// Entities a companion may write.
pub const COMPANION_WRITES: &[&str] = &[
    "wellness_checks",
    "volunteer_activity",
    "visits",
    "safety_events",
    "incidents",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companions_never_read_case_work_or_fields_nobody_listed() {
        for entity in [
            "cases",
            "case_notes",
            "referrals",
            "crisis_reports",
            "audit_entries",
            // Money paid to a household and the services it receives: staff only.
            "service_provisions",
            // Who refused a universal visit, and why: staff only.
            "outreach_attempts",
            // A patient's hospital and discharge: staff only.
            "discharge_referrals",
        ] {
            assert!(companion_fields(entity).is_none(), "{entity}");
            assert!(!companion_may_read(entity, "household_id"));
        }
        // A field added later (income, property, an eligibility result) is withheld by default.
        for field in [
            "monthly_income_won",
            "property_won",
            "eligibility",
            "bank_account",
        ] {
            assert!(!companion_may_read("households", field), "{field}");
            assert!(!companion_may_read("persons", field), "{field}");
        }
        assert!(companion_may_read("households", "address"));
        assert!(companion_may_read(
            "visit_workers",
            "01a23280-3f9d-72e3-b6da-a2cdbd6b24ac"
        ));
    }

    #[test]
    fn every_role_has_a_class() {
        for role in Role::ALL {
            let class = class_of(*role);
            let volunteer = role.code().starts_with("volunteer_");
            assert!(!volunteer || class == Class::Companion, "{role:?}");
        }
        assert_eq!(class_of(Role::CommunityReporter), Class::Reporter);
        assert_eq!(class_of(Role::WelfarePlanner), Class::Staff);
    }
}
