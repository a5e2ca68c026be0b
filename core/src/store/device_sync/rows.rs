//! The tables' rows as a projection of the merge state (행 반영), and the rows read back as sync
//! fields (for capture).
//!
//! Entity names are table names and field names column names (`crate::sync::entity`), so one generic
//! statement per entity serves every table. `visit_workers` is the exception: one sync record per
//! visit whose fields are worker ids (`true` = assigned), projected onto (visit, worker) rows.

use std::collections::BTreeSet;

use rusqlite::{params, params_from_iter, Connection, ErrorCode, OptionalExtension};
use serde_json::Value;
use uuid::Uuid;

use super::values::{to_json, to_sql};
use crate::sync::entity::FieldSet;
use crate::sync::{EntitySpec, Fields};
use crate::CoreResult;

/// The entity whose records are visit assignments.
pub const VISIT_WORKERS: &str = "visit_workers";

/// Whether the entity has a table in this store (configuration documents never do: their records
/// live only in the merge state).
pub fn has_table(spec: &EntitySpec) -> bool {
    !matches!(spec.fields, FieldSet::Document(_))
}

fn named(spec: &EntitySpec) -> &'static [&'static str] {
    match spec.fields {
        FieldSet::Named(names) => names,
        _ => &[],
    }
}

/// The row of a record as sync fields (every synced column, nulls included), or `None` if there is
/// no row. For `visit_workers`, the visit's assigned workers, each `true`.
pub fn read(conn: &Connection, spec: &EntitySpec, id: Uuid) -> CoreResult<Option<Fields>> {
    if spec.name == VISIT_WORKERS {
        let mut st = conn.prepare_cached(
            "SELECT worker_id FROM visit_workers WHERE visit_id = ?1 ORDER BY worker_id",
        )?;
        let mut rows = st.query([id.to_string()])?;
        let mut out = Fields::new();
        while let Some(r) = rows.next()? {
            out.insert(r.get::<_, String>(0)?, Value::Bool(true));
        }
        return Ok(Some(out));
    }
    let names = named(spec);
    if names.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1",
        names.join(", "),
        spec.name
    );
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query([id.to_string()])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let mut out = Fields::new();
    for (i, name) in names.iter().enumerate() {
        out.insert((*name).to_owned(), to_json(r.get_ref(i)?, name)?);
    }
    Ok(Some(out))
}

