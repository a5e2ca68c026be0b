//! Org units, users, enrolment, devices and tokens in SQLite ([`AuthStore`]).

use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use donghaeng_core::model::{new_id, OrgUnitKind, Role};
use donghaeng_core::{CoreError, CoreResult};

use super::{uuid_from, SqliteStore};
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

/// A revoked device must wipe its local data (a lost or stolen phone).
pub fn device_revoked() -> CoreError {
    auth_error(
        "device_revoked",
        "이 기기는 사용이 해지되었습니다. 기기에 저장된 자료를 모두 삭제하세요.",
        "this device has been revoked; wipe all data stored on it",
    )
}

impl AuthStore for SqliteStore {
    fn create_unit(
        &self,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> StoreFuture<'_, Uuid> {
        self.write(move |conn, _| {
            let name = checked_name(&name, "name")?;
            let tx = conn.transaction()?;
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
                    let found: Option<String> = tx
                        .query_row(
                            "SELECT kind FROM auth_units WHERE id = ?1",
                            [pid.as_bytes().as_slice()],
                            |r| r.get(0),
                        )
                        .optional()?;
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
            let id = new_id();
            tx.execute(
                "INSERT INTO auth_units (id, kind, name, parent_id) VALUES (?1, ?2, ?3, ?4)",
                params![
                    id.as_bytes().as_slice(),
                    kind.code(),
                    name,
                    parent_id.map(|p| p.as_bytes().to_vec())
                ],
            )?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn create_user(&self, unit_id: Uuid, name: String, role: Role) -> StoreFuture<'_, UserInfo> {
        self.write(move |conn, _| {
            let name = checked_name(&name, "name")?;
            let exists: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM auth_units WHERE id = ?1",
                    [unit_id.as_bytes().as_slice()],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_none() {
                return Err(CoreError::not_found("org_unit", unit_id));
            }
            let id = new_id();
            conn.execute(
                "INSERT INTO auth_users (id, unit_id, name, role) VALUES (?1, ?2, ?3, ?4)",
                params![
                    id.as_bytes().as_slice(),
                    unit_id.as_bytes().as_slice(),
                    name,
                    role.code()
                ],
            )?;
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
        self.write(move |conn, _| {
            let exists: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM auth_users WHERE id = ?1",
                    [user_id.as_bytes().as_slice()],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_none() {
                return Err(CoreError::not_found("user", user_id));
            }
            let code = secret::new_enrolment_code()?;
            let expires_at_ms = now_ms.saturating_add(ttl_ms);
            conn.execute(
                "INSERT INTO enrolment_codes (code_hash, user_id, expires_at_ms) VALUES (?1, ?2, ?3)",
                params![
                    secret::hash(&code),
                    user_id.as_bytes().as_slice(),
                    expires_at_ms
                ],
            )?;
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
        self.write(move |conn, _| {
            let code_hash = secret::hash(&secret::normalise_code(&code));
            let tx = conn.transaction()?;
            if let Some(retry) = retry_enrolment(&tx, &code_hash, device_id, now_ms)? {
                tx.commit()?;
                return Ok(retry);
            }
            // Spend the code in the same statement that checks it: a code works exactly once even
            // if two phones race with it.
            let spent = tx.execute(
                "UPDATE enrolment_codes SET used_at_ms = ?2
                 WHERE code_hash = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2",
                params![code_hash, now_ms],
            )?;
            if spent != 1 {
                return Err(code_invalid());
            }
            let (user_id, role): (Vec<u8>, String) = tx.query_row(
                "SELECT u.id, u.role FROM enrolment_codes c JOIN auth_users u ON u.id = c.user_id
                 WHERE c.code_hash = ?1",
                [&code_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let role: Role = role
                .parse()
                .map_err(|_| CoreError::storage(format!("unknown stored role {role:?}")))?;
            let device_id = device_id.unwrap_or_else(new_id);
            let taken: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM devices WHERE id = ?1",
                    [device_id.as_bytes().as_slice()],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                // Dropping the transaction leaves the code unspent: the phone may retry with a new id.
                return Err(device_id_taken());
            }
            let device_secret = secret::new_token()?;
            tx.execute(
                "UPDATE enrolment_codes SET device_id = ?2 WHERE code_hash = ?1",
                params![code_hash, device_id.as_bytes().as_slice()],
            )?;
            tx.execute(
                "INSERT INTO devices (id, user_id, secret_hash, enrolled_at_ms) VALUES (?1, ?2, ?3, ?4)",
                params![
                    device_id.as_bytes().as_slice(),
                    user_id,
                    secret::hash(&device_secret),
                    now_ms
                ],
            )?;
            tx.commit()?;
            Ok(DeviceCredential {
                device_id,
                device_secret,
                user_id: uuid_from(&user_id, "auth_users")?,
                role,
            })
        })
    }

    fn issue_token(
        &self,
        device_id: Uuid,
        secret_text: String,
        now_ms: i64,
        ttl_ms: i64,
    ) -> StoreFuture<'_, IssuedToken> {
        self.write(move |conn, _| {
            let row: Option<(Vec<u8>, Option<i64>)> = conn
                .query_row(
                    "SELECT secret_hash, revoked_at_ms FROM devices WHERE id = ?1",
                    [device_id.as_bytes().as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((stored, revoked)) = row else {
                return Err(credential_invalid());
            };
            if !constant_time_eq(&stored, &secret::hash(&secret_text)) {
                return Err(credential_invalid());
            }
            if revoked.is_some() {
                return Err(device_revoked());
            }
            let access_token = secret::new_token()?;
            let expires_at_ms = now_ms.saturating_add(ttl_ms);
            let tx = conn.transaction()?;
            // Expired tokens are useless: drop them as new ones are issued, so the table stays small.
            tx.execute(
                "DELETE FROM access_tokens WHERE expires_at_ms <= ?1",
                [now_ms],
            )?;
            tx.execute(
                "INSERT INTO access_tokens (token_hash, device_id, expires_at_ms) VALUES (?1, ?2, ?3)",
                params![
                    secret::hash(&access_token),
                    device_id.as_bytes().as_slice(),
                    expires_at_ms
                ],
            )?;
            tx.commit()?;
            Ok(IssuedToken {
                access_token,
                expires_at_ms,
            })
        })
    }

    fn authenticate(&self, token: String, now_ms: i64) -> StoreFuture<'_, TokenOwner> {
        self.read(move |conn| {
            let row: Option<TokenRow> = conn
                .query_row(
                    "SELECT d.id, d.user_id, t.expires_at_ms, d.revoked_at_ms, u.role, u.unit_id
                     FROM access_tokens t JOIN devices d ON d.id = t.device_id
                     JOIN auth_users u ON u.id = d.user_id
                     WHERE t.token_hash = ?1",
                    [secret::hash(&token)],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )
                .optional()?;
            let Some((device, user, expires_at_ms, revoked, role, unit)) = row else {
                return Err(auth_error(
                    "token_invalid",
                    "접근 토큰이 올바르지 않습니다. 새 토큰을 받으세요.",
                    "the access token is not valid; request a new one",
                ));
            };
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
            let role: Role = role
                .parse()
                .map_err(|_| CoreError::storage(format!("unknown stored role {role:?}")))?;
            Ok(TokenOwner {
                device_id: uuid_from(&device, "devices")?,
                user_id: uuid_from(&user, "devices")?,
                role,
                unit_id: uuid_from(&unit, "auth_users")?,
            })
        })
    }

    fn revoke_device(&self, device_id: Uuid, now_ms: i64) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            let n = conn.execute(
                "UPDATE devices SET revoked_at_ms = COALESCE(revoked_at_ms, ?2) WHERE id = ?1",
                params![device_id.as_bytes().as_slice(), now_ms],
            )?;
            if n == 0 {
                return Err(CoreError::not_found("device", device_id));
            }
            Ok(())
        })
    }

    fn set_privilege(&self, user_id: Uuid, privilege: Privilege) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            let n = conn.execute(
                "UPDATE auth_users SET privilege = ?2 WHERE id = ?1",
                params![user_id.as_bytes().as_slice(), privilege.code()],
            )?;
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
        self.write(move |conn, _| {
            let login = checked_login(&login)?;
            let tx = conn.transaction()?;
            let other: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT id FROM auth_users WHERE login = ?1",
                    [&login],
                    |r| r.get(0),
                )
                .optional()?;
            if other.is_some_and(|o| o != user_id.as_bytes()) {
                return Err(login_taken());
            }
            let n = tx.execute(
                "UPDATE auth_users SET login = ?2, password_hash = ?3, failed_logins = 0,
                 locked_until_ms = NULL WHERE id = ?1",
                params![user_id.as_bytes().as_slice(), login, password_hash],
            )?;
            if n == 0 {
                return Err(CoreError::not_found("user", user_id));
            }
            // A new password ends every session opened with the old one.
            tx.execute(
                "DELETE FROM web_sessions WHERE user_id = ?1",
                [user_id.as_bytes().as_slice()],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn web_account(&self, login: String) -> StoreFuture<'_, Option<WebAccount>> {
        self.read(move |conn| {
            let login = login.trim().to_lowercase();
            account_where(conn, "u.login = ?1", &login as &dyn rusqlite::ToSql)
        })
    }

    fn user_account(&self, user_id: Uuid) -> StoreFuture<'_, Option<WebAccount>> {
        self.read(move |conn| {
            let id = user_id.as_bytes().to_vec();
            account_where(conn, "u.id = ?1", &id as &dyn rusqlite::ToSql)
        })
    }

    fn record_login_failure(
        &self,
        user_id: Uuid,
        locked_until_ms: Option<i64>,
    ) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "UPDATE auth_users SET failed_logins = failed_logins + 1,
                 locked_until_ms = COALESCE(?2, locked_until_ms) WHERE id = ?1",
                params![user_id.as_bytes().as_slice(), locked_until_ms],
            )?;
            Ok(())
        })
    }

