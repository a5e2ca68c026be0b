//! Validation of incoming sync messages (수신 검증). The server runs it on every push and pull before
//! touching storage: a batch with any structural error is refused whole (nothing partly applied), with
//! a stable code and the path of the offending field (`changes[3].op.fields.crisis_levle`).
//!
//! What depends on server state (skew against its clock, scopes, an id already used for other
//! content) is checked per change later and reported in [`super::protocol::PushResponse::rejected`].

use std::collections::HashSet;

use serde_json::Value;

use super::change::{Change, Fields, Op};
use super::entity::{entity, EntityKind, EntitySpec, FieldSet};
use super::protocol::{ProtocolVersion, PullRequest, PushRequest};
use crate::{CoreError, CoreResult};

/// Most changes in one push (our choice, configurable by constant): a device with a bigger outbox
/// pushes several batches. Bounds the server's memory and transaction time per request.
pub const MAX_PUSH_CHANGES: usize = 1_000;
/// Largest pull page (our choice): an initial sync of one 동 (~50,000 changes) takes ten pages.
pub const MAX_PULL_LIMIT: u32 = 5_000;
/// Most fields in one change: the widest table has 17 synced columns; a visit may have many workers.
pub const MAX_FIELDS_PER_CHANGE: usize = 64;
/// Longest string value in bytes: notes are at most 4,000 characters (docs/store.md), 12,000 bytes of
/// UTF-8 for Korean, with room to spare.
pub const MAX_STRING_BYTES: usize = 16 * 1024;

fn invalid(code: &'static str, field: &str, ko: String, en: String) -> CoreError {
    CoreError::invalid(code, field, ko, en)
}

