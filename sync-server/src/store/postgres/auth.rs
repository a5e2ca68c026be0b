//! Org units, users, enrolment, devices and tokens in PostgreSQL ([`AuthStore`]), with the same
//! answers and error codes as the SQLite store.

use tokio_postgres::error::SqlState;
use uuid::Uuid;

use donghaeng_core::model::{new_id, OrgUnitKind, Role};
use donghaeng_core::{CoreError, CoreResult};

use super::{pg_error, PgStore};
use crate::error::auth_error;
use crate::secret;
use crate::store::auth::{checked_login, login_taken};
use crate::store::{
    AuthStore, DeviceCredential, EnrolmentCode, IssuedToken, Privilege, StoreFuture, TokenOwner,
    UserInfo, WebAccount, WebSession, ENROL_RETRY_WINDOW_MS,
};

fn code_invalid() -> CoreError {
    auth_error(
        "enrolment_code_invalid",
        "등록 코드가 없거나, 이미 사용되었거나, 만료되었습니다. 관리자에게 새 코드를 받으세요.",
        "the enrolment code is unknown, already used or expired; ask an administrator for a new one",
    )
}

fn credential_invalid() -> CoreError {
    auth_error(
        "device_credential_invalid",
        "기기 인증 정보가 올바르지 않습니다. 기기를 다시 등록하세요.",
        "the device credential is not valid; enrol the device again",
    )
}

fn device_revoked() -> CoreError {
    auth_error(
        "device_revoked",
        "이 기기는 사용이 해지되었습니다. 기기에 저장된 자료를 모두 삭제하세요.",
        "this device has been revoked; wipe all data stored on it",
    )
}

fn device_id_taken(id: Uuid) -> CoreError {
    CoreError::conflict(
        "device_id_taken",
        format!("이미 등록된 기기 ID입니다: {id}. 기기에서 새 ID를 만들어 다시 등록하세요."),
        format!("device id {id} is already enrolled; make a new id on the device and enrol again"),
    )
}

impl AuthStore for PgStore {
    fn create_unit(
        &self,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, Uuid> {
        Box::pin(async move {
            let name = checked_name(&name, "name")?;
            let client = self.client().await?;
            match (kind.parent_kind(), parent_id) {
                (None, None) => {}
                (None, Some(_)) => {
                    return Err(CoreError::invalid(
                        "unit_parent_not_allowed",
                        "parent_id",
                        "시(city)는 상위 조직을 가질 수 없습니다.",
                        "a city has no parent unit",
                    ))
                }
                (Some(want), None) => {
                    return Err(CoreError::invalid(
                        "unit_parent_required",
                        "parent_id",
                        format!("이 조직에는 상위 조직({})이 필요합니다.", want.label_ko()),
                        format!("this unit needs a parent unit ({})", want.label_en()),
                    ))
                }
                (Some(want), Some(pid)) => {
                    let found: Option<String> = client
                        .query_opt("SELECT kind FROM auth_units WHERE id = $1", &[&pid])
                        .await
                        .map_err(pg_error)?
                        .map(|r| r.get(0));
                    let Some(found) = found else {
                        return Err(CoreError::not_found("org_unit", pid));
                    };
                    if found != want.code() {
                        return Err(CoreError::invalid(
                            "unit_parent_kind",
                            "parent_id",
                            format!(
                                "상위 조직은 {}이어야 합니다 (현재 {found}).",
                                want.label_ko()
                            ),
                            format!(
                                "the parent unit must be a {} (found {found})",
                                want.label_en()
                            ),
                        ));
                    }
                }
            }
            // Units are never deleted, so the parent checked above still exists here (and the
            // foreign key would refuse the insert otherwise).
            let id = new_id();
            client
                .execute(
                    "INSERT INTO auth_units (id, kind, name, parent_id) VALUES ($1, $2, $3, $4)",
                    &[&id, &kind.code(), &name, &parent_id],
                )
                .await
                .map_err(pg_error)?;
            Ok(id)
        })
    }

    fn create_user(&self, unit_id: Uuid, name: String, role: Role) -> StoreFuture<'_, UserInfo> {
        Box::pin(async move {
            let name = checked_name(&name, "name")?;
            let client = self.client().await?;
            let exists = client
                .query_opt("SELECT 1 FROM auth_units WHERE id = $1", &[&unit_id])
                .await
                .map_err(pg_error)?;
            if exists.is_none() {
                return Err(CoreError::not_found("org_unit", unit_id));
            }
            let id = new_id();
            client
                .execute(
                    "INSERT INTO auth_users (id, unit_id, name, role) VALUES ($1, $2, $3, $4)",
                    &[&id, &unit_id, &name, &role.code()],
                )
                .await
                .map_err(pg_error)?;
            Ok(UserInfo {
                id,
                unit_id,
                name,
                role,
            })
        })
    }

