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

/// A setting and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied<T> {
    pub value: T,
    /// The document it came from; `None`: the built-in default.
    pub document: Option<Id>,
    /// Documents that applied but were refused by their checks, with why.
    pub refused: Vec<(Id, CoreError)>,
}

/// The most units an ancestry walk visits (the org tree is city → district → 동 → team).
const MAX_ANCESTRY: usize = 16;

/// A unit and its ancestors, nearest first: `parent` answers one step; the walk stops at the root,
/// after [`MAX_ANCESTRY`] units, or at a unit seen before (a cycle a faulty tree could hold).
pub fn ancestry<E>(
    unit: Id,
    mut parent: impl FnMut(Id) -> Result<Option<Id>, E>,
) -> Result<Vec<Id>, E> {
    let mut chain = vec![unit];
    while chain.len() < MAX_ANCESTRY {
        let Some(up) = parent(chain[chain.len() - 1])? else {
            break;
        };
        if chain.contains(&up) {
            break;
        }
        chain.push(up);
    }
    Ok(chain)
}

/// The documents of `kind` addressed to a unit of `chain` (a unit's [`ancestry`]), nearest unit first,
/// newest first within a unit: the order in which they apply.
pub fn applying<'d>(
    docs: &'d [ConfigDocument],
    kind: ConfigKind,
    chain: &[Id],
) -> Vec<&'d ConfigDocument> {
    let depth = |d: &ConfigDocument| chain.iter().position(|u| *u == d.unit_id);
    let mut out: Vec<&ConfigDocument> = docs
        .iter()
        .filter(|d| d.kind == kind && depth(d).is_some())
        .collect();
    out.sort_by_key(|d| (depth(d), std::cmp::Reverse(d.published_at), d.id));
    out
}

/// The nearest document of `kind` for the unit of `chain` that passes its checks, parsed; `default`
/// when none does. The phone's store and the server's dashboard both choose with this.
pub fn nearest<T: serde::de::DeserializeOwned>(
    docs: &[ConfigDocument],
    kind: ConfigKind,
    chain: &[Id],
    default: T,
) -> Applied<T> {
    let mut refused = Vec::new();
    for d in applying(docs, kind, chain) {
        match check_body(kind, &d.body)
            .and_then(|()| serde_json::from_str::<T>(&d.body).map_err(|e| body_error(kind, e)))
        {
            Ok(value) => {
                return Applied {
                    value,
                    document: Some(d.id),
                    refused,
                }
            }
            Err(e) => refused.push((d.id, e)),
        }
    }
    Applied {
        value: default,
        document: None,
        refused,
    }
}

/// A body that is not the configured type's JSON.
pub fn body_error(kind: ConfigKind, e: serde_json::Error) -> CoreError {
    CoreError::invalid(
        "config_body_invalid",
        "body",
        format!("{} 문서를 읽을 수 없습니다: {e}", kind.label_ko()),
        format!("the {} document cannot be read: {e}", kind.label_en()),
    )
}

/// Checks a body for its kind with the configured type's own rules.
pub fn check_body(kind: ConfigKind, body: &str) -> CoreResult<()> {
    let bad = |e: serde_json::Error| body_error(kind, e);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cadence(id: u128, unit: Id, published_at: i64, crisis_days: u32) -> ConfigDocument {
        let mut c = CadenceConfig::default();
        c.crisis_interval_days[4] = crisis_days;
        ConfigDocument {
            id: Id::from_u128(id),
            kind: ConfigKind::Cadence,
            unit_id: unit,
            body: serde_json::to_string(&c).unwrap(),
            published_at,
        }
    }

    #[test]
    fn the_nearest_valid_document_applies_newest_first_within_a_unit() {
        let (city, district, dong) = (Id::from_u128(1), Id::from_u128(2), Id::from_u128(3));
        let parent = |u: Id| {
            Ok::<_, std::convert::Infallible>(match u.as_u128() {
                3 => Some(district),
                2 => Some(city),
                _ => None,
            })
        };
        let chain = ancestry(dong, parent).unwrap();
        assert_eq!(chain, vec![dong, district, city]);
        let mut broken = cadence(14, district, 300, 5);
        broken.body = "{\"crisis_interval_days\": [1]}".into();
        let docs = vec![
            cadence(10, city, 100, 3),
            cadence(11, district, 100, 4),
            cadence(12, district, 200, 6),
            broken,
        ];
        // The district's newest valid one: the broken newer one is refused and reported.
        let a = nearest(&docs, ConfigKind::Cadence, &chain, CadenceConfig::default());
        assert_eq!(a.value.crisis_interval_days[4], 6);
        assert_eq!(a.document, Some(Id::from_u128(12)));
        assert_eq!(a.refused.len(), 1);
        assert_eq!(a.refused[0].0, Id::from_u128(14));
        // A unit outside the chain: the default.
        let other = ancestry(Id::from_u128(9), parent).unwrap();
        let d = nearest(&docs, ConfigKind::Cadence, &other, CadenceConfig::default());
        assert_eq!((d.document, d.value), (None, CadenceConfig::default()));
        assert!(applying(&docs, ConfigKind::SafetyLadder, &chain).is_empty());
    }

    #[test]
    fn an_ancestry_walk_ends_on_a_cycle() {
        let (a, b) = (Id::from_u128(1), Id::from_u128(2));
        let chain = ancestry(a, |u| {
            Ok::<_, std::convert::Infallible>(Some(if u == a { b } else { a }))
        })
        .unwrap();
        assert_eq!(chain, vec![a, b]);
    }
}
