//! Organisation units repository: city → district → 동 → team.

use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{get_id, get_opt_id};
use super::Store;
use crate::model::validate::{required_text, NAME_MAX_CHARS};
use crate::model::{new_id, Id, OrgUnit, OrgUnitKind};
use crate::{CoreError, CoreResult};

pub struct OrgUnits<'a>(pub(super) &'a Store);

const COLUMNS: &str = "id, kind, name, parent_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrgUnit> {
    Ok(OrgUnit {
        id: get_id(r, 0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        parent_id: get_opt_id(r, 3)?,
    })
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<OrgUnit>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM org_units WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

pub(crate) fn all(conn: &Connection) -> CoreResult<Vec<OrgUnit>> {
    let mut st = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM org_units ORDER BY id"))?;
    let rows = st.query_map([], from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The unit, which must exist and be of `kind`.
pub(crate) fn require(
    conn: &Connection,
    id: Id,
    kind: OrgUnitKind,
    field: &str,
) -> CoreResult<OrgUnit> {
    let unit = get(conn, id)?.ok_or_else(|| CoreError::not_found("org_unit", id))?;
    if unit.kind != kind {
        return Err(CoreError::invalid(
            "wrong_org_unit_kind",
            field,
            format!(
                "{field}: {}이(가) 아니라 {}입니다",
                kind.label_ko(),
                unit.kind.label_ko()
            ),
            format!(
                "{field}: expected a {}, found a {}",
                kind.label_en(),
                unit.kind.label_en()
            ),
        ));
    }
    Ok(unit)
}

impl OrgUnits<'_> {
    /// Creates a unit under `parent_id`; the parent must be the level above (a city has none).
    pub fn create(
        &self,
        kind: OrgUnitKind,
        name: &str,
        parent_id: Option<Id>,
    ) -> CoreResult<OrgUnit> {
        let name = required_text("org_unit.name", name, NAME_MAX_CHARS)?;
        self.0.write_synced(|tx, cap| {
            match (kind.parent_kind(), parent_id) {
                (None, None) => {}
                (Some(pk), Some(pid)) => {
                    require(tx, pid, pk, "org_unit.parent_id")?;
                }
                (None, Some(_)) => {
                    return Err(CoreError::invalid(
                        "city_has_no_parent",
                        "org_unit.parent_id",
                        "시는 상위 조직을 가질 수 없습니다",
                        "a city has no parent unit",
                    ))
                }
                (Some(pk), None) => {
                    return Err(CoreError::invalid(
                        "parent_required",
                        "org_unit.parent_id",
                        format!(
                            "{}에는 상위 {}이(가) 필요합니다",
                            kind.label_ko(),
                            pk.label_ko()
                        ),
                        format!("a {} needs a parent {}", kind.label_en(), pk.label_en()),
                    ))
                }
            }
            let unit = OrgUnit {
                id: new_id(),
                kind,
                name,
                parent_id,
            };
            tx.execute(
                "INSERT INTO org_units (id, kind, name, parent_id) VALUES (?1, ?2, ?3, ?4)",
                params![
                    unit.id.to_string(),
                    unit.kind,
                    unit.name,
                    unit.parent_id.map(|p| p.to_string())
                ],
            )?;
            cap.upsert(tx, "org_units", unit.id, None)?;
            Ok(unit)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<OrgUnit> {
        self.0
            .read(|tx| get(tx, id))?
            .ok_or_else(|| CoreError::not_found("org_unit", id))
    }

    /// Every unit held, by id.
    pub fn all(&self) -> CoreResult<Vec<OrgUnit>> {
        self.0.read(|tx| all(tx))
    }

    /// Direct children of a unit, by name.
    pub fn children(&self, id: Id) -> CoreResult<Vec<OrgUnit>> {
        self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM org_units WHERE parent_id = ?1 ORDER BY name, id"
            ))?;
            let rows = st.query_map([id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}
