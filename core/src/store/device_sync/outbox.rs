//! The outbox (보낼 변경함): changes made here and not yet acknowledged, oldest stamp first.

use rusqlite::{params, Connection};
use uuid::Uuid;

use crate::sync::Change;
use crate::{CoreError, CoreResult};

fn corrupt(e: impl std::fmt::Display) -> CoreError {
    CoreError::storage(format!("sync_outbox: {e}"))
}

pub fn insert(conn: &Connection, change: &Change) -> CoreResult<()> {
    let body = serde_json::to_string(change).map_err(corrupt)?;
    conn.prepare_cached("INSERT INTO sync_outbox (change_id, hlc, body) VALUES (?1, ?2, ?3)")?
        .execute(params![change.id.to_string(), change.hlc.encode(), body])?;
    Ok(())
}

/// At most `limit` changes (all with `None`), oldest stamp first.
pub fn list(conn: &Connection, limit: Option<usize>) -> CoreResult<Vec<Change>> {
    let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let mut st = conn.prepare_cached("SELECT body FROM sync_outbox ORDER BY hlc LIMIT ?1")?;
    let mut rows = st.query([limit])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let body: String = r.get(0)?;
        out.push(serde_json::from_str(&body).map_err(corrupt)?);
    }
    Ok(out)
}

pub fn len(conn: &Connection) -> CoreResult<u64> {
    // Asked at every sync and by the status screen: the statement is kept with the connection.
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM sync_outbox")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub fn remove(conn: &Connection, id: Uuid) -> CoreResult<()> {
    conn.prepare_cached("DELETE FROM sync_outbox WHERE change_id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

/// Replaces a change by its re-stamped successor (new id, new stamp, same content).
pub fn replace(conn: &Connection, old: Uuid, change: &Change) -> CoreResult<()> {
    let body = serde_json::to_string(change).map_err(corrupt)?;
    conn.prepare_cached(
        "UPDATE sync_outbox SET change_id = ?2, hlc = ?3, body = ?4 WHERE change_id = ?1",
    )?
    .execute(params![
        old.to_string(),
        change.id.to_string(),
        change.hlc.encode(),
        body
    ])?;
    Ok(())
}
