//! Configuration that travels by sync (설정 배포): a district's cadence table, a team's escalation
//! ladder, a disaster advisory, an eligibility parameter set the city publishes. Each is a
//! `config_documents` record the server writes (never a device), addressed to an org unit: it applies
//! to every device whose user works in that unit or under it, the nearest unit winning.
//!
//! The body is the JSON of the core type it configures, checked here with that type's own
//! validation — by the server before publishing, and again by the device before using it, so a bad
//! document is refused with a clear error and the previous settings stay.

use serde::{Deserialize, Serialize};

use crate::eligibility::ParameterRegistry;
use crate::model::Id;
use crate::safety::{DisasterAdvisory, TeamSafetyConfig};
use crate::schedule::CadenceConfig;
use crate::{CoreError, CoreResult};

/// The entity name of configuration documents.
pub const ENTITY: &str = "config_documents";

crate::code_enum! {
    /// What a configuration document configures.
    pub enum ConfigKind: "config.kind" {
        Cadence = ("cadence", "방문 주기표", "visit cadence table"),
        SafetyLadder = ("safety_ladder", "안전 비상연락 단계", "safety escalation ladder"),
        DisasterAdvisory = ("disaster_advisory", "자연재해 방문 자제 권고", "natural-disaster advisory"),
        EligibilityParams = ("eligibility_params", "복지사업 기준표", "eligibility parameter set"),
    }
}

/// One published document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigDocument {
    pub id: Id,
    pub kind: ConfigKind,
    /// The org unit it is addressed to.
    pub unit_id: Id,
    /// The JSON of the configured type.
    pub body: String,
    /// When the server published it (ms since the epoch, UTC).
    pub published_at: i64,
}

/// Checks a body for its kind with the configured type's own rules.
pub fn check_body(kind: ConfigKind, body: &str) -> CoreResult<()> {
    let bad = |e: serde_json::Error| {
        CoreError::invalid(
            "config_body_invalid",
            "body",
            format!("{} 문서를 읽을 수 없습니다: {e}", kind.label_ko()),
            format!("the {} document cannot be read: {e}", kind.label_en()),
        )
    };
    match kind {
        ConfigKind::Cadence => serde_json::from_str::<CadenceConfig>(body)
            .map_err(bad)?
            .validate(),
        ConfigKind::SafetyLadder => serde_json::from_str::<TeamSafetyConfig>(body)
            .map_err(bad)?
            .validate(),
        ConfigKind::DisasterAdvisory => {
            let a: DisasterAdvisory = serde_json::from_str(body).map_err(bad)?;
            // The constructor holds the rules (a reason, a period that ends after it starts).
            DisasterAdvisory::new(a.id, a.district_id, a.reason, a.from, a.until).map(|_| ())
        }
        ConfigKind::EligibilityParams => ParameterRegistry::with_builtin()?.load_json(body),
    }
}