/// Whether a SQLite error is a constraint refusal (NOT NULL, CHECK, STRICT type, UNIQUE): the
/// statement was undone, the transaction goes on.
fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// Writes the row of a live record from all its merged fields (insert or update). Returns `false`
/// when a constraint refuses the merged state — a record whose create has not arrived yet (a NOT
/// NULL column missing), or two concurrent edits that merged into a pair a CHECK refuses. The row
/// then stays as it was (absent, or its last valid state) until a later change makes it valid; the
/// merge state keeps every field regardless, so nothing is lost and every replica agrees on it.
pub fn write_live(
    conn: &Connection,
    spec: &EntitySpec,
    id: Uuid,
    fields: &Fields,
) -> CoreResult<bool> {
    if spec.name == VISIT_WORKERS {
        write_assignments(conn, id, fields)?;
        return Ok(true);
    }
    if !has_table(spec) {
        return Ok(true);
    }
    let cols: Vec<&str> = fields
        .keys()
        .map(String::as_str)
        .filter(|k| spec.has_field(k))
        .collect();
    let placeholders: Vec<String> = (2..cols.len() + 2).map(|i| format!("?{i}")).collect();
    let sql = if cols.is_empty() {
        format!(
            "INSERT INTO {} (id) VALUES (?1) ON CONFLICT(id) DO NOTHING",
            spec.name
        )
    } else {
        let updates: Vec<String> = cols.iter().map(|c| format!("{c} = excluded.{c}")).collect();
        format!(
            "INSERT INTO {t} (id, {c}) VALUES (?1, {p}) ON CONFLICT(id) DO UPDATE SET {u}",
            t = spec.name,
            c = cols.join(", "),
            p = placeholders.join(", "),
            u = updates.join(", ")
        )
    };
    let values = std::iter::once(rusqlite::types::Value::Text(id.to_string())).chain(
        cols.iter()
            .map(|c| fields.get(*c).map_or(rusqlite::types::Value::Null, to_sql)),
    );
    match conn.prepare_cached(&sql)?.execute(params_from_iter(values)) {
        Ok(_) => Ok(true),
        Err(e) if is_constraint(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Writes an append-only record's row (replacing an earlier copy with the same id). `false` when a
/// constraint refuses it (see [`write_live`]).
pub fn write_appended(
    conn: &Connection,
    spec: &EntitySpec,
    id: Uuid,
    record: &Fields,
) -> CoreResult<bool> {
    if !has_table(spec) {
        return Ok(true);
    }
    let cols: Vec<&str> = record
        .keys()
        .map(String::as_str)
        .filter(|k| spec.has_field(k))
        .collect();
    let placeholders: Vec<String> = (1..=cols.len() + 1).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT OR REPLACE INTO {} (id{}{}) VALUES ({})",
        spec.name,
        if cols.is_empty() { "" } else { ", " },
        cols.join(", "),
        placeholders.join(", ")
    );
    let values = std::iter::once(rusqlite::types::Value::Text(id.to_string())).chain(
        cols.iter()
            .map(|c| record.get(*c).map_or(rusqlite::types::Value::Null, to_sql)),
    );
    match conn.prepare_cached(&sql)?.execute(params_from_iter(values)) {
        Ok(_) => Ok(true),
        Err(e) if is_constraint(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Removes the row of a deleted (or purged) record.
pub fn delete(conn: &Connection, spec: &EntitySpec, id: Uuid) -> CoreResult<()> {
    if spec.name == VISIT_WORKERS {
        conn.prepare_cached("DELETE FROM visit_workers WHERE visit_id = ?1")?
            .execute([id.to_string()])?;
    } else if has_table(spec) {
        conn.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", spec.name))?
            .execute([id.to_string()])?;
    }
    Ok(())
}

/// The assignment rows of a visit from its merged fields: a worker is assigned when its field is
/// `true`. `window_start` is copied from the visit (0 until the visit's row arrives; see
/// [`refresh_assignment_windows`]).
fn write_assignments(conn: &Connection, visit_id: Uuid, fields: &Fields) -> CoreResult<()> {
    let visit = visit_id.to_string();
    conn.prepare_cached("DELETE FROM visit_workers WHERE visit_id = ?1")?
        .execute([&visit])?;
    let mut st = conn.prepare_cached(
        "INSERT OR IGNORE INTO visit_workers (visit_id, worker_id, window_start)
         VALUES (?1, ?2, COALESCE((SELECT window_start FROM visits WHERE id = ?1), 0))",
    )?;
    for (worker, assigned) in fields {
        if assigned == &Value::Bool(true) {
            st.execute(params![visit, worker])?;
        }
    }
    Ok(())
}

/// Copies each visit's `window_start` onto its assignment rows (a derived column).
pub fn refresh_assignment_windows(conn: &Connection, visits: &BTreeSet<Uuid>) -> CoreResult<()> {
    let mut st = conn.prepare_cached(
        "UPDATE visit_workers SET window_start = (SELECT window_start FROM visits WHERE id = ?1)
          WHERE visit_id = ?1 AND EXISTS (SELECT 1 FROM visits WHERE id = ?1)",
    )?;
    for v in visits {
        st.execute([v.to_string()])?;
    }
    Ok(())
}

/// The household a row points at, if the row exists (to refresh the old household's search text
/// when a person moves).
pub fn household_of(conn: &Connection, table: &str, id: Uuid) -> CoreResult<Option<Uuid>> {
    let s: Option<Option<String>> = conn
        .prepare_cached(&format!("SELECT household_id FROM {table} WHERE id = ?1"))?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(s.flatten().and_then(|s| Uuid::try_parse(&s).ok()))
}
