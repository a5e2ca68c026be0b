//! Workers repository.

use rusqlite::{params, Connection, OptionalExtension};

use super::conv::{canonical, codes, get_codes, get_id};
use super::Store;
use crate::model::validate::{optional_phone, required_text, NAME_MAX_CHARS};
use crate::model::{new_id, Id, OrgUnitKind, Role, Worker};
use crate::{CoreError, CoreResult};

pub struct Workers<'a>(pub(super) &'a Store);

/// What is needed to register a worker.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewWorker {
    pub team_id: Id,
    pub name: String,
    pub roles: Vec<Role>,
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phone: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, team_id, name, roles, phone, active";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Worker> {
    Ok(Worker {
        id: get_id(r, 0)?,
        team_id: get_id(r, 1)?,
        name: r.get(2)?,
        roles: get_codes(r, 3)?,
        phone: r.get(4)?,
        active: r.get(5)?,
    })
}

pub(crate) fn get(conn: &Connection, id: Id) -> CoreResult<Option<Worker>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM workers WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?)
}

pub(crate) fn require(conn: &Connection, id: Id) -> CoreResult<Worker> {
    get(conn, id)?.ok_or_else(|| CoreError::not_found("worker", id))
}

impl Workers<'_> {
    pub fn create(&self, new: NewWorker) -> CoreResult<Worker> {
        let name = required_text("worker.name", &new.name, NAME_MAX_CHARS)?;
        let phone = optional_phone("worker.phone", new.phone.as_deref())?;
        // Roles keep their order (the first is the main role) but lose duplicates.
        let mut roles: Vec<Role> = Vec::new();
        for r in new.roles {
            if !roles.contains(&r) {
                roles.push(r);
            }
        }
        if roles.is_empty() {
            return Err(CoreError::invalid(
                "role_required",
                "worker.roles",
                "역할을 하나 이상 지정하세요",
                "a worker needs at least one role",
            ));
        }
        self.0.write_synced(|tx, cap| {
            super::org::require(tx, new.team_id, OrgUnitKind::Team, "worker.team_id")?;
            let w = Worker {
                id: new_id(),
                team_id: new.team_id,
                name,
                roles,
                phone,
                active: true,
            };
            tx.execute(
                "INSERT INTO workers (id, team_id, name, roles, phone, active) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                params![w.id.to_string(), w.team_id.to_string(), w.name, codes(&w.roles), w.phone],
            )?;
            cap.upsert(tx, "workers", w.id, None)?;
            Ok(w)
        })
    }

    pub fn get(&self, id: Id) -> CoreResult<Worker> {
        self.0.read(|tx| require(tx, id))
    }

    /// The team's workers, by name.
    pub fn by_team(&self, team_id: Id) -> CoreResult<Vec<Worker>> {
        self.0.read(|tx| {
            let mut st = tx.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM workers WHERE team_id = ?1 ORDER BY name, id"
            ))?;
            let rows = st.query_map([team_id.to_string()], from_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// A worker who leaves keeps their history but is no longer assigned.
    pub fn set_active(&self, id: Id, active: bool) -> CoreResult<()> {
        self.0.write_synced(|tx, cap| {
            require(tx, id)?;
            let before = cap.before(tx, "workers", id)?;
            tx.execute(
                "UPDATE workers SET active = ?2 WHERE id = ?1",
                params![id.to_string(), active],
            )?;
            cap.upsert(tx, "workers", id, before)?;
            Ok(())
        })
    }
}

/// Roles as a canonical set (sorted), for comparisons.
pub fn role_set(roles: &[Role]) -> Vec<Role> {
    canonical(roles)
}
