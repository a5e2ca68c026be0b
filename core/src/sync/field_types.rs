//! The type of every synced field (동기화 필드 형식): what a value must be for the store's typed
//! readers to read it back. [`super::validate::validate_change`] checks each value against it, so
//! a change a phone's store could not read — an unknown code, a malformed day, a text where a time
//! belongs — is refused where it is made and at the server's door, with the field named, and never
//! reaches another phone (where it would hide the record from every list, or stop a reader).
//!
//! `null` is always accepted here: whether a field may be empty is the table's NOT NULL (a record
//! whose merged state a constraint refuses waits for a later change; `device_sync::rows`). Codes are
//! those of this version: a newer code needs the server upgraded first, as a new field does.

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use crate::eligibility::{CrisisReason, SupportKind};
use crate::model::audit::AuditAction;
use crate::model::outreach::{OutreachCampaign, OutreachMode, OutreachResult, RefusalReason};
use crate::model::{
    CaseClassification, CaseStage, ClosureReason, ContactMode, CrisisReportStatus, CrisisSign,
    Disability, HouseholdTag, Observation, OrgUnitKind, ReferralTarget, Relation, RiskFlag, Role,
    ServiceItem, Sex, VisitOutcome, VisitPurpose, VisitStatus,
};
use crate::safety::incident::{FollowUp, IncidentSeverity, IncidentType};
use crate::sync::config_docs::ConfigKind;

/// What a field's value must be (when not `null`).
#[derive(Clone, Copy)]
pub enum FieldType {
    /// Text (its length is bounded by the change's own limits).
    Text,
    /// A record id (UUID text).
    Id,
    /// Record ids, comma-separated.
    Ids,
    /// A calendar day, `YYYY-MM-DD`.
    Date,
    /// An instant, milliseconds since the epoch (integer).
    Instant,
    /// An integer.
    Int,
    /// A number (coordinates).
    Real,
    /// A flag: 0 or 1 (or `true` / `false`, written as 1 / 0).
    Flag,
    /// A 위기도, 1..=5.
    CrisisLevel,
    /// One code of a list.
    Code(fn(&str) -> bool),
    /// Codes of a list, comma-separated (possibly none).
    Codes(fn(&str) -> bool),
}

impl std::fmt::Debug for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name_en())
    }
}