    fn record_login_success(&self, user_id: Uuid) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "UPDATE auth_users SET failed_logins = 0, locked_until_ms = NULL WHERE id = ?1",
                [user_id.as_bytes().as_slice()],
            )?;
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
        self.write(move |conn, _| {
            conn.execute(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_ms)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![token_hash, user_id.as_bytes().as_slice(), csrf_token, now_ms],
            )?;
            Ok(())
        })
    }

    fn web_session(
        &self,
        token_hash: Vec<u8>,
        now_ms: i64,
        idle_ttl_ms: i64,
    ) -> StoreFuture<'_, Option<WebSession>> {
        self.write(move |conn, _| {
            let tx = conn.transaction()?;
            // Idle sessions are useless: drop them as sessions are used, so the table stays small.
            tx.execute(
                "DELETE FROM web_sessions WHERE last_seen_ms <= ?1",
                [now_ms.saturating_sub(idle_ttl_ms)],
            )?;
            let row: Option<SessionRow> = tx
                .query_row(
                    "SELECT u.id, u.unit_id, u.name, u.privilege, s.csrf_token
                     FROM web_sessions s JOIN auth_users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1",
                    [&token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((user, unit, name, privilege, csrf_token)) = row else {
                tx.commit()?;
                return Ok(None);
            };
            tx.execute(
                "UPDATE web_sessions SET last_seen_ms = ?2 WHERE token_hash = ?1",
                params![token_hash, now_ms],
            )?;
            tx.commit()?;
            Ok(Some(WebSession {
                user_id: uuid_from(&user, "auth_users")?,
                unit_id: uuid_from(&unit, "auth_users")?,
                name,
                privilege: stored_privilege(&privilege)?,
                csrf_token,
            }))
        })
    }

    fn end_web_session(&self, token_hash: Vec<u8>) -> StoreFuture<'_, ()> {
        self.write(move |conn, _| {
            conn.execute(
                "DELETE FROM web_sessions WHERE token_hash = ?1",
                [token_hash],
            )?;
            Ok(())
        })
    }
}

