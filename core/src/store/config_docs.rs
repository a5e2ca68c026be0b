//! Configuration the server published, as this device holds it (배포된 설정): the documents come in by
//! sync (`crate::sync::config_docs`) and live in the merge state; this module picks the one that
//! applies to a unit and turns it into the configured type. A document that fails its checks is
//! skipped (the next one up the org tree, or the built-in default, applies) and reported.

use std::str::FromStr;

use super::device_sync::records;
use super::Store;
use crate::eligibility::ParameterRegistry;
use crate::model::Id;
use crate::safety::{DisasterAdvisory, TeamSafetyConfig};
use crate::schedule::CadenceConfig;
use crate::sync::config_docs::{
    ancestry, applying, body_error, check_body, nearest, ConfigDocument, ConfigKind, ENTITY,
};
use crate::sync::RecordState;
use crate::CoreResult;

/// Read access to the published configuration.
pub struct ConfigDocs<'a> {
    store: &'a Store,
}

impl Store {
    pub fn config_docs(&self) -> ConfigDocs<'_> {
        ConfigDocs { store: self }
    }
}

pub use crate::sync::config_docs::Applied;

impl ConfigDocs<'_> {
    /// Every live configuration document this device holds, oldest publication first.
    pub fn all(&self) -> CoreResult<Vec<ConfigDocument>> {
        let spec = records::spec(ENTITY)?;
        let rows: Vec<(String, RecordState)> = self.store.read(|tx| {
            let mut st = tx.prepare(&format!(
                "SELECT record_id, {} FROM sync_records WHERE entity = ?1 AND state = 'live'",
                records::STATE_COLUMNS
            ))?;
            let mut rows = st.query([ENTITY])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push((r.get(0)?, records::decode(spec, r, 1)?));
            }
            Ok(out)
        })?;
        let mut out = Vec::new();
        for (id, state) in rows {
            let RecordState::Live { fields } = state else {
                continue;
            };
            let text = |k: &str| {
                fields
                    .get(k)
                    .and_then(|f| f.value.as_str())
                    .map(str::to_owned)
            };
            let (Some(kind), Some(unit), Some(body)) =
                (text("kind"), text("unit_id"), text("body"))
            else {
                continue; // not complete yet: another page brings the rest
            };
            let (Ok(kind), Ok(unit_id), Ok(id)) = (
                ConfigKind::from_str(&kind),
                Id::try_parse(&unit),
                Id::try_parse(&id),
            ) else {
                continue; // a kind this version does not know: an older app ignores it
            };
            out.push(ConfigDocument {
                id,
                kind,
                unit_id,
                body,
                published_at: fields
                    .get("published_at")
                    .and_then(|f| f.value.as_i64())
                    .unwrap_or(0),
            });
        }
        out.sort_by_key(|d| (d.published_at, d.id));
        Ok(out)
    }

    /// The unit and its ancestors, nearest first.
    fn chain(&self, unit: Id) -> CoreResult<Vec<Id>> {
        ancestry(unit, |at| {
            self.store.read(|tx| {
                Ok(tx
                    .query_row(
                        "SELECT parent_id FROM org_units WHERE id = ?1",
                        [at.to_string()],
                        |r| r.get::<_, Option<String>>(0),
                    )
                    .ok()
                    .flatten()
                    .and_then(|p| Id::try_parse(&p).ok()))
            })
        })
    }

    /// The documents of `kind` that apply to `unit`, nearest unit first, newest first within a unit.
    fn applying(&self, kind: ConfigKind, unit: Id) -> CoreResult<Vec<ConfigDocument>> {
        let chain = self.chain(unit)?;
        let docs = self.all()?;
        Ok(applying(&docs, kind, &chain).into_iter().cloned().collect())
    }

    /// The nearest valid document of `kind` for `unit`, parsed; the default when none.
    fn nearest<T: serde::de::DeserializeOwned>(
        &self,
        kind: ConfigKind,
        unit: Id,
        default: T,
    ) -> CoreResult<Applied<T>> {
        Ok(nearest(&self.all()?, kind, &self.chain(unit)?, default))
    }

    /// The visit cadence table for a unit (team, 동 or district): the nearest published one, or
    /// the built-in default.
    pub fn cadence(&self, unit: Id) -> CoreResult<Applied<CadenceConfig>> {
        self.nearest(ConfigKind::Cadence, unit, CadenceConfig::default())
    }

    /// A team's safety settings (escalation ladder with its phone numbers, grace): the nearest
    /// published; `None` when none is (the ladder needs real contacts, so there is no default).
    pub fn safety(&self, team: Id) -> CoreResult<Applied<Option<TeamSafetyConfig>>> {
        self.nearest(ConfigKind::SafetyLadder, team, None)
    }

    /// Every valid disaster advisory addressed to the unit or above it (each stands on its own).
    pub fn advisories(&self, unit: Id) -> CoreResult<Applied<Vec<DisasterAdvisory>>> {
        let mut value = Vec::new();
        let mut refused = Vec::new();
        for d in self.applying(ConfigKind::DisasterAdvisory, unit)? {
            match check_body(d.kind, &d.body).and_then(|()| {
                serde_json::from_str::<DisasterAdvisory>(&d.body).map_err(|e| body_error(d.kind, e))
            }) {
                Ok(a) => value.push(a),
                Err(e) => refused.push((d.id, e)),
            }
        }
        Ok(Applied {
            value,
            document: None,
            refused,
        })
    }

    /// The eligibility parameters: the built-in tables plus every published parameter set that
    /// passes the registry's checks, oldest publication first.
    pub fn eligibility(&self) -> CoreResult<Applied<ParameterRegistry>> {
        let mut registry = ParameterRegistry::with_builtin()?;
        let mut refused = Vec::new();
        let mut document = None;
        for d in self
            .all()?
            .into_iter()
            .filter(|d| d.kind == ConfigKind::EligibilityParams)
        {
            // Checked on a copy first: a refused set must leave nothing half-loaded.
            let mut trial = registry.clone();
            match trial.load_json(&d.body) {
                Ok(()) => {
                    registry = trial;
                    document = Some(d.id);
                }
                Err(e) => refused.push((d.id, e)),
            }
        }
        Ok(Applied {
            value: registry,
            document,
            refused,
        })
    }
}