    fn issue_enrolment_code(
        &self,
        user_id: Uuid,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, EnrolmentCode> {
        Box::pin(async move {
            let client = self.client().await?;
            let exists = client
                .query_opt("SELECT 1 FROM auth_users WHERE id = $1", &[&user_id])
                .await
                .map_err(pg_error)?;
            if exists.is_none() {
                return Err(CoreError::not_found("user", user_id));
            }
            let code = secret::new_enrolment_code()?;
            let expires_at_ms = now_ms.saturating_add(ttl_ms);
            client
                .execute(
                    "INSERT INTO enrolment_codes (code_hash, user_id, expires_at_ms)
                     VALUES ($1, $2, $3)",
                    &[&secret::hash(&code), &user_id, &expires_at_ms],
                )
                .await
                .map_err(pg_error)?;
            Ok(EnrolmentCode {
                code,
                user_id,
                expires_at_ms,
            })
        })
    }

    fn enrol(
        &self,
        code: String,
        device_id: Option<Uuid>,
        now_ms: i64,
    ) -> StoreFuture<'_, DeviceCredential> {
        Box::pin(self.enrol_device(code, device_id, now_ms))
    }

    fn issue_token(
        &self,
        device_id: Uuid,
        secret_text: String,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, IssuedToken> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT secret_hash, revoked_at_ms FROM devices WHERE id = $1",
                    &[&device_id],
                )
                .await
                .map_err(pg_error)?;
            let Some(row) = row else {
                return Err(credential_invalid());
            };
            let stored: Vec<u8> = row.get(0);
            let revoked: Option<i64> = row.get(1);
            if !constant_time_eq(&stored, &secret::hash(&secret_text)) {
                return Err(credential_invalid());
            }
            if revoked.is_some() {
                return Err(device_revoked());
            }
            let access_token = secret::new_token()?;
            let expires_at_ms = now_ms.saturating_add(ttl_ms);
            let tx = client.transaction().await.map_err(pg_error)?;
            // Expired tokens are useless: drop them as new ones are issued, so the table stays small.
            tx.execute(
                "DELETE FROM access_tokens WHERE expires_at_ms <= $1",
                &[&now_ms],
            )
            .await
            .map_err(pg_error)?;
            // A revocation committed by another node since the check above must win: the insert
            // only happens while the device is still not revoked.
            let n = tx
                .execute(
                    "INSERT INTO access_tokens (token_hash, device_id, expires_at_ms)
                     SELECT $1, id, $3 FROM devices WHERE id = $2 AND revoked_at_ms IS NULL",
                    &[&secret::hash(&access_token), &device_id, &expires_at_ms],
                )
                .await
                .map_err(pg_error)?;
            if n != 1 {
                return Err(device_revoked());
            }
            tx.commit().await.map_err(pg_error)?;
            Ok(IssuedToken {
                access_token,
                expires_at_ms,
            })
        })
    }

    fn authenticate(&self, token: String, now_ms: i64) -> StoreFuture<'_, TokenOwner> {
        Box::pin(async move {
            let client = self.client().await?;
            let stmt = client
                .prepare_cached(
                    "SELECT d.id, d.user_id, t.expires_at_ms, d.revoked_at_ms, u.role, u.unit_id
                     FROM access_tokens t JOIN devices d ON d.id = t.device_id
                     JOIN auth_users u ON u.id = d.user_id
                     WHERE t.token_hash = $1",
                )
                .await
                .map_err(pg_error)?;
            let row = client
                .query_opt(&stmt, &[&secret::hash(&token)])
                .await
                .map_err(pg_error)?;
            let Some(row) = row else {
                return Err(auth_error(
                    "token_invalid",
                    "접근 토큰이 올바르지 않습니다. 새 토큰을 받으세요.",
                    "the access token is not valid; request a new one",
                ));
            };
            let expires_at_ms: i64 = row.get(2);
            let revoked: Option<i64> = row.get(3);
            // Revocation first: a revoked phone must learn to wipe even with a fresh token.
            if revoked.is_some() {
                return Err(device_revoked());
            }
            if expires_at_ms <= now_ms {
                return Err(auth_error(
                    "token_expired",
                    "접근 토큰이 만료되었습니다. 새 토큰을 받으세요.",
                    "the access token has expired; request a new one",
                ));
            }
            let role: String = row.get(4);
            let role: Role = role
                .parse()
                .map_err(|_| CoreError::storage(format!("unknown stored role {role:?}")))?;
            Ok(TokenOwner {
                device_id: row.get(0),
                user_id: row.get(1),
                role,
                unit_id: row.get(5),
            })
        })
    }

    fn revoke_device(&self, device_id: Uuid, now_ms: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            let n = client
                .execute(
                    "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, $2) WHERE id = $1",
                    &[&device_id, &now_ms],
                )
                .await
                .map_err(pg_error)?;
            if n == 0 {
                return Err(CoreError::not_found("device", device_id));
            }
            Ok(())
        })
    }

    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            let n = client
                .execute(
                    "UPDATE auth_users SET privilege = $2 WHERE id = $1",
                    &[&user_id, &privilege.code()],
                )
                .await
                .map_err(pg_error)?;
            if n == 0 {
                return Err(CoreError::not_found("user", user_id));
            }
            Ok(())
        })
    }

    fn set_web_login(
        &self,
        user_id: Uuid,
        login: String,
        password_hash: String,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let login = checked_login(&login)?;
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg_error)?;
            let other = tx
                .query_opt("SELECT id FROM auth_users WHERE login = $1", &[&login])
                .await
                .map_err(pg_error)?;
            if other.is_some_and(|r| r.get::<_, Uuid>(0) != user_id) {
                return Err(login_taken());
            }
            let n = tx
                .execute(
                    "UPDATE auth_users SET login = $2, password_hash = $3, failed_logins = 0,
                     locked_until_ms = NULL WHERE id = $1",
                    &[&user_id, &login, &password_hash],
                )
                .await
                .map_err(|e| {
                    // Two admins racing for one login: the unique index decides.
                    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                        login_taken()
                    } else {
                        pg_error(e)
                    }
                })?;
            if n == 0 {
                return Err(CoreError::not_found("user", user_id));
            }
            // A new password ends every session opened with the old one.
            tx.execute("DELETE FROM web_sessions WHERE user_id = $1", &[&user_id])
                .await
                .map_err(pg_error)?;
            tx.commit().await.map_err(pg_error)?;
            Ok(())
        })
    }

    fn web_account(&self, login: String) -> StoreFuture<'_, Option<WebAccount>> {
        Box::pin(async move {
            let login = login.trim().to_lowercase();
            let client = self.client().await?;
            let row = client
                .query_opt(&format!("{ACCOUNT_SELECT} WHERE login = $1"), &[&login])
                .await
                .map_err(pg_error)?;
            row.map(account_of).transpose()
        })
    }

    fn user_account(&self, user_id: Uuid) -> StoreFuture<'_, Option<WebAccount>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client
                .query_opt(&format!("{ACCOUNT_SELECT} WHERE id = $1"), &[&user_id])
                .await
                .map_err(pg_error)?;
            row.map(account_of).transpose()
        })
    }

    fn record_login_failure(
        &self,
        user_id: Uuid,
        locked_until_ms: Option<i64>,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "UPDATE auth_users SET failed_logins = failed_logins + 1,
                     locked_until_ms = COALESCE($2, locked_until_ms) WHERE id = $1",
                    &[&user_id, &locked_until_ms],
                )
                .await
                .map_err(pg_error)?;
            Ok(())
        })
    }

    fn record_login_success(&self, user_id: Uuid) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "UPDATE auth_users SET failed_logins = 0, locked_until_ms = NULL WHERE id = $1",
                    &[&user_id],
                )
                .await
                .map_err(pg_error)?;
            Ok(())
        })
    }

    fn create_web_session(
        &self,
        token_hash: Vec<u8>,
        user_id: Uuid,
        csrf_token: String,
        now_ms: i64,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_ms)
                     VALUES ($1, $2, $3, $4, $4)",
                    &[&token_hash, &user_id, &csrf_token, &now_ms],
                )
                .await
                .map_err(pg_error)?;
            Ok(())
        })
    }

    fn web_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        idle_ttl_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>> {
        Box::pin(async move {
            let client = self.client().await?;
            let cutoff = now_ms.saturating_sub(idle_ttl_ms);
            client
                .execute(
                    "DELETE FROM web_sessions WHERE last_seen_ms <= $1",
                    &[&cutoff],
                )
                .await
                .map_err(pg_error)?;
            // One statement both checks the idle clock and restarts it.
            let row = client
                .query_opt(
                    "UPDATE web_sessions s SET last_seen_ms = $2
                     FROM auth_users u
                     WHERE s.token_hash = $1 AND u.id = s.user_id AND s.last_seen_ms > $3
                     RETURNING u.id, u.unit_id, u.name, u.privilege, s.csrf_token",
                    &[&token_hash, &now_ms, &cutoff],
                )
                .await
                .map_err(pg_error)?;
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

    fn end_web_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "DELETE FROM web_sessions WHERE token_hash = $1",
                    &[&token_hash],
                )
                .await
                .map_err(pg_error)?;
            Ok(())
        })
    }
}

