//! Natural-disaster advisories (자연재해 시 방문업무 자제 권고, seed 001 §6).
//!
//! A district declares an advisory with a reason and a period. Starting a session in that district during
//! the period is refused unless the starter gives an override reason, which is recorded in the start
//! event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Id;
use crate::{CoreError, CoreResult};

/// A district-level advisory against field visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisasterAdvisory {
    pub id: Id,
    /// The district (구) org unit.
    pub district_id: Id,
    /// e.g. "호우경보" (heavy-rain warning).
    pub reason: String,
    pub from: DateTime<Utc>,
    /// Exclusive end.
    pub until: DateTime<Utc>,
}

impl DisasterAdvisory {
    pub fn new(
        id: Id,
        district_id: Id,
        reason: impl Into<String>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> CoreResult<Self> {
        let reason = reason.into();
        if reason.trim().is_empty() {
            return Err(CoreError::invalid(
                "advisory_reason_required",
                "advisory.reason",
                "방문 자제 권고에는 사유가 필요합니다",
                "an advisory needs a reason",
            ));
        }
        if until <= from {
            return Err(CoreError::invalid(
                "advisory_period_invalid",
                "advisory.until",
                "권고 종료 시각이 시작 시각보다 빠르거나 같습니다",
                "the advisory ends before (or when) it starts",
            ));
        }
        Ok(DisasterAdvisory {
            id,
            district_id,
            reason,
            from,
            until,
        })
    }

    /// In force for `district_id` at `now` (from inclusive, until exclusive).
    pub fn applies(&self, district_id: Id, now: DateTime<Utc>) -> bool {
        self.district_id == district_id && self.from <= now && now < self.until
    }
}