/// Validates a whole push: version, size, and every change (see [`validate_change`]); also refuses a
/// change id twice in one batch.
pub fn validate_push(req: &PushRequest) -> CoreResult<()> {
    ProtocolVersion::check(req.protocol_version)?;
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(invalid(
            "push_too_large",
            "changes",
            format!(
                "한 번에 보낼 수 있는 변경은 {MAX_PUSH_CHANGES}건까지입니다 ({}건). 나누어 보내세요.",
                req.changes.len()
            ),
            format!(
                "at most {MAX_PUSH_CHANGES} changes per push ({} sent); split the batch",
                req.changes.len()
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(req.changes.len());
    for (i, change) in req.changes.iter().enumerate() {
        if !seen.insert(change.id) {
            return Err(invalid(
                "duplicate_change_id_in_batch",
                &format!("changes[{i}].id"),
                format!("같은 변경 ID가 한 배치에 두 번 있습니다: {}", change.id),
                format!(
                    "the same change id appears twice in one batch: {}",
                    change.id
                ),
            ));
        }
        if change.device_id != req.device_id {
            return Err(invalid(
                "change_device_mismatch",
                &format!("changes[{i}].device_id"),
                "기기는 자신이 만든 변경만 보낼 수 있습니다.".to_owned(),
                "a device may push only the changes it made".to_owned(),
            ));
        }
        validate_change(change, &format!("changes[{i}]"))?;
    }
    Ok(())
}

/// Validates a pull request: version and page size.
pub fn validate_pull(req: &PullRequest) -> CoreResult<()> {
    ProtocolVersion::check(req.protocol_version)?;
    if req.limit == 0 {
        return Err(invalid(
            "pull_limit_zero",
            "limit",
            "한 페이지 크기는 1 이상이어야 합니다.".to_owned(),
            "the page size must be at least 1".to_owned(),
        ));
    }
    Ok(())
}

/// The page size the server actually uses for a request.
pub fn effective_limit(req: &PullRequest) -> u32 {
    req.limit.clamp(1, MAX_PULL_LIMIT)
}

/// Validates one change on its own (the device runs it before putting a change in its outbox, the
/// server on every pushed change). `path` prefixes field names in errors, e.g. `changes[3]`.
pub fn validate_change(change: &Change, path: &str) -> CoreResult<()> {
    if change.id.get_version_num() != 7 {
        return Err(invalid(
            "change_id_not_v7",
            &format!("{path}.id"),
            format!("변경 ID는 UUID v7이어야 합니다: {}", change.id),
            format!("a change id must be a UUID v7: {}", change.id),
        ));
    }
    if change.record_id.is_nil() {
        return Err(invalid(
            "record_id_nil",
            &format!("{path}.record_id"),
            "기록 ID가 비어 있습니다.".to_owned(),
            "the record id is nil".to_owned(),
        ));
    }
    if change.hlc.node != change.device_id {
        return Err(invalid(
            "hlc_node_mismatch",
            &format!("{path}.hlc"),
            "HLC 시각의 기기 ID가 변경을 만든 기기와 다릅니다.".to_owned(),
            "the HLC node differs from the change's device id".to_owned(),
        ));
    }
    let Some(spec) = entity(&change.entity) else {
        return Err(invalid(
            "unknown_entity",
            &format!("{path}.entity"),
            format!("동기화할 수 없는 종류의 기록입니다: {:?}", change.entity),
            format!("unknown entity: {:?}", change.entity),
        ));
    };
    let fields_path = match &change.op {
        Op::Upsert { .. } => format!("{path}.op.fields"),
        Op::Append { .. } => format!("{path}.op.record"),
        Op::Delete => format!("{path}.op"),
    };
    let fields = match (&change.op, spec.kind) {
        (Op::Upsert { fields }, EntityKind::Mutable) => Some(fields),
        (Op::Append { record }, EntityKind::AppendOnly) => Some(record),
        (Op::Delete, EntityKind::Mutable) => None,
        (op, kind) => {
            let (ko_kind, en_kind) = match kind {
                EntityKind::Mutable => ("수정 가능한 기록", "a mutable record"),
                EntityKind::AppendOnly => ("추가만 하는 기록", "an append-only record"),
            };
            return Err(invalid(
                "op_not_allowed",
                &format!("{path}.op"),
                format!(
                    "{}은(는) {ko_kind}이므로 {} 작업을 할 수 없습니다.",
                    spec.name,
                    op.name()
                ),
                format!("{} is {en_kind}: {} is not allowed", spec.name, op.name()),
            ));
        }
    };
    if let Some(fields) = fields {
        validate_fields(fields, spec, &fields_path)?;
    }
    Ok(())
}

fn validate_fields(fields: &Fields, spec: &EntitySpec, path: &str) -> CoreResult<()> {
    let entity_name = spec.name;
    if fields.is_empty() {
        return Err(invalid(
            "fields_empty",
            path,
            "변경할 필드가 없습니다.".to_owned(),
            "the change has no fields".to_owned(),
        ));
    }
    if fields.len() > MAX_FIELDS_PER_CHANGE {
        return Err(invalid(
            "too_many_fields",
            path,
            format!(
                "한 변경의 필드는 {MAX_FIELDS_PER_CHANGE}개까지입니다 ({}개).",
                fields.len()
            ),
            format!(
                "at most {MAX_FIELDS_PER_CHANGE} fields per change ({})",
                fields.len()
            ),
        ));
    }
    for (name, value) in fields {
        let field_path = format!("{path}.{name}");
        if !spec.has_field(name) {
            return Err(invalid(
                "unknown_field",
                &field_path,
                format!("{entity_name}에 없는 필드입니다: {name:?}"),
                format!("{entity_name} has no field {name:?}"),
            ));
        }
        match value {
            // Assignments are true / false; every other column holds a scalar (columns are plain
            // SQLite values: sets are already comma-separated code lists).
            Value::Bool(_) => {}
            _ if spec.fields == FieldSet::WorkerIds => {
                return Err(invalid(
                    "assignment_not_bool",
                    &field_path,
                    "배정 값은 true 또는 false여야 합니다.".to_owned(),
                    "an assignment value must be true or false".to_owned(),
                ));
            }
            Value::Null | Value::Number(_) => {}
            Value::String(s) if s.len() <= MAX_STRING_BYTES => {}
            Value::String(s) => {
                return Err(invalid(
                    "value_too_large",
                    &field_path,
                    format!(
                        "값이 너무 깁니다: {}바이트 (최대 {MAX_STRING_BYTES}바이트).",
                        s.len()
                    ),
                    format!("value too long: {} bytes (max {MAX_STRING_BYTES})", s.len()),
                ));
            }
            Value::Array(_) | Value::Object(_) => {
                return Err(invalid(
                    "value_not_scalar",
                    &field_path,
                    "필드 값은 문자열, 숫자, 참/거짓 또는 null이어야 합니다.".to_owned(),
                    "a field value must be a string, number, boolean or null".to_owned(),
                ));
            }
        }
    }
    Ok(())
}