const ACCOUNT_SELECT: &str = "SELECT id, unit_id, name, privilege, login, password_hash,
    failed_logins, locked_until_ms FROM auth_users";

fn stored_privilege(s: &str) -> CoreResult<Privilege> {
    Privilege::parse(s).ok_or_else(|| CoreError::storage(format!("unknown stored privilege {s:?}")))
}

fn account_of(row: tokio_postgres::Row) -> CoreResult<WebAccount> {
    let privilege: String = row.get(3);
    let failed: i32 = row.get(6);
    Ok(WebAccount {
        user_id: row.get(0),
        unit_id: row.get(1),
        name: row.get(2),
        privilege: stored_privilege(&privilege)?,
        login: row.get(4),
        password_hash: row.get(5),
        failed_logins: u32::try_from(failed).unwrap_or(0),
        locked_until_ms: row.get(7),
    })
}

impl PgStore {
    /// Exchanges an enrolment code for a device credential. `device_id` is the id the phone made
    /// for itself (its HLC node), or `None` for one made here; an id already enrolled is refused
    /// with `device_id_taken` and the code stays unspent.
    async fn enrol_device(
        &self,
        code: String,
        device_id: Option<Uuid>,
        now_ms: i64,
    ) -> CoreResult<DeviceCredential> {
        let code_hash = secret::hash(&secret::normalise_code(&code));
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_error)?;
        if let Some(device_id) = device_id {
            // The retry of an enrolment whose answer was lost: the same code, already spent by this
            // same device within the retry window, gets the device a fresh secret.
            let row = tx
                .query_opt(
                    "SELECT u.id, u.role, d.revoked_at_ms
                     FROM enrolment_codes c JOIN auth_users u ON u.id = c.user_id
                     JOIN devices d ON d.id = c.device_id
                     WHERE c.code_hash = $1 AND c.device_id = $2 AND c.used_at_ms IS NOT NULL
                       AND $3 >= c.used_at_ms AND $3 - c.used_at_ms <= $4
                     FOR UPDATE OF d",
                    &[&code_hash, &device_id, &now_ms, &ENROL_RETRY_WINDOW_MS],
                )
                .await
                .map_err(pg_error)?;
            if let Some(row) = row {
                let revoked: Option<i64> = row.get(2);
                if revoked.is_some() {
                    return Err(device_revoked());
                }
                let role: String = row.get(1);
                let role: Role = role
                    .parse()
                    .map_err(|_| CoreError::storage(format!("unknown stored role {role:?}")))?;
                let device_secret = secret::new_token()?;
                tx.execute(
                    "UPDATE devices SET secret_hash = $2 WHERE id = $1",
                    &[&device_id, &secret::hash(&device_secret)],
                )
                .await
                .map_err(pg_error)?;
                tx.commit().await.map_err(pg_error)?;
                return Ok(DeviceCredential {
                    device_id,
                    device_secret,
                    user_id: row.get(0),
                    role,
                });
            }
        }
        // Spend the code in the same statement that checks it: a code works exactly once even if
        // two phones race with it on two nodes (the second UPDATE waits for the first's row lock,
        // then finds the code used).
        let row = tx
            .query_opt(
                "UPDATE enrolment_codes c SET used_at_ms = $2
                 FROM auth_users u
                 WHERE c.code_hash = $1 AND c.used_at_ms IS NULL AND c.expires_at_ms > $2
                   AND u.id = c.user_id
                 RETURNING u.id, u.role",
                &[&code_hash, &now_ms],
            )
            .await
            .map_err(pg_error)?;
        let Some(row) = row else {
            return Err(code_invalid());
        };
        let user_id: Uuid = row.get(0);
        let role: String = row.get(1);
        let role: Role = role
            .parse()
            .map_err(|_| CoreError::storage(format!("unknown stored role {role:?}")))?;
        let device_id = device_id.unwrap_or_else(new_id);
        let device_secret = secret::new_token()?;
        let inserted = tx
            .execute(
                "INSERT INTO devices (id, user_id, secret_hash, enrolled_at_ms)
                 VALUES ($1, $2, $3, $4)",
                &[&device_id, &user_id, &secret::hash(&device_secret), &now_ms],
            )
            .await;
        match inserted {
            Ok(_) => {
                tx.execute(
                    "UPDATE enrolment_codes SET device_id = $2 WHERE code_hash = $1",
                    &[&code_hash, &device_id],
                )
                .await
                .map_err(pg_error)?;
            }
            // Dropping the transaction rolls the spent code back.
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                return Err(device_id_taken(device_id))
            }
            Err(e) => return Err(pg_error(e)),
        }
        tx.commit().await.map_err(pg_error)?;
        Ok(DeviceCredential {
            device_id,
            device_secret,
            user_id,
            role,
        })
    }
}

/// A name must be non-blank and at most 200 characters (as the SQLite store).
fn checked_name(name: &str, field: &str) -> CoreResult<String> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(CoreError::invalid(
            "name_invalid",
            field,
            "이름은 1자 이상 200자 이하여야 합니다.",
            "a name must have 1 to 200 characters",
        ));
    }
    Ok(t.to_owned())
}

/// Compares two hashes without an early exit, so timing reveals nothing about a stored hash.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