/// user id, unit id, name, privilege, CSRF token of a session lookup.
type SessionRow = (Vec<u8>, Vec<u8>, String, String, String);

fn stored_privilege(s: &str) -> CoreResult<Privilege> {
    Privilege::parse(s).ok_or_else(|| CoreError::storage(format!("unknown stored privilege {s:?}")))
}

fn account_where(
    conn: &rusqlite::Connection,
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
        failed_logins: u32::try_from(failed).unwrap_or(u32::MAX),
        locked_until_ms: locked,
    }))
}

/// (device id, user id, token expiry, device revocation time) of a token lookup.
/// device id, user id, token expiry, device revocation, user role, user unit.
type TokenRow = (Vec<u8>, Vec<u8>, i64, Option<i64>, String, Vec<u8>);

/// A name must be non-blank and at most 200 characters (our choice: unit and user names are labels).
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

fn device_id_taken() -> CoreError {
    CoreError::conflict(
        "device_id_taken",
        "이미 다른 기기가 쓰고 있는 기기 ID입니다. 앱을 다시 설치한 뒤 등록하세요.",
        "another device is already enrolled with this device id; reinstall the app and enrol again",
    )
}

/// The retry of an enrolment whose answer was lost: the same code, already spent by this same device
/// within [`ENROL_RETRY_WINDOW_MS`], gets the device a fresh secret. `None`: not such a retry.
fn retry_enrolment(
    tx: &rusqlite::Transaction<'_>,
    code_hash: &[u8],
    device_id: Option<Uuid>,
    now_ms: i64,
) -> CoreResult<Option<DeviceCredential>> {
    let Some(device_id) = device_id else {
        return Ok(None);
    };
    let row: Option<(Vec<u8>, String, Option<i64>)> = tx
        .query_row(
            "SELECT u.id, u.role, d.revoked_at_ms
             FROM enrolment_codes c JOIN auth_users u ON u.id = c.user_id
             JOIN devices d ON d.id = c.device_id
             WHERE c.code_hash = ?1 AND c.device_id = ?2 AND c.used_at_ms IS NOT NULL
               AND ?3 >= c.used_at_ms AND ?3 - c.used_at_ms <= ?4",
            params![
                code_hash,
                device_id.as_bytes().as_slice(),
                now_ms,
                ENROL_RETRY_WINDOW_MS
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((user, role, revoked)) = row else {
        return Ok(None);
    };
    if revoked.is_some() {
        return Err(device_revoked());
    }
    let role: Role = role
        .parse()
        .map_err(|_| CoreError::storage(format!("unknown stored role {role:?}")))?;
    let device_secret = secret::new_token()?;
    tx.execute(
        "UPDATE devices SET secret_hash = ?2 WHERE id = ?1",
        params![
            device_id.as_bytes().as_slice(),
            secret::hash(&device_secret)
        ],
    )?;
    Ok(Some(DeviceCredential {
        device_id,
        device_secret,
        user_id: uuid_from(&user, "auth_users")?,
        role,
    }))
}
