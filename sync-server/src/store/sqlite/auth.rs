//! The auth storage steps in SQLite ([`AuthStorage`]); the rules are `crate::store::auth::rules`.
//! Writes go through the one writer connection, so a step's statements never interleave with
//! another's; reads use the pooled readers.

use rusqlite::types::FromSql;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use donghaeng_core::model::OrgUnitKind;
use donghaeng_core::CoreResult;

use super::{uuid_from, SqliteStore};
use crate::store::auth::storage::{
    stored_count, stored_privilege, stored_role, AccountKey, AuthStorage, CodeRow, DeviceRow,
    LoginState, NewDevice, SetLoginOutcome, SpendOutcome, TokenRow,
};
use crate::store::{Privilege, StoreFuture, TokenOwner, UserInfo, WebAccount, WebSession};

fn blob(id: Uuid) -> Vec<u8> {
    id.as_bytes().to_vec()
}

/// The first six columns of a row.
fn six<A, B, C, D, E, F>(r: &rusqlite::Row<'_>) -> rusqlite::Result<(A, B, C, D, E, F)>
where
    A: FromSql,
    B: FromSql,
    C: FromSql,
    D: FromSql,
    E: FromSql,
    F: FromSql,
{
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn exists(conn: &Connection, sql: &str, key: &[u8]) -> CoreResult<bool> {
    Ok(conn.query_row(sql, [key], |_| Ok(())).optional()?.is_some())
}

impl AuthStorage for SqliteStore {
    fn unit_kind(&self, id: Uuid) -> StoreFuture<'_, Option<String>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT kind FROM auth_units WHERE id = ?1",
                    [blob(id)],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    fn insert_unit(
        &self,
        id: Uuid,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "INSERT INTO auth_units (id, kind, name, parent_id) VALUES (?1, ?2, ?3, ?4)",
                params![blob(id), kind.code(), name, parent_id.map(blob)],
            )?;
            Ok(())
        })
    }

    fn user_exists(&self, id: Uuid) -> StoreFuture<'_, bool> {
        self.read(move |conn| exists(conn, "SELECT 1 FROM auth_users WHERE id = ?1", &blob(id)))
    }

    fn insert_user(&self, user: UserInfo) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "INSERT INTO auth_users (id, unit_id, name, role) VALUES (?1, ?2, ?3, ?4)",
                params![
                    blob(user.id),
                    blob(user.unit_id),
                    user.name,
                    user.role.code()
                ],
            )?;
            Ok(())
        })
    }

    fn is_user_or_unit(&self, id: Uuid) -> StoreFuture<'_, bool> {
        self.read(move |conn| {
            exists(
                conn,
                "SELECT 1 FROM auth_users WHERE id = ?1 UNION ALL SELECT 1 FROM auth_units WHERE id = ?1",
                &blob(id),
            )
        })
    }

    fn insert_code(
        &self,
        code_hash: Vec<u8>,
        user_id: Uuid,
        expires_at_ms: i64,
    ) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "INSERT INTO enrolment_codes (code_hash, user_id, expires_at_ms) VALUES (?1, ?2, ?3)",
                params![code_hash, blob(user_id), expires_at_ms],
            )?;
            Ok(())
        })
    }

    fn code(&self, code_hash: Vec<u8>) -> StoreFuture<'_, Option<CodeRow>> {
        self.read(move |conn| {
            type Row = (
                Vec<u8>,
                String,
                i64,
                Option<i64>,
                Option<Vec<u8>>,
                Option<Vec<u8>>,
            );
            let row: Option<Row> = conn
                .query_row(
                    "SELECT c.user_id, u.role, c.expires_at_ms, c.used_at_ms, c.device_id,
                            c.retry_key_hash
                     FROM enrolment_codes c JOIN auth_users u ON u.id = c.user_id
                     WHERE c.code_hash = ?1",
                    [code_hash],
                    six,
                )
                .optional()?;
            let Some((user, role, expires_at_ms, used_at_ms, device, retry_key_hash)) = row else {
                return Ok(None);
            };
            Ok(Some(CodeRow {
                user_id: uuid_from(&user, "enrolment_codes")?,
                role: stored_role(&role)?,
                expires_at_ms,
                used_at_ms,
                device_id: device
                    .map(|d| uuid_from(&d, "enrolment_codes"))
                    .transpose()?,
                retry_key_hash,
            }))
        })
    }

    fn spend_code(&self, new: NewDevice) -> StoreFuture<'_, SpendOutcome> {
        self.write(move |conn, _| {
            let tx = conn.transaction()?;
            let spent = tx.execute(
                "UPDATE enrolment_codes SET used_at_ms = ?2, device_id = ?3, retry_key_hash = ?4
                 WHERE code_hash = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2",
                params![
                    new.code_hash,
                    new.now_ms,
                    blob(new.device_id),
                    new.retry_key_hash
                ],
            )?;
            if spent != 1 {
                return Ok(SpendOutcome::CodeUnusable);
            }
            let inserted = tx.execute(
                "INSERT INTO devices (id, user_id, secret_hash, enrolled_at_ms)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
                params![
                    blob(new.device_id),
                    blob(new.user_id),
                    new.secret_hash,
                    new.now_ms
                ],
            )?;
            if inserted != 1 {
                // Dropping the transaction leaves the code unspent.
                return Ok(SpendOutcome::DeviceTaken);
            }
            tx.commit()?;
            Ok(SpendOutcome::Enrolled)
        })
    }

    fn device(&self, id: Uuid) -> StoreFuture<'_, Option<DeviceRow>> {
        self.read(move |conn| {
            let row: Option<(Vec<u8>, Vec<u8>, Option<i64>)> = conn
                .query_row(
                    "SELECT user_id, secret_hash, revoked_at_ms FROM devices WHERE id = ?1",
                    [blob(id)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            row.map(|(user, secret_hash, revoked_at_ms)| {
                Ok(DeviceRow {
                    user_id: uuid_from(&user, "devices")?,
                    secret_hash,
                    revoked_at_ms,
                })
            })
            .transpose()
        })
    }

    fn replace_secret(&self, id: Uuid, secret_hash: Vec<u8>) -> StoreFuture<'_, bool> {
        self.write(move |conn, _| {
            let n = conn.execute(
                "UPDATE devices SET secret_hash = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL",
                params![blob(id), secret_hash],
            )?;
            Ok(n == 1)
        })
    }

    fn revoke_device(&self, id: Uuid, now_ms: i64) -> StoreFuture<'_, bool> {
        self.write(move |conn, _| {
            let n = conn.execute(
                "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?2) WHERE id = ?1",
                params![blob(id), now_ms],
            )?;
            Ok(n == 1)
        })
    }

    fn insert_token(
        &self,
        token_hash: Vec<u8>,
        device_id: Uuid,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> StoreFuture<'_, bool> {
        self.write(move |conn, _| {
            let tx = conn.transaction()?;
            // Expired tokens are useless: drop them as new ones are issued, so the table stays small.
            tx.execute(
                "DELETE FROM access_tokens WHERE expires_at_ms <= ?1",
                [now_ms],
            )?;
            let n = tx.execute(
                "INSERT INTO access_tokens (token_hash, device_id, expires_at_ms)
                 SELECT ?1, id, ?3 FROM devices WHERE id = ?2 AND revoked_at_ms IS NULL",
                params![token_hash, blob(device_id), expires_at_ms],
            )?;
            tx.commit()?;
            Ok(n == 1)
        })
    }

    fn token(&self, token_hash: Vec<u8>) -> StoreFuture<'_, Option<TokenRow>> {
        self.read(move |conn| {
            type Row = (Vec<u8>, Vec<u8>, i64, Option<i64>, String, Vec<u8>);
            // Every request is authenticated here: the statement is kept with the connection
            // (preparing the join was half of a token check).
            let row: Option<Row> = conn
                .prepare_cached(
                    "SELECT d.id, d.user_id, t.expires_at_ms, d.revoked_at_ms, u.role, u.unit_id
                     FROM access_tokens t JOIN devices d ON d.id = t.device_id
                     JOIN auth_users u ON u.id = d.user_id
                     WHERE t.token_hash = ?1",
                )?
                .query_row([token_hash], six)
                .optional()?;
            let Some((device, user, expires_at_ms, revoked_at_ms, role, unit)) = row else {
                return Ok(None);
            };
            Ok(Some(TokenRow {
                owner: TokenOwner {
                    device_id: uuid_from(&device, "devices")?,
                    user_id: uuid_from(&user, "devices")?,
                    role: stored_role(&role)?,
                    unit_id: uuid_from(&unit, "auth_users")?,
                },
                expires_at_ms,
                revoked_at_ms,
            }))
        })
    }

    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, bool> {
        self.write(move |conn, _| {
            let n = conn.execute(
                "UPDATE auth_users SET privilege = ?2 WHERE id = ?1",
                params![blob(user_id), privilege.code()],
            )?;
            Ok(n == 1)
        })
    }

    fn user_with_login(&self, login: String) -> StoreFuture<'_, Option<Uuid>> {
        self.read(move |conn| {
            let id: Option<Vec<u8>> = conn
                .query_row("SELECT id FROM auth_users WHERE login = ?1", [login], |r| {
                    r.get(0)
                })
                .optional()?;
            id.map(|i| uuid_from(&i, "auth_users")).transpose()
        })
    }

    fn set_login(
        &self,
        user_id: Uuid,
        login: String,
        password_hash: String,
    ) -> StoreFuture<'_, SetLoginOutcome> {
        self.write(move |conn, _| {
            let tx = conn.transaction()?;
            let updated = tx.execute(
                "UPDATE auth_users SET login = ?2, password_hash = ?3, failed_logins = 0,
                 locked_until_ms = NULL WHERE id = ?1",
                params![blob(user_id), login, password_hash],
            );
            match updated {
                Ok(1) => {}
                Ok(_) => return Ok(SetLoginOutcome::NoSuchUser),
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    return Ok(SetLoginOutcome::LoginTaken)
                }
                Err(e) => return Err(e.into()),
            }
            // A new password ends every session opened with the old one.
            tx.execute(
                "DELETE FROM web_sessions WHERE user_id = ?1",
                [blob(user_id)],
            )?;
            tx.commit()?;
            Ok(SetLoginOutcome::Done)
        })
    }

    fn account(&self, key: AccountKey) -> StoreFuture<'_, Option<WebAccount>> {
        self.read(move |conn| match key {
            AccountKey::Login(login) => account_where(conn, "u.login = ?1", &login),
            AccountKey::User(id) => account_where(conn, "u.id = ?1", &blob(id)),
        })
    }

    fn swap_login_state(
        &self,
        user_id: Uuid,
        from: LoginState,
        to: LoginState,
    ) -> StoreFuture<'_, bool> {
        self.write(move |conn, _| {
            let n = conn.execute(
                "UPDATE auth_users SET failed_logins = ?4, locked_until_ms = ?5
                 WHERE id = ?1 AND failed_logins = ?2 AND locked_until_ms IS ?3",
                params![
                    blob(user_id),
                    i64::from(from.failed_logins),
                    from.locked_until_ms,
                    i64::from(to.failed_logins),
                    to.locked_until_ms
                ],
            )?;
            Ok(n == 1)
        })
    }

    fn clear_login_state(&self, user_id: Uuid) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "UPDATE auth_users SET failed_logins = 0, locked_until_ms = NULL WHERE id = ?1",
                [blob(user_id)],
            )?;
            Ok(())
        })
    }

    fn insert_session(
        &self,
        token_hash: Vec<u8>,
        user_id: Uuid,
        csrf_token: String,
        now_ms: i64,
    ) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_ms)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![token_hash, blob(user_id), csrf_token, now_ms],
            )?;
            Ok(())
        })
    }

    fn touch_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        cutoff_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>> {
        self.write(move |conn, _| {
            let tx = conn.transaction()?;
            // Idle sessions are useless: drop them as sessions are used, so the table stays small.
            tx.execute(
                "DELETE FROM web_sessions WHERE last_seen_ms <= ?1",
                [cutoff_ms],
            )?;
            let touched = tx.execute(
                "UPDATE web_sessions SET last_seen_ms = ?2 WHERE token_hash = ?1",
                params![token_hash, now_ms],
            )?;
            type Row = (Vec<u8>, Vec<u8>, String, String, String);
            let row: Option<Row> = if touched == 1 {
                tx.query_row(
                    "SELECT u.id, u.unit_id, u.name, u.privilege, s.csrf_token
                     FROM web_sessions s JOIN auth_users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1",
                    [&token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?
            } else {
                None
            };
            tx.commit()?;
            let Some((user, unit, name, privilege, csrf_token)) = row else {
                return Ok(None);
            };
            Ok(Some(WebSession {
                user_id: uuid_from(&user, "web_sessions")?,
                unit_id: uuid_from(&unit, "auth_users")?,
                name,
                privilege: stored_privilege(&privilege)?,
                csrf_token,
            }))
        })
    }

    fn delete_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "DELETE FROM web_sessions WHERE token_hash = ?1",
                [token_hash],
            )?;
            Ok(())
        })
    }
}

fn account_where(
    conn: &Connection,
    condition: &str,
    key: &dyn rusqlite::ToSql,
) -> CoreResult<Option<WebAccount>> {
    type Row = (
        Vec<u8>,
        Vec<u8>,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
        Option<i64>,
    );
    let row: Option<Row> = conn
        .query_row(
            &format!(
                "SELECT u.id, u.unit_id, u.name, u.privilege, u.login, u.password_hash,
                        u.failed_logins, u.locked_until_ms
                 FROM auth_users u WHERE {condition}"
            ),
            [key],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((id, unit, name, privilege, login, password_hash, failed, locked)) = row else {
        return Ok(None);
    };
    Ok(Some(WebAccount {
        user_id: uuid_from(&id, "auth_users")?,
        unit_id: uuid_from(&unit, "auth_users")?,
        name,
        privilege: stored_privilege(&privilege)?,
        login,
        password_hash,
        failed_logins: stored_count(failed),
        locked_until_ms: locked,
    }))
}