impl FieldType {
    fn name_en(&self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Id => "a record id (UUID)",
            FieldType::Ids => "record ids (UUIDs, comma-separated)",
            FieldType::Date => "a day (YYYY-MM-DD)",
            FieldType::Instant => "an instant (integer milliseconds)",
            FieldType::Int => "an integer",
            FieldType::Real => "a number",
            FieldType::Flag => "0 or 1",
            FieldType::CrisisLevel => "a crisis level 1-5",
            FieldType::Code(_) => "a known code",
            FieldType::Codes(_) => "known codes, comma-separated",
        }
    }

    fn name_ko(&self) -> &'static str {
        match self {
            FieldType::Text => "문자열",
            FieldType::Id => "기록 ID(UUID)",
            FieldType::Ids => "기록 ID 목록(쉼표로 구분)",
            FieldType::Date => "날짜(YYYY-MM-DD)",
            FieldType::Instant => "시각(밀리초 정수)",
            FieldType::Int => "정수",
            FieldType::Real => "숫자",
            FieldType::Flag => "0 또는 1",
            FieldType::CrisisLevel => "위기도 1~5",
            FieldType::Code(_) => "알려진 코드",
            FieldType::Codes(_) => "알려진 코드 목록(쉼표로 구분)",
        }
    }

    /// Whether `v` (not null) is a value of this type.
    pub fn accepts(&self, v: &Value) -> bool {
        let id = |s: &str| Uuid::try_parse(s).is_ok();
        let list =
            |s: &str, ok: &dyn Fn(&str) -> bool| s.split(',').filter(|p| !p.is_empty()).all(ok);
        match (self, v) {
            (FieldType::Text, Value::String(_)) => true,
            (FieldType::Id, Value::String(s)) => id(s),
            (FieldType::Ids, Value::String(s)) => list(s, &id),
            (FieldType::Date, Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            (FieldType::Instant | FieldType::Int, Value::Number(n)) => n.as_i64().is_some(),
            (FieldType::Real, Value::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
            (FieldType::Flag, Value::Bool(_)) => true,
            (FieldType::Flag, Value::Number(n)) => matches!(n.as_i64(), Some(0 | 1)),
            (FieldType::CrisisLevel, Value::Number(n)) => {
                n.as_i64().is_some_and(|l| (1..=5).contains(&l))
            }
            (FieldType::Code(ok), Value::String(s)) => ok(s),
            (FieldType::Codes(ok), Value::String(s)) => list(s, ok),
            _ => false,
        }
    }
}

macro_rules! code {
    ($t:ty) => {
        FieldType::Code(|c| <$t>::from_code(c).is_some())
    };
}

macro_rules! codes {
    ($t:ty) => {
        FieldType::Codes(|c| <$t>::from_code(c).is_some())
    };
}

/// The type of a named field of an entity (`None`: not a named field; assignments of
/// `visit_workers` are checked by the field set itself).
pub fn field_type(entity: &str, field: &str) -> Option<FieldType> {
    use FieldType::*;
    Some(match (entity, field) {
        (_, "id") => return None,
        ("org_units", "kind") => code!(OrgUnitKind),
        ("org_units", "name") => Text,
        ("org_units", "parent_id") => Id,
        ("workers", "team_id") => Id,
        ("workers", "name" | "phone") => Text,
        ("workers", "roles") => codes!(Role),
        ("workers", "active") => Flag,
        ("households", "dong_id") => Id,
        ("households", "head_name" | "address" | "phone") => Text,
        ("households", "lat" | "lon") => Real,
        ("households", "crisis_level") => CrisisLevel,
        ("households", "tags") => codes!(HouseholdTag),
        ("households", "risk_flags") => codes!(RiskFlag),
        ("households", "archived") => Flag,
        ("persons", "household_id") => Id,
        ("persons", "name") => Text,
        ("persons", "birth_date") => Date,
        ("persons", "sex") => code!(Sex),
        ("persons", "relation") => code!(Relation),
        ("persons", "disability") => code!(Disability),
        ("visits", "household_id") => Id,
        ("visits", "purpose") => code!(VisitPurpose),
        ("visits", "contact_mode") => code!(ContactMode),
        ("visits", "window_start" | "window_end" | "started_at" | "completed_at") => Instant,
        ("visits", "required_roles") => codes!(Role),
        ("visits", "status") => code!(VisitStatus),
        ("visits", "outcome") => code!(VisitOutcome),
        ("visits", "note") => Text,
        ("cases", "household_id" | "manager_id") => Id,
        ("cases", "stage") => code!(CaseStage),
        ("cases", "classification") => code!(CaseClassification),
        ("cases", "opened_on" | "closed_on") => Date,
        ("cases", "closure_reason") => code!(ClosureReason),
        ("referrals", "household_id" | "case_id" | "referred_by") => Id,
        ("referrals", "target") => code!(ReferralTarget),
        ("referrals", "agency" | "reason" | "reply_note") => Text,
        ("referrals", "referred_on" | "first_reply_on" | "service_ended_on" | "final_reply_on") => {
            Date
        }
        ("discharge_referrals", "household_id" | "person_id" | "assigned_by") => Id,
        ("discharge_referrals", "hospital") => Text,
        (
            "discharge_referrals",
            "referred_on" | "discharge_on" | "assigned_on" | "care_plan_on" | "service_started_on"
            | "service_ended_on" | "confirmed_on" | "reported_on",
        ) => Date,
        ("crisis_reports", "dong_id" | "reporter_id" | "household_id" | "referral_id") => Id,
        ("crisis_reports", "address" | "note") => Text,
        ("crisis_reports", "signs") => codes!(CrisisSign),
        ("crisis_reports", "reported_at") => Instant,
        ("crisis_reports", "status") => code!(CrisisReportStatus),
        ("volunteer_activity", "worker_id" | "household_id") => Id,
        ("volunteer_activity", "day") => Date,
        ("volunteer_activity", "minutes") => Int,
        ("volunteer_activity", "note") => Text,
        ("wellness_checks", "household_id" | "visit_id" | "worker_id" | "corrects") => Id,
        ("wellness_checks", "checked_at") => Instant,
        ("wellness_checks", "contact_mode") => code!(ContactMode),
        (
            "wellness_checks",
            "meals" | "health" | "mood" | "mobility" | "housing" | "heating_cooling" | "loneliness",
        ) => code!(Observation),
        ("wellness_checks", "arrears_signs" | "cutoff_signs" | "needs_referral") => Flag,
        ("wellness_checks", "note") => Text,
        ("case_notes", "household_id" | "case_id" | "visit_id" | "author_id" | "corrects") => Id,
        ("case_notes", "written_at") => Instant,
        ("case_notes", "body") => Text,
        ("config_documents", "kind") => code!(ConfigKind),
        ("config_documents", "unit_id") => Id,
        ("config_documents", "body") => Text,
        ("config_documents", "published_at") => Instant,
        // The event's kind and payload are read together by the safety records' own decoder.
        ("safety_events", "session_id" | "worker_id") => Id,
        ("safety_events", "at") => Instant,
        ("safety_events", "device_id" | "kind" | "payload") => Text,
        ("safety_events", "lat" | "lon") => Real,
        ("incidents", "session_id" | "district_id" | "reporter_id" | "corrects") => Id,
        ("incidents", "occurred_at" | "reported_at") => Instant,
        ("incidents", "affected_workers") => Ids,
        ("incidents", "incident_type") => code!(IncidentType),
        ("incidents", "severity") => code!(IncidentSeverity),
        ("incidents", "injuries" | "description") => Text,
        ("incidents", "police_called" | "ambulance_119_called") => Flag,
        ("incidents", "follow_ups") => codes!(FollowUp),
        ("service_provisions", "household_id" | "case_id" | "recorded_by" | "corrects") => Id,
        ("service_provisions", "item") => code!(ServiceItem),
        ("service_provisions", "provided_on") => Date,
        ("service_provisions", "quantity" | "amount_won") => Int,
        ("service_provisions", "note") => Text,
        ("service_provisions", "voided") => Flag,
        ("service_provisions", "crisis_reason") => code!(CrisisReason),
        ("service_provisions", "support_kind") => code!(SupportKind),
        ("outreach_attempts", "household_id" | "worker_id" | "corrects") => Id,
        ("outreach_attempts", "campaign") => code!(OutreachCampaign),
        ("outreach_attempts", "attempted_on") => Date,
        ("outreach_attempts", "mode") => code!(OutreachMode),
        ("outreach_attempts", "result") => code!(OutreachResult),
        ("outreach_attempts", "refusal_reason") => code!(RefusalReason),
        ("audit_entries", "at") => Instant,
        ("audit_entries", "actor_id" | "record_id" | "household_id") => Id,
        ("audit_entries", "device_id" | "entity" | "detail") => Text,
        ("audit_entries", "action") => FieldType::Code(|c| AuditAction::parse(c).is_ok()),
        _ => return None,
    })
}

/// Checks a field's value against its type; the error names the field and what it must be.
pub fn check(entity: &str, field: &str, value: &Value, path: &str) -> crate::CoreResult<()> {
    let Some(ty) = field_type(entity, field) else {
        return Ok(());
    };
    if value.is_null() || ty.accepts(value) {
        return Ok(());
    }
    let shown = match value {
        Value::String(s) => format!("{:?}", s.chars().take(40).collect::<String>()),
        other => other.to_string(),
    };
    Err(crate::CoreError::invalid(
        "value_wrong_type",
        path,
        format!("{path}: {}이어야 합니다 (받은 값: {shown})", ty.name_ko()),
        format!("{path}: must be {} (got {shown})", ty.name_en()),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sync::entity::{FieldSet, ENTITIES};

    #[test]
    fn every_named_field_of_every_entity_has_a_type() {
        for spec in ENTITIES {
            let names = match spec.fields {
                FieldSet::Named(n) | FieldSet::Document(n) => n,
                FieldSet::WorkerIds => continue,
            };
            for name in names {
                assert!(
                    field_type(spec.name, name).is_some(),
                    "{}.{name} has no type",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn values_are_checked_by_type_and_null_always_passes() {
        let ok = |e: &str, f: &str, v: Value| check(e, f, &v, "x").is_ok();
        assert!(ok("persons", "sex", json!("male")));
        assert!(!ok("persons", "sex", json!("m")));
        assert!(ok("persons", "sex", Value::Null));
        assert!(!ok("persons", "birth_date", json!("1957-13-01")));
        assert!(!ok("visits", "window_start", json!("10:00")));
        assert!(!ok("visits", "window_start", json!(1.5)));
        assert!(ok("households", "risk_flags", json!("")));
        assert!(ok("households", "risk_flags", json!("dog,alcohol")));
        assert!(!ok("households", "risk_flags", json!("dog,cat")));
        assert!(!ok("households", "crisis_level", json!(6)));
        assert!(ok("households", "archived", json!(true)));
        assert!(!ok("households", "archived", json!(2)));
        assert!(!ok("households", "dong_id", json!("not-a-uuid")));
        assert!(!ok("incidents", "affected_workers", json!("a,b")));
        let e = check("persons", "sex", &json!("m"), "changes[0].op.fields.sex").unwrap_err();
        assert_eq!(e.code, "value_wrong_type");
        assert_eq!(e.field.as_deref(), Some("changes[0].op.fields.sex"));
        assert!(e.en.contains("\"m\""), "{}", e.en);
    }
}
