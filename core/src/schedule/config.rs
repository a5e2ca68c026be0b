//! Cadence settings per district (구). Defaults follow domain.md; every value is configurable.

use serde::{Deserialize, Serialize};

use crate::{CoreError, CoreResult};

/// How often each kind of household is due, per district.
/// Read from JSON, a missing field takes its default but an unknown one is an error: a typo, or a
/// document of another kind, must not silently become the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CadenceConfig {
    /// Days between monitoring contacts for crisis levels 1..=5 (index 0 = level 1).
    /// Defaults: 5 위기 weekly (7 d, 001 §4), 4 경계 monthly (30 d, 001 §4), and (our choice, domain.md)
    /// 3 quarterly (91 d), 2 half-yearly (182 d), 1 yearly (365 d).
    pub crisis_interval_days: [u32; 5],
    /// After-care (사후관리) after closure of a case-managed household: months after closure (003: twice,
    /// 6 months apart → 6 and 12).
    pub after_care_case_managed_months: Vec<u32>,
    /// After-care after closure of a service-linked household: once, 6 months after (003).
    pub after_care_service_linked_months: Vec<u32>,
    /// First reply to a mental-health referral: within 10 days of the referral (001 §11).
    pub referral_first_reply_days: u32,
    /// Second reply: within 5 days after the service ends (001 §11).
    pub referral_second_reply_days: u32,
    /// No contact for this many months → suggest closure (003: 연락 두절 3개월).
    pub no_contact_closure_months: u32,
    /// New-birth visit due this many days after the birth (our choice: 30; the seeds give no figure).
    pub new_birth_visit_days: u32,
    /// A child counts as a "new birth" for this many days (our choice: 365).
    pub new_birth_window_days: u32,
    /// Days ahead that the agenda lists as upcoming (our choice: 14, two working weeks).
    pub agenda_horizon_days: u32,
    /// Days between a volunteer's regular visits to a designated household (001 §3-1 names regular
    /// visits without a figure; our choice: 7, weekly).
    pub volunteer_visit_interval_days: u32,
    /// Days between the 소나무 센터's monitoring contacts of a household in its follow-up (001 §10
    /// asks for a reminder when monitoring is due without a figure; our choice: 30, the monthly
    /// floor 001 §4 sets for 경계 households).
    pub crisis_family_monitoring_days: u32,
    /// Days after the district assigns a hospital-discharge referral by which the 동 has visited and
    /// made the care plan, unless the discharge comes sooner (001 §9 gives the steps, no deadline;
    /// our choice: 3 days, so that care is ready for a patient the hospital refers ahead of discharge).
    pub discharge_care_plan_days: u32,
}

impl Default for CadenceConfig {
    fn default() -> Self {
        CadenceConfig {
            crisis_interval_days: [365, 182, 91, 30, 7],
            after_care_case_managed_months: vec![6, 12],
            after_care_service_linked_months: vec![6],
            referral_first_reply_days: crate::model::referral::FIRST_REPLY_DAYS as u32,
            referral_second_reply_days: crate::model::referral::FINAL_REPLY_DAYS as u32,
            no_contact_closure_months: 3,
            new_birth_visit_days: 30,
            new_birth_window_days: 365,
            agenda_horizon_days: 14,
            volunteer_visit_interval_days: 7,
            crisis_family_monitoring_days: 30,
            discharge_care_plan_days: 3,
        }
    }
}

impl CadenceConfig {
    /// Interval for a crisis level (1..=5).
    pub fn interval_for(&self, level: u8) -> u32 {
        let i = usize::from(level.clamp(1, 5)) - 1;
        self.crisis_interval_days[i]
    }

    /// Rejects zero intervals (a household due every day forever is a configuration mistake).
    pub fn validate(&self) -> CoreResult<()> {
        for (i, d) in self.crisis_interval_days.iter().enumerate() {
            if *d == 0 {
                return Err(CoreError::invalid(
                    "cadence_interval_zero",
                    "cadence.crisis_interval_days",
                    format!("위기도 {} 방문 주기는 1일 이상이어야 합니다", i + 1),
                    format!(
                        "the interval for crisis level {} must be at least 1 day",
                        i + 1
                    ),
                ));
            }
        }
        if self.no_contact_closure_months == 0 {
            return Err(CoreError::invalid(
                "cadence_interval_zero",
                "cadence.no_contact_closure_months",
                "연락 두절 기준은 1개월 이상이어야 합니다",
                "the no-contact period must be at least 1 month",
            ));
        }
        if self.crisis_family_monitoring_days == 0 {
            return Err(CoreError::invalid(
                "cadence_interval_zero",
                "cadence.crisis_family_monitoring_days",
                "소나무 센터 모니터링 주기는 1일 이상이어야 합니다",
                "the crisis family centre's monitoring interval must be at least 1 day",
            ));
        }
        Ok(())
    }
}
