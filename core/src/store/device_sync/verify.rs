//! A consistency check (정합성 점검): do the tables' rows agree with the merge state? For tests and
//! support staff; it reads everything, so it is not for the path of a user action.

use rusqlite::Connection;
use uuid::Uuid;

use super::records;
use super::rows::{self, VISIT_WORKERS};
use crate::sync::replica::RecordState;
use crate::sync::Fields;
use crate::CoreResult;

/// Every disagreement, one line each (empty when rows and merge state agree). A live record whose
/// merged state a constraint refuses (see [`rows::write_live`]) shows here as a missing or stale
/// row: after a complete sync there are none.
pub fn mismatches(conn: &Connection) -> CoreResult<Vec<String>> {
    let mut st = conn.prepare(&format!(
        "SELECT entity, record_id, {} FROM sync_records ORDER BY entity, record_id",
        records::STATE_COLUMNS
    ))?;
    let mut found = Vec::new();
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        let entity: String = r.get(0)?;
        let id: String = r.get(1)?;
        let Some(spec) = crate::sync::entity(&entity) else {
            found.push(format!("{entity} {id}: unknown entity"));
            continue;
        };
        if !rows::has_table(spec) {
            continue;
        }
        let Ok(id) = Uuid::try_parse(&id) else {
            found.push(format!("{entity} {id}: bad id"));
            continue;
        };
        let state = records::decode(spec, r, 2)?;
        let row = rows::read(conn, spec, id)?;
        let expected: Option<Fields> = match state {
            RecordState::Deleted { .. } => None,
            RecordState::Appended { record, .. } => Some(record),
            RecordState::Live { fields } if spec.name == VISIT_WORKERS => Some(
                fields
                    .into_iter()
                    .filter(|(_, v)| v.value == serde_json::Value::Bool(true))
                    .map(|(k, v)| (k, v.value))
                    .collect(),
            ),
            RecordState::Live { fields } => {
                Some(fields.into_iter().map(|(k, v)| (k, v.value)).collect())
            }
        };
        let row = match (&expected, row) {
            // A deleted visit keeps no assignment rows; an empty set reads as "no row".
            (None, Some(r)) if spec.name == VISIT_WORKERS && r.is_empty() => None,
            (_, r) => r,
        };
        match (expected, row) {
            (None, None) => {}
            (None, Some(_)) => found.push(format!("{entity} {id}: deleted but its row exists")),
            (Some(_), None) => found.push(format!("{entity} {id}: no row")),
            (Some(exp), Some(row)) => {
                let wrong: Vec<&String> = if spec.name == VISIT_WORKERS {
                    exp.keys()
                        .chain(row.keys())
                        .filter(|k| exp.get(*k) != row.get(*k))
                        .collect()
                } else {
                    exp.keys().filter(|k| exp.get(*k) != row.get(*k)).collect()
                };
                if !wrong.is_empty() {
                    found.push(format!("{entity} {id}: fields differ: {wrong:?}"));
                }
            }
        }
    }
    Ok(found)
}
