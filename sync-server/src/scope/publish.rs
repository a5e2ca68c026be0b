//! The admin's org units and users as synced records (조직·사용자 게시): each unit becomes an
//! `org_units` record and each user a `workers` record under the **same id**, written into the change
//! log like any device's change. Devices then hold the org tree they are scoped by, a household's
//! `dong_id` names a unit the server knows, and a user's worker id is their user id, which is what
//! visit assignments name. Configuration documents (`donghaeng_core::sync::config_docs`) travel the
//! same way.

use serde_json::json;
use uuid::Uuid;

use donghaeng_core::model::{new_id, OrgUnitKind};
use donghaeng_core::safety::DisasterAdvisory;
use donghaeng_core::sync::config_docs::{check_body, ConfigKind, ENTITY};
use donghaeng_core::sync::{Change, Fields, HybridClock, Op, ProtocolVersion, PushRequest};
use donghaeng_core::{CoreError, CoreResult};
use sha2::{Digest, Sha256};

use crate::store::{ChangeStore, UserInfo};

/// The node id of changes the server itself writes (never a device's: devices enrol under v7 or v4
/// ids they made; this one is fixed so that the admin's edits of one record order by time).
pub const ADMIN_NODE: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_ad31);

/// Publishes an org unit.
pub async fn unit(
    store: &dyn ChangeStore,
    id: Uuid,
    kind: OrgUnitKind,
    name: &str,
    parent: Option<Uuid>,
    now_ms: i64,
) -> CoreResult<()> {
    let fields: Fields = [
        ("kind".to_owned(), json!(kind.code())),
        ("name".to_owned(), json!(name)),
        ("parent_id".to_owned(), json!(parent.map(|p| p.to_string()))),
    ]
    .into_iter()
    .collect();
    push_one(store, "org_units", id, fields, now_ms).await
}

/// Publishes a user as a worker of their unit (no phone number).
pub async fn user(store: &dyn ChangeStore, user: &UserInfo, now_ms: i64) -> CoreResult<()> {
    user_with_phone(store, user, None, now_ms).await
}

/// Publishes a user as a worker of their unit with their work mobile number (checked with the
/// core's phone rule; optional). The number travels in the `workers` record the phones already
/// sync (a session's participants carry it, so the escalation texts reach the partner) and the
/// dashboard's board shows it as a tap-to-call link. It is personal data: never logged.
pub async fn user_with_phone(
    store: &dyn ChangeStore,
    user: &UserInfo,
    phone: Option<&str>,
    now_ms: i64,
) -> CoreResult<()> {
    let phone = donghaeng_core::model::validate::optional_phone("phone", phone)?;
    let fields: Fields = [
        ("team_id".to_owned(), json!(user.unit_id.to_string())),
        ("name".to_owned(), json!(user.name)),
        ("roles".to_owned(), json!(user.role.code())),
        ("phone".to_owned(), json!(phone)),
        ("active".to_owned(), json!(1)),
    ]
    .into_iter()
    .collect();
    push_one(store, "workers", user.id, fields, now_ms).await
}

/// Publishes a configuration document (checked first with the configured type's own rules) to a
/// unit; returns its record id. A cadence table or safety ladder replaces the unit's previous one
/// (one record per kind and unit); each advisory is its own record (its id); each eligibility
/// parameter set is a new record, loaded on top of the earlier ones.
pub async fn config_document(
    store: &dyn ChangeStore,
    kind: ConfigKind,
    unit_id: Uuid,
    body: &str,
    now_ms: i64,
) -> CoreResult<Uuid> {
    check_body(kind, body)?;
    let id = match kind {
        ConfigKind::Cadence | ConfigKind::SafetyLadder => {
            let digest = Sha256::digest(format!("{}:{unit_id}", kind.code()).as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            // A name-derived id, formatted as a v4 UUID (the version bits say nothing here).
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        }
        ConfigKind::DisasterAdvisory => {
            serde_json::from_str::<DisasterAdvisory>(body)
                .map_err(|e| CoreError::storage(format!("advisory checked but unreadable: {e}")))?
                .id
        }
        ConfigKind::EligibilityParams => new_id(),
    };
    let fields: Fields = [
        ("kind".to_owned(), json!(kind.code())),
        ("unit_id".to_owned(), json!(unit_id.to_string())),
        ("body".to_owned(), json!(body)),
        ("published_at".to_owned(), json!(now_ms)),
    ]
    .into_iter()
    .collect();
    push_one(store, ENTITY, id, fields, now_ms).await?;
    Ok(id)
}

async fn push_one(
    store: &dyn ChangeStore,
    entity: &str,
    record_id: Uuid,
    fields: Fields,
    now_ms: i64,
) -> CoreResult<()> {
    let hlc = HybridClock::new(ADMIN_NODE).send(now_ms);
    let change = Change {
        id: new_id(),
        entity: entity.to_owned(),
        record_id,
        op: Op::Upsert { fields },
        hlc,
        device_id: ADMIN_NODE,
    };
    let resp = store
        .push(
            PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: ADMIN_NODE,
                changes: vec![change],
            },
            now_ms,
        )
        .await?;
    match resp.rejected.first() {
        None => Ok(()),
        Some(r) => Err(CoreError::storage(format!(
            "could not publish the {entity} record: {} ({})",
            r.code, r.en
        ))),
    }
}
