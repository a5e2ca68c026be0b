//! The operator's listings in PostgreSQL ([`Directory`]): one statement each, no credential
//! column read.

use uuid::Uuid;

use donghaeng_core::CoreResult;

use super::{pg_error, PgStore};
use crate::store::auth::storage::{stored_privilege, stored_role};
use crate::store::directory::{
    sort_units, stored_kind, DeviceEntry, Directory, UnitEntry, UserEntry,
};
use crate::store::StoreFuture;

impl PgStore {
    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> CoreResult<Vec<tokio_postgres::Row>> {
        let client = self.client().await?;
        client.query(sql, params).await.map_err(pg_error)
    }
}

impl Directory for PgStore {
    fn list_units(&self) -> StoreFuture<'_, Vec<UnitEntry>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for r in self
                .rows("SELECT id, kind, name, parent_id FROM auth_units", &[])
                .await?
            {
                let kind: String = r.get(1);
                out.push(UnitEntry {
                    unit_id: r.get(0),
                    kind: stored_kind(&kind)?,
                    name: r.get(2),
                    parent_id: r.get(3),
                });
            }
            sort_units(&mut out);
            Ok(out)
        })
    }

    fn list_users(&self, unit_id: Option<Uuid>) -> StoreFuture<'_, Vec<UserEntry>> {
        Box::pin(async move {
            let mut out = Vec::new();
            // COLLATE "C": the same byte order as SQLite's, so both stores list alike.
            for r in self
                .rows(
                    "SELECT id, name, login, role, privilege, unit_id FROM auth_users
                     WHERE $1::uuid IS NULL OR unit_id = $1 ORDER BY name COLLATE \"C\", id",
                    &[&unit_id],
                )
                .await?
            {
                let role: String = r.get(3);
                let privilege: String = r.get(4);
                out.push(UserEntry {
                    user_id: r.get(0),
                    name: r.get(1),
                    login: r.get(2),
                    role: stored_role(&role)?,
                    privilege: stored_privilege(&privilege)?,
                    unit_id: r.get(5),
                });
            }
            Ok(out)
        })
    }

    fn list_devices(&self, user_id: Option<Uuid>) -> StoreFuture<'_, Vec<DeviceEntry>> {
        Box::pin(async move {
            let rows = self
                .rows(
                    "SELECT id, user_id, enrolled_at_ms, revoked_at_ms FROM devices
                     WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY enrolled_at_ms, id",
                    &[&user_id],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| DeviceEntry {
                    device_id: r.get(0),
                    user_id: r.get(1),
                    enrolled_at_ms: r.get(2),
                    revoked_at_ms: r.get(3),
                })
                .collect())
        })
    }
}
