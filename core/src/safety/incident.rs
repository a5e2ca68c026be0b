//! Incident reports (안전사고 보고) and half-year statistics per district (seed 001 §6: 시·구는 반기별
//! 사고 통계 관리).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Id;
use crate::{CoreError, CoreResult};

crate::code_enum! {
    /// What happened (issue 5).
    pub enum IncidentType: "incident.type" {
        VerbalAbuse = ("verbal_abuse", "폭언", "verbal abuse"),
        Threat = ("threat", "위협", "threat"),
        PhysicalAssault = ("physical_assault", "폭행", "physical assault"),
        SexualHarassment = ("sexual_harassment", "성희롱·성추행", "sexual harassment"),
        AnimalBite = ("animal_bite", "동물 물림", "animal bite"),
        InfectionExposure = ("infection_exposure", "감염 노출", "infection exposure"),
        Traffic = ("traffic", "교통사고", "traffic accident"),
        Other = ("other", "기타", "other"),
    }
}

crate::code_enum! {
    /// How serious. **Our choice** of a four-step scale (the seed names none).
    pub enum IncidentSeverity: "incident.severity" {
        Minor = ("minor", "경미", "minor"),
        Moderate = ("moderate", "보통", "moderate"),
        Serious = ("serious", "중대", "serious"),
        Critical = ("critical", "심각", "critical"),
    }
}

crate::code_enum! {
    /// Follow-up decided (seed 001 §6: treatment, compensation, legal action, tests if infection is
    /// suspected).
    pub enum FollowUp: "incident.follow_ups" {
        Treatment = ("treatment", "치료 지원", "treatment"),
        Compensation = ("compensation", "보상(산재 등)", "compensation"),
        LegalAction = ("legal_action", "법적 대응", "legal action"),
        InfectionTest = ("infection_test", "감염 검사", "infection test"),
    }
}

/// One incident report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub id: Id,
    /// The safety session during which it happened, if any.
    pub session_id: Option<Id>,
    pub district_id: Id,
    pub occurred_at: DateTime<Utc>,
    pub reported_at: DateTime<Utc>,
    pub reporter_id: Id,
    /// Workers affected (at least one).
    pub affected_workers: Vec<Id>,
    pub incident_type: IncidentType,
    pub severity: IncidentSeverity,
    /// Injuries, if any (free text, e.g. "왼손 교상").
    pub injuries: Option<String>,
    pub police_called: bool,
    pub ambulance_119_called: bool,
    pub follow_ups: Vec<FollowUp>,
    pub description: String,
}

impl IncidentReport {
    pub fn validate(&self) -> CoreResult<()> {
        if self.description.trim().is_empty() {
            return Err(CoreError::invalid(
                "incident_description_required",
                "incident.description",
                "사고 경위를 입력하세요",
                "describe what happened",
            ));
        }
        if self.affected_workers.is_empty() {
            return Err(CoreError::invalid(
                "incident_affected_required",
                "incident.affected_workers",
                "피해 직원을 한 명 이상 지정하세요",
                "name at least one affected worker",
            ));
        }
        if self.reported_at < self.occurred_at {
            return Err(CoreError::invalid(
                "incident_reported_before_occurred",
                "incident.reported_at",
                "보고 시각이 발생 시각보다 이릅니다",
                "the report is dated before the incident",
            ));
        }
        Ok(())
    }

    pub fn injured(&self) -> bool {
        self.injuries
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
    }
}

/// A half-year: H1 = January–June, H2 = July–December. **Our choice**: by the date in Korea (KST, UTC+9),
/// as the district counts, so 2026-06-30 15:30 UTC (= 2026-07-01 00:30 KST) falls in H2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HalfYear {
    pub year: i32,
    /// 1 or 2.
    pub half: u8,
}

impl HalfYear {
    pub fn of(t: DateTime<Utc>) -> Self {
        let local = t.with_timezone(&crate::clock::kst());
        HalfYear {
            year: local.year(),
            half: if local.month() <= 6 { 1 } else { 2 },
        }
    }

    /// e.g. `2026년 상반기` / `2026 H1`.
    pub fn label_ko(self) -> String {
        format!(
            "{}년 {}반기",
            self.year,
            if self.half == 1 { "상" } else { "하" }
        )
    }
}

/// Counts for one district and half-year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentStats {
    pub total: u32,
    pub by_type: BTreeMap<IncidentType, u32>,
    pub by_severity: BTreeMap<IncidentSeverity, u32>,
    pub with_injury: u32,
    pub police_called: u32,
    pub ambulance_119_called: u32,
    pub by_follow_up: BTreeMap<FollowUp, u32>,
}

/// Statistics per (district, half-year of occurrence), in that order. Pure.
pub fn half_year_stats(incidents: &[IncidentReport]) -> BTreeMap<(Id, HalfYear), IncidentStats> {
    let mut out: BTreeMap<(Id, HalfYear), IncidentStats> = BTreeMap::new();
    for i in incidents {
        let s = out
            .entry((i.district_id, HalfYear::of(i.occurred_at)))
            .or_default();
        s.total += 1;
        *s.by_type.entry(i.incident_type).or_default() += 1;
        *s.by_severity.entry(i.severity).or_default() += 1;
        s.with_injury += u32::from(i.injured());
        s.police_called += u32::from(i.police_called);
        s.ambulance_119_called += u32::from(i.ambulance_119_called);
        let mut seen = Vec::new();
        for f in &i.follow_ups {
            if !seen.contains(f) {
                seen.push(*f);
                *s.by_follow_up.entry(*f).or_default() += 1;
            }
        }
    }
    out
}
