//! Validation of incoming sync messages (수신 검증). The server runs it on every push and pull before
//! touching storage: a batch with any structural error is refused whole (nothing partly applied), with
//! a stable code and the path of the offending field (`changes[3].op.fields.crisis_levle`).
//!
//! What depends on server state (skew against its clock, scopes, an id already used for other
//! content) is checked per change later and reported in [`super::protocol::PushResponse::rejected`].

use std::collections::HashSet;

use serde_json::Value;

use super::change::{Change, Fields, Op};
use super::entity::{known_entity, EntityKind, EntitySpec, FieldSet};
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
/// Largest change, in bytes of its JSON encoding (our choice: 64 KiB). The widest record a phone
/// writes is a referral — a 4,000-character reason and a 4,000-character reply note: ~24 KiB of
/// Korean UTF-8, at worst ~32 KiB if every character were a 4-byte emoji — so 64 KiB holds the
/// largest real record twice over, while the other limits alone (64 fields of 16 KiB) would allow
/// ~1 MiB. It bounds what one change costs in a push, a pull page
/// ([`DEFAULT_PULL_PAGE_BYTES`] holds at least 64 of the largest) and the server's memory.
pub const MAX_CHANGE_BYTES: usize = 64 * 1024;
/// Default byte budget of one pull page (our choice: 4 MiB; the server's `--pull-page-bytes`). A
/// full page of 5,000 ordinary changes (~450 bytes each, ~2.3 MiB) still fits, so an initial sync
/// keeps its ten pages; a page of large changes stops at 4 MiB, which a phone downloads in about
/// 17 s at 2 Mbit/s, inside its 30 s request timeout; and a pull holds a few times its page in the
/// server's memory, not the 5,000 × 64 KiB a count alone would allow. See [`PageBudget`].
pub const DEFAULT_PULL_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// What an entry of a pull page costs beyond its change's JSON: `{"seq":…,"change":…},` with the
/// widest sequence number. Counting it makes the budget bound the page's JSON, not only its changes.
pub const PAGE_ENTRY_OVERHEAD: usize = 40;

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
    let spec = known_entity(&change.entity, &format!("{path}.entity"))?;
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
    let bytes = encoded_len(change);
    if bytes > MAX_CHANGE_BYTES {
        return Err(invalid(
            "change_too_large",
            path,
            format!(
                "변경 하나가 너무 큽니다 ({path}): {bytes}바이트 (최대 {MAX_CHANGE_BYTES}바이트). 내용을 줄이거나 나누어 저장하세요."
            ),
            format!(
                "one change is too large ({path}): {bytes} bytes (max {MAX_CHANGE_BYTES}); shorten or split it"
            ),
        ));
    }
    // Each value of its field's type (after the shape and size checks, so that an oversized or
    // non-scalar value is named as such).
    if let Some(fields) = fields {
        for (name, value) in fields {
            super::field_types::check(spec.name, name, value, &format!("{fields_path}.{name}"))?;
        }
    }
    Ok(())
}

/// The length in bytes of a change's JSON encoding (what the server stores and sends) — or of a
/// snapshot record's — counted without building the string.
pub fn encoded_len(change: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    // Encoding a protocol message cannot fail: its maps have string keys, its values are JSON.
    let _ = serde_json::to_writer(&mut n, change);
    n.0
}

/// The rule that fills a pull page, shared by the reference, both server stores and the scope
/// filter: entries in sequence order until `limit` entries or `max_bytes` bytes (each entry
/// costing its change's JSON plus [`PAGE_ENTRY_OVERHEAD`]), whichever comes first — except that
/// the first entry is always taken, however large, or a phone could never get past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageBudget {
    limit: usize,
    max_bytes: usize,
    count: usize,
    bytes: usize,
}

impl PageBudget {
    pub fn new(limit: usize, max_bytes: usize) -> PageBudget {
        PageBudget {
            limit: limit.max(1),
            max_bytes,
            count: 0,
            bytes: 0,
        }
    }

    /// The budget of a pull request: its effective count limit and `max_bytes`.
    pub fn for_pull(req: &PullRequest, max_bytes: usize) -> PageBudget {
        PageBudget::new(effective_limit(req) as usize, max_bytes)
    }

    /// What an entry whose change encodes to `change_bytes` costs.
    pub fn cost(change_bytes: usize) -> usize {
        change_bytes.saturating_add(PAGE_ENTRY_OVERHEAD)
    }

    /// Whether an entry of `cost` bytes still fits the page (always true for the first entry);
    /// if it does, it is counted.
    pub fn admit(&mut self, cost: usize) -> bool {
        let fits = self.count == 0
            || (self.count < self.limit && self.bytes.saturating_add(cost) <= self.max_bytes);
        if fits {
            self.count += 1;
            self.bytes = self.bytes.saturating_add(cost);
        }
        fits
    }

    /// Whether the page has reached its entry count.
    pub fn full(&self) -> bool {
        self.count >= self.limit
    }

    /// Entries taken so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes taken so far.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
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
