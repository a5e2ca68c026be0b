//! Per-team safety configuration: grace period, escalation ladder (에스컬레이션 단계), repeat intervals.
//!
//! A snapshot of the configuration travels inside the session's start event, so that every replica (the
//! phone, the server) runs the same deadlines for that session even if the team later edits its ladder.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::{CoreError, CoreResult};

/// Shortest allowed check-in interval (issue 5: 5 min – 12 h).
pub const MIN_CHECKIN_SECS: i64 = 5 * 60;
/// Longest allowed check-in interval, and the longest a session may be planned ahead.
pub const MAX_SESSION_SECS: i64 = 12 * 60 * 60;

crate::code_enum! {
    /// Who a step of the ladder alerts.
    pub enum LadderTarget: "safety.ladder.target" {
        /// 동행자: the other people on the visit (their phones are taken from the session).
        Partner = ("partner", "동행자", "partner"),
        /// 팀장.
        TeamLead = ("team_lead", "팀장", "team lead"),
        /// 동장.
        DongHead = ("dong_head", "동장", "head of the dong"),
        /// 긴급신고 안내 (112/119): the message tells the recipients to call emergency services; the core
        /// never dials by itself.
        Emergency = ("emergency", "긴급신고 안내(112/119)", "emergency guidance (112/119)"),
    }
}

/// A person an alert is sent to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SafetyContact"))]
pub struct Contact {
    pub name: String,
    /// Mobile number, digits and dashes.
    pub phone: String,
}

impl Contact {
    pub fn new(name: impl Into<String>, phone: impl Into<String>) -> Self {
        Contact {
            name: name.into(),
            phone: phone.into(),
        }
    }
}

/// One step of the escalation ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderStep {
    pub target: LadderTarget,
    /// Who to alert. For [`LadderTarget::Partner`] the session's other participants are added.
    pub contacts: Vec<Contact>,
    /// How long this step waits for an acknowledgement before the next step starts (default 5 min). After
    /// the last step, the last step's alert is repeated at this interval until someone acknowledges.
    pub delay_secs: i64,
}

/// Default delay per step: 5 minutes (issue 5).
pub const DEFAULT_STEP_DELAY_SECS: i64 = 5 * 60;
/// Default grace period between the prompt and the first escalation step: 10 minutes (issue 5).
pub const DEFAULT_GRACE_SECS: i64 = 10 * 60;

/// A team's safety settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSafetyConfig {
    /// Time between the "are you safe?" prompt and the first escalation step.
    pub grace_secs: i64,
    /// partner → team lead → 동장 → emergency guidance, each with its delay.
    pub ladder: Vec<LadderStep>,
    /// After a worker answers an overdue prompt without checking out or extending, when to ask again.
    /// **Our choice (domain.md is silent): 15 minutes.**
    pub overdue_recheck_secs: i64,
    /// How often an unacknowledged SOS or duress alarm is repeated. **Our choice: 5 minutes**, the same as
    /// the default step delay.
    pub alarm_repeat_secs: i64,
}

impl TeamSafetyConfig {
    /// The default ladder: partner → team lead → 동장 → emergency guidance, 5 minutes apart, grace 10 min.
    pub fn standard(team_lead: Contact, dong_head: Contact) -> Self {
        let step = |target, contacts| LadderStep {
            target,
            contacts,
            delay_secs: DEFAULT_STEP_DELAY_SECS,
        };
        TeamSafetyConfig {
            grace_secs: DEFAULT_GRACE_SECS,
            ladder: vec![
                step(LadderTarget::Partner, vec![]),
                step(LadderTarget::TeamLead, vec![team_lead.clone()]),
                step(LadderTarget::DongHead, vec![dong_head.clone()]),
                step(LadderTarget::Emergency, vec![team_lead, dong_head]),
            ],
            overdue_recheck_secs: 15 * 60,
            alarm_repeat_secs: DEFAULT_STEP_DELAY_SECS,
        }
    }

    pub fn grace(&self) -> Duration {
        Duration::seconds(self.grace_secs)
    }

    /// Contacts of the team-lead steps: who an SOS or a silent (duress) alarm goes to.
    pub fn team_lead_contacts(&self) -> Vec<Contact> {
        let mut out: Vec<Contact> = Vec::new();
        for step in self
            .ladder
            .iter()
            .filter(|s| s.target == LadderTarget::TeamLead)
        {
            for c in &step.contacts {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// Checks every bound; the error names the field.
    pub fn validate(&self) -> CoreResult<()> {
        // One minute at least, so that a mis-typed 0 cannot make alerts fire in a tight loop.
        if !(60..=MAX_SESSION_SECS).contains(&self.grace_secs) {
            return Err(CoreError::invalid(
                "grace_out_of_range",
                "safety_config.grace_secs",
                format!(
                    "유예 시간은 1분~12시간이어야 합니다 (입력: {}초)",
                    self.grace_secs
                ),
                format!(
                    "the grace period must be 1 min – 12 h (got {} s)",
                    self.grace_secs
                ),
            ));
        }
        if self.ladder.is_empty() {
            return Err(CoreError::invalid(
                "ladder_empty",
                "safety_config.ladder",
                "에스컬레이션 단계가 하나 이상 필요합니다",
                "the escalation ladder needs at least one step",
            ));
        }
        for (i, step) in self.ladder.iter().enumerate() {
            if !(60..=MAX_SESSION_SECS).contains(&step.delay_secs) {
                return Err(CoreError::invalid(
                    "ladder_delay_out_of_range",
                    &format!("safety_config.ladder[{i}].delay_secs"),
                    format!(
                        "단계 지연은 1분~12시간이어야 합니다 (입력: {}초)",
                        step.delay_secs
                    ),
                    format!(
                        "a step delay must be 1 min – 12 h (got {} s)",
                        step.delay_secs
                    ),
                ));
            }
            if step.target != LadderTarget::Partner && step.contacts.is_empty() {
                return Err(CoreError::invalid(
                    "ladder_step_without_contacts",
                    &format!("safety_config.ladder[{i}].contacts"),
                    format!("{} 단계에 연락처가 없습니다", step.target.label_ko()),
                    format!("the {} step has no contacts", step.target.label_en()),
                ));
            }
            for (j, c) in step.contacts.iter().enumerate() {
                if !is_phone(&c.phone) {
                    return Err(CoreError::invalid(
                        "contact_phone_invalid",
                        &format!("safety_config.ladder[{i}].contacts[{j}].phone"),
                        format!("전화번호 형식이 잘못되었습니다: {:?}", c.phone),
                        format!("invalid phone number: {:?}", c.phone),
                    ));
                }
            }
        }
        for (field, v) in [
            (
                "safety_config.overdue_recheck_secs",
                self.overdue_recheck_secs,
            ),
            ("safety_config.alarm_repeat_secs", self.alarm_repeat_secs),
        ] {
            if !(60..=MAX_SESSION_SECS).contains(&v) {
                return Err(CoreError::invalid(
                    "interval_out_of_range",
                    field,
                    format!("간격은 1분~12시간이어야 합니다 (입력: {v}초)"),
                    format!("the interval must be 1 min – 12 h (got {v} s)"),
                ));
            }
        }
        Ok(())
    }
}

/// Digits with optional dashes or a leading `+`, 3–20 characters (112, 010-1234-5678, +82-10-…).
pub(crate) fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (3..=20).contains(&s.len())
        && digits >= 3
        && s.char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == '-' || (c == '+' && i == 0))
}
