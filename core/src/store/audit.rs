//! The audit trail on the phone (감사 기록), issue 10: who read or changed which household's record,
//! when, from which device. Append-only and synced: each entry travels to the server with the next
//! push, where supervisors see it for their units; the server never sends entries back to phones.
//!
//! Entries hold codes and ids only (no names, addresses or values), so the trail itself adds no
//! personal data to what the phone already holds. Changes are audited by the change log itself (each
//! change carries its device id, and the server records who pushed it); what only the phone can know
//! is that someone *looked* — [`Audit::household_viewed`] is called by the shell when a household's
//! detail is shown.

use chrono::{DateTime, Utc};
use rusqlite::{params, Row};

use super::conv::{get_id, get_opt_id, get_time, ms};
use super::Store;
use crate::model::{new_id, Id};
use crate::{CoreError, CoreResult};

/// The sync entity (and table) name.
pub const ENTITY: &str = "audit_entries";

pub use crate::model::audit::AuditAction;
/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub id: Id,
    pub at: DateTime<Utc>,
    /// The user (worker id) who acted; `None` when unknown (a refused, unauthenticated request).
    pub actor_id: Option<Id>,
    /// The device (or server node) that recorded it, as text.
    pub device_id: String,
    pub action: AuditAction,
    /// The entity concerned (`households`, `cases` …), if any.
    pub entity: Option<String>,
    pub record_id: Option<Id>,
    pub household_id: Option<Id>,
    /// A code or count, never personal data (`token_expired`, `3 changes`).
    pub detail: Option<String>,
}

const COLUMNS: &str =
    "id, at, actor_id, device_id, action, entity, record_id, household_id, detail";

/// Longest `detail` accepted: it is a code or a count, not free text.
pub const MAX_DETAIL_LEN: usize = 200;

fn from_row(r: &Row<'_>) -> rusqlite::Result<(AuditEntry, String)> {
    let action: String = r.get(4)?;
    Ok((
        AuditEntry {
            id: get_id(r, 0)?,
            at: get_time(r, 1)?,
            actor_id: get_opt_id(r, 2)?,
            device_id: r.get(3)?,
            action: AuditAction::Viewed,
            entity: r.get(5)?,
            record_id: get_opt_id(r, 6)?,
            household_id: get_opt_id(r, 7)?,
            detail: r.get(8)?,
        },
        action,
    ))
}

pub struct Audit<'a>(pub(super) &'a Store);

impl Audit<'_> {
    /// Records that `actor` was shown household `household_id`'s detail on this phone.
    pub fn household_viewed(&self, actor: Id, household_id: Id) -> CoreResult<AuditEntry> {
        self.record(
            Some(actor),
            AuditAction::Viewed,
            Some("households"),
            Some(household_id),
            Some(household_id),
            None,
        )
    }

    /// Records an entry made on this phone (its device id, the store's clock) with its sync change.
    pub fn record(
        &self,
        actor: Option<Id>,
        action: AuditAction,
        entity: Option<&str>,
        record_id: Option<Id>,
        household_id: Option<Id>,
        detail: Option<&str>,
    ) -> CoreResult<AuditEntry> {
        if let Some(e) = entity {
            if crate::sync::entity(e).is_none() {
                return Err(CoreError::invalid(
                    "audit_entity_unknown",
                    "entity",
                    format!("감사 기록의 대상 종류를 알 수 없습니다: {e}"),
                    format!("unknown entity in an audit entry: {e}"),
                ));
            }
        }
        if detail.is_some_and(|d| d.chars().count() > MAX_DETAIL_LEN) {
            return Err(CoreError::invalid(
                "audit_detail_too_long",
                "detail",
                format!("감사 기록의 세부 내용은 {MAX_DETAIL_LEN}자까지입니다."),
                format!("an audit entry's detail is at most {MAX_DETAIL_LEN} characters"),
            ));
        }
        let entry = AuditEntry {
            id: new_id(),
            at: self.0.clock().now(),
            actor_id: actor,
            device_id: self.0.device_id()?.to_string(),
            action,
            entity: entity.map(str::to_owned),
            record_id,
            household_id,
            detail: detail.map(str::to_owned),
        };
        self.0.write_synced(|tx, cap| {
            tx.prepare_cached(&format!(
                "INSERT INTO audit_entries ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                entry.id.to_string(),
                ms(entry.at),
                entry.actor_id.map(|a| a.to_string()),
                entry.device_id,
                entry.action.code(),
                entry.entity,
                entry.record_id.map(|r| r.to_string()),
                entry.household_id.map(|h| h.to_string()),
                entry.detail,
            ])?;
            cap.append(tx, ENTITY, entry.id)?;
            Ok(())
        })?;
        Ok(entry)
    }

    /// The entries about a household held on this phone, oldest first.
    pub fn for_household(&self, household_id: Id) -> CoreResult<Vec<AuditEntry>> {
        self.list(Some(household_id))
    }

    /// The entries held, about one household or all, oldest first.
    pub fn list(&self, household_id: Option<Id>) -> CoreResult<Vec<AuditEntry>> {
        self.0.read(|tx| {
            let rows = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM audit_entries
                      WHERE ?1 IS NULL OR household_id = ?1 ORDER BY at, id"
                ))?
                .query_map([household_id.map(|h| h.to_string())], from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(mut e, action)| {
                    e.action = AuditAction::parse(&action)?;
                    Ok(e)
                })
                .collect()
        })
    }
}
