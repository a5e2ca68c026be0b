//! The auth storage steps in PostgreSQL ([`AuthStorage`]); the rules are
//! `crate::store::auth::rules`, shared with the SQLite store. Several nodes may run a step at once:
//! each is one statement, or one transaction whose first statement decides (row locks do the rest).

use tokio_postgres::error::SqlState;
use uuid::Uuid;

use donghaeng_core::model::OrgUnitKind;
use donghaeng_core::CoreResult;

use super::{pg_error, PgStore};
use crate::store::auth::storage::{
    stored_count, stored_privilege, stored_role, AccountKey, AuthStorage, CodeRow, DeviceRow,
    LoginState, NewDevice, SetLoginOutcome, SpendOutcome, TokenRow,
};
use crate::store::{Privilege, StoreFuture, TokenOwner, UserInfo, WebAccount, WebSession};

const ACCOUNT_SELECT: &str = "SELECT id, unit_id, name, privilege, login, password_hash,
    failed_logins, locked_until_ms FROM auth_users";

fn account_of(row: &tokio_postgres::Row) -> CoreResult<WebAccount> {
    let privilege: String = row.get(3);
    let failed: i32 = row.get(6);
    Ok(WebAccount {
        user_id: row.get(0),
        unit_id: row.get(1),
        name: row.get(2),
        privilege: stored_privilege(&privilege)?,
        login: row.get(4),
        password_hash: row.get(5),
        failed_logins: stored_count(i64::from(failed)),
        locked_until_ms: row.get(7),
    })
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl PgStore {
    /// Runs one statement and returns the rows it changed.
    async fn run(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> CoreResult<u64> {
        let client = self.client().await?;
        client.execute(sql, params).await.map_err(pg_error)
    }

    /// Runs one query and returns its row, if any.
    async fn one(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> CoreResult<Option<tokio_postgres::Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(pg_error)?;
        client.query_opt(&stmt, params).await.map_err(pg_error)
    }
}

impl AuthStorage for PgStore {
    fn unit_kind(&self, id: Uuid) -> StoreFuture<'_, Option<String>> {
        Box::pin(async move {
            let row = self
                .one("SELECT kind FROM auth_units WHERE id = $1", &[&id])
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn insert_unit(
        &self,
        id: Uuid,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run(
                "INSERT INTO auth_units (id, kind, name, parent_id) VALUES ($1, $2, $3, $4)",
                &[&id, &kind.code(), &name, &parent_id],
            )
            .await?;
            Ok(())
        })
    }

    fn user_exists(&self, id: Uuid) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let row = self
                .one("SELECT 1 FROM auth_users WHERE id = $1", &[&id])
                .await?;
            Ok(row.is_some())
        })
    }

    fn insert_user(&self, user: UserInfo) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run(
                "INSERT INTO auth_users (id, unit_id, name, role) VALUES ($1, $2, $3, $4)",
                &[&user.id, &user.unit_id, &user.name, &user.role.code()],
            )
            .await?;
            Ok(())
        })
    }

    fn is_user_or_unit(&self, id: Uuid) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let row = self
                .one(
                    "SELECT EXISTS (SELECT 1 FROM auth_users WHERE id = $1)
                         OR EXISTS (SELECT 1 FROM auth_units WHERE id = $1)",
                    &[&id],
                )
                .await?;
            Ok(row.is_some_and(|r| r.get(0)))
        })
    }

    fn insert_code(
        &self,
        code_hash: Vec<u8>,
        user_id: Uuid,
        expires_at_ms: i64,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run(
                "INSERT INTO enrolment_codes (code_hash, user_id, expires_at_ms) VALUES ($1, $2, $3)",
                &[&code_hash, &user_id, &expires_at_ms],
            )
            .await?;
            Ok(())
        })
    }

    fn code(&self, code_hash: Vec<u8>) -> StoreFuture<'_, Option<CodeRow>> {
        Box::pin(async move {
            let row = self
                .one(
                    "SELECT c.user_id, u.role, c.expires_at_ms, c.used_at_ms, c.device_id,
                            c.retry_key_hash
                     FROM enrolment_codes c JOIN auth_users u ON u.id = c.user_id
                     WHERE c.code_hash = $1",
                    &[&code_hash],
                )
                .await?;
            let Some(row) = row else { return Ok(None) };
            let role: String = row.get(1);
            Ok(Some(CodeRow {
                user_id: row.get(0),
                role: stored_role(&role)?,
                expires_at_ms: row.get(2),
                used_at_ms: row.get(3),
                device_id: row.get(4),
                retry_key_hash: row.get(5),
            }))
        })
    }

    fn spend_code(&self, new: NewDevice) -> StoreFuture<'_, SpendOutcome> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_error)?;
            // The check and the spend are one statement: two nodes racing with one code both wait
            // for the row lock, and the second then finds the code used.
            let spent = tx
                .execute(
                    "UPDATE enrolment_codes SET used_at_ms = $2, device_id = $3, retry_key_hash = $4
                     WHERE code_hash = $1 AND used_at_ms IS NULL AND expires_at_ms > $2",
                    &[
                        &new.code_hash,
                        &new.now_ms,
                        &new.device_id,
                        &new.retry_key_hash,
                    ],
                )
                .await
                .map_err(pg_error)?;
            if spent != 1 {
                return Ok(SpendOutcome::CodeUnusable);
            }
            let inserted = tx
                .execute(
                    "INSERT INTO devices (id, user_id, secret_hash, enrolled_at_ms)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                    &[&new.device_id, &new.user_id, &new.secret_hash, &new.now_ms],
                )
                .await
                .map_err(pg_error)?;
            if inserted != 1 {
                // Dropping the transaction rolls the spent code back.
                return Ok(SpendOutcome::DeviceTaken);
            }
            tx.commit().await.map_err(pg_error)?;
            Ok(SpendOutcome::Enrolled)
        })
    }

    fn device(&self, id: Uuid) -> StoreFuture<'_, Option<DeviceRow>> {
        Box::pin(async move {
            let row = self
                .one(
                    "SELECT user_id, secret_hash, revoked_at_ms FROM devices WHERE id = $1",
                    &[&id],
                )
                .await?;
            Ok(row.map(|r| DeviceRow {
                user_id: r.get(0),
                secret_hash: r.get(1),
                revoked_at_ms: r.get(2),
            }))
        })
    }

    fn replace_secret(&self, id: Uuid, secret_hash: Vec<u8>) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let n = self
                .run(
                    "UPDATE devices SET secret_hash = $2 WHERE id = $1 AND revoked_at_ms IS NULL",
                    &[&id, &secret_hash],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn revoke_device(&self, id: Uuid, now_ms: i64) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let n = self
                .run(
                    "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, $2) WHERE id = $1",
                    &[&id, &now_ms],
                )
                .await?;
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
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_error)?;
            // Expired tokens are useless: drop them as new ones are issued, so the table stays small.
            tx.execute(
                "DELETE FROM access_tokens WHERE expires_at_ms <= $1",
                &[&now_ms],
            )
            .await
            .map_err(pg_error)?;
            let n = tx
                .execute(
                    "INSERT INTO access_tokens (token_hash, device_id, expires_at_ms)
                     SELECT $1, id, $3 FROM devices WHERE id = $2 AND revoked_at_ms IS NULL",
                    &[&token_hash, &device_id, &expires_at_ms],
                )
                .await
                .map_err(pg_error)?;
            tx.commit().await.map_err(pg_error)?;
            Ok(n == 1)
        })
    }

    fn token(&self, token_hash: Vec<u8>) -> StoreFuture<'_, Option<TokenRow>> {
        Box::pin(async move {
            let row = self
                .one(
                    "SELECT d.id, d.user_id, t.expires_at_ms, d.revoked_at_ms, u.role, u.unit_id
                     FROM access_tokens t JOIN devices d ON d.id = t.device_id
                     JOIN auth_users u ON u.id = d.user_id
                     WHERE t.token_hash = $1",
                    &[&token_hash],
                )
                .await?;
            let Some(row) = row else { return Ok(None) };
            let role: String = row.get(4);
            Ok(Some(TokenRow {
                owner: TokenOwner {
                    device_id: row.get(0),
                    user_id: row.get(1),
                    role: stored_role(&role)?,
                    unit_id: row.get(5),
                },
                expires_at_ms: row.get(2),
                revoked_at_ms: row.get(3),
            }))
        })
    }

    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let n = self
                .run(
                    "UPDATE auth_users SET privilege = $2 WHERE id = $1",
                    &[&user_id, &privilege.code()],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn user_with_login(&self, login: String) -> StoreFuture<'_, Option<Uuid>> {
        Box::pin(async move {
            let row = self
                .one("SELECT id FROM auth_users WHERE login = $1", &[&login])
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn set_login(
        &self,
        user_id: Uuid,
        login: String,
        password_hash: String,
    ) -> StoreFuture<'_, SetLoginOutcome> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_error)?;
            let updated = tx
                .execute(
                    "UPDATE auth_users SET login = $2, password_hash = $3, failed_logins = 0,
                     locked_until_ms = NULL WHERE id = $1",
                    &[&user_id, &login, &password_hash],
                )
                .await;
            match updated {
                Ok(1) => {}
                Ok(_) => return Ok(SetLoginOutcome::NoSuchUser),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    return Ok(SetLoginOutcome::LoginTaken)
                }
                Err(e) => return Err(pg_error(e)),
            }
            // A new password ends every session opened with the old one.
            tx.execute("DELETE FROM web_sessions WHERE user_id = $1", &[&user_id])
                .await
                .map_err(pg_error)?;
            tx.commit().await.map_err(pg_error)?;
            Ok(SetLoginOutcome::Done)
        })
    }

    fn account(&self, key: AccountKey) -> StoreFuture<'_, Option<WebAccount>> {
        Box::pin(async move {
            let row = match key {
                AccountKey::Login(login) => {
                    self.one(&format!("{ACCOUNT_SELECT} WHERE login = $1"), &[&login])
                        .await?
                }
                AccountKey::User(id) => {
                    self.one(&format!("{ACCOUNT_SELECT} WHERE id = $1"), &[&id])
                        .await?
                }
            };
            row.as_ref().map(account_of).transpose()
        })
    }

    fn swap_login_state(
        &self,
        user_id: Uuid,
        from: LoginState,
        to: LoginState,
    ) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let n = self
                .run(
                    "UPDATE auth_users SET failed_logins = $4, locked_until_ms = $5
                     WHERE id = $1 AND failed_logins = $2
                       AND locked_until_ms IS NOT DISTINCT FROM $3",
                    &[
                        &user_id,
                        &count(from.failed_logins),
                        &from.locked_until_ms,
                        &count(to.failed_logins),
                        &to.locked_until_ms,
                    ],
                )
                .await?;
            Ok(n == 1)
        })
    }

    fn clear_login_state(&self, user_id: Uuid) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run(
                "UPDATE auth_users SET failed_logins = 0, locked_until_ms = NULL WHERE id = $1",
                &[&user_id],
            )
            .await?;
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
        Box::pin(async move {
            self.run(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_ms)
                 VALUES ($1, $2, $3, $4, $4)",
                &[&token_hash, &user_id, &csrf_token, &now_ms],
            )
            .await?;
            Ok(())
        })
    }

    fn touch_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        cutoff_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>> {
        Box::pin(async move {
            self.run(
                "DELETE FROM web_sessions WHERE last_seen_ms <= $1",
                &[&cutoff_ms],
            )
            .await?;
            // One statement both checks the idle clock and restarts it.
            let row = self
                .one(
                    "UPDATE web_sessions s SET last_seen_ms = $2
                     FROM auth_users u
                     WHERE s.token_hash = $1 AND u.id = s.user_id AND s.last_seen_ms > $3
                     RETURNING u.id, u.unit_id, u.name, u.privilege, s.csrf_token",
                    &[&token_hash, &now_ms, &cutoff_ms],
                )
                .await?;
            let Some(row) = row else { return Ok(None) };
            let privilege: String = row.get(3);
            Ok(Some(WebSession {
                user_id: row.get(0),
                unit_id: row.get(1),
                name: row.get(2),
                privilege: stored_privilege(&privilege)?,
                csrf_token: row.get(4),
            }))
        })
    }

    fn delete_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.run(
                "DELETE FROM web_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await?;
            Ok(())
        })
    }
}
