//! The operator's listings in SQLite ([`Directory`]): one read each, no credential column read.

use rusqlite::Connection;
use uuid::Uuid;

use donghaeng_core::CoreResult;

use super::{uuid_from, SqliteStore};
use crate::store::auth::storage::{stored_privilege, stored_role};
use crate::store::directory::{
    sort_units, stored_kind, DeviceEntry, Directory, UnitEntry, UserEntry,
};
use crate::store::StoreFuture;

fn units(conn: &Connection) -> CoreResult<Vec<UnitEntry>> {
    let mut stmt = conn.prepare("SELECT id, kind, name, parent_id FROM auth_units")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<Vec<u8>>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, name, parent) = row?;
        out.push(UnitEntry {
            unit_id: uuid_from(&id, "auth_units")?,
            kind: stored_kind(&kind)?,
            name,
            parent_id: parent.map(|p| uuid_from(&p, "auth_units")).transpose()?,
        });
    }
    sort_units(&mut out);
    Ok(out)
}

fn users(conn: &Connection, unit: Option<Uuid>) -> CoreResult<Vec<UserEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, login, role, privilege, unit_id FROM auth_users
         WHERE ?1 IS NULL OR unit_id = ?1 ORDER BY name, id",
    )?;
    let rows = stmt.query_map([unit.map(|u| u.as_bytes().to_vec())], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Vec<u8>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, login, role, privilege, unit_id) = row?;
        out.push(UserEntry {
            user_id: uuid_from(&id, "auth_users")?,
            name,
            login,
            role: stored_role(&role)?,
            privilege: stored_privilege(&privilege)?,
            unit_id: uuid_from(&unit_id, "auth_users")?,
        });
    }
    Ok(out)
}

fn devices(conn: &Connection, user: Option<Uuid>) -> CoreResult<Vec<DeviceEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, user_id, enrolled_at_ms, revoked_at_ms FROM devices
         WHERE ?1 IS NULL OR user_id = ?1 ORDER BY enrolled_at_ms, id",
    )?;
    let rows = stmt.query_map([user.map(|u| u.as_bytes().to_vec())], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, user_id, enrolled_at_ms, revoked_at_ms) = row?;
        out.push(DeviceEntry {
            device_id: uuid_from(&id, "devices")?,
            user_id: uuid_from(&user_id, "devices")?,
            enrolled_at_ms,
            revoked_at_ms,
        });
    }
    Ok(out)
}

impl Directory for SqliteStore {
    fn list_units(&self) -> StoreFuture<'_, Vec<UnitEntry>> {
        self.read(units)
    }

    fn list_users(&self, unit_id: Option<Uuid>) -> StoreFuture<'_, Vec<UserEntry>> {
        self.read(move |conn| users(conn, unit_id))
    }

    fn list_devices(&self, user_id: Option<Uuid>) -> StoreFuture<'_, Vec<DeviceEntry>> {
        self.read(move |conn| devices(conn, user_id))
    }
}
