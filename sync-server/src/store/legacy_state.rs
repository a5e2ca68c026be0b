//! The merged state as both stores held it before schema step 7 (a row per field of a live record;
//! a tombstone's and an appended record's stamp, change id and record in columns), decoded once for
//! the two conversions (`sqlite/legacy.rs`, `postgres/legacy.rs`), the only readers of that form.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;

use donghaeng_core::sync::{FieldVersion, HlcTimestamp, RecordState};
use donghaeng_core::{CoreError, CoreResult};

/// A record's state from its `merged_records` columns; a live record comes with no fields yet
/// (they are its `merged_fields` rows, [`field`]).
pub fn record_state(
    state: &str,
    hlc: Option<&str>,
    change_id: Option<Uuid>,
    record: Option<&str>,
) -> CoreResult<RecordState> {
    let stamp = || decode_stamp(hlc.unwrap_or_default());
    let cid = || change_id.ok_or_else(|| corrupt("a record without its change".into()));
    Ok(match state {
        "live" => RecordState::Live {
            fields: BTreeMap::new(),
        },
        "deleted" => RecordState::Deleted {
            hlc: stamp()?,
            change_id: cid()?,
        },
        "appended" => RecordState::Appended {
            record: serde_json::from_str(record.unwrap_or("{}"))
                .map_err(|e| corrupt(format!("record: {e}")))?,
            hlc: stamp()?,
            change_id: cid()?,
        },
        other => return Err(corrupt(format!("unknown record state {other:?}"))),
    })
}

/// Adds one `merged_fields` row to a live record's state; a row of a record that is not live (a
/// tombstone's fields were deleted with it) is skipped.
pub fn add_field(
    state: &mut RecordState,
    name: String,
    value: &str,
    hlc: &str,
    change_id: Uuid,
) -> CoreResult<()> {
    let RecordState::Live { fields } = state else {
        return Ok(());
    };
    let value: Value =
        serde_json::from_str(value).map_err(|e| corrupt(format!("field value: {e}")))?;
    fields.insert(
        name,
        FieldVersion {
            value,
            hlc: decode_stamp(hlc)?,
            change_id,
        },
    );
    Ok(())
}

fn decode_stamp(s: &str) -> CoreResult<HlcTimestamp> {
    HlcTimestamp::decode(s, "hlc").map_err(|e| corrupt(format!("stamp: {e}")))
}

fn corrupt(what: String) -> CoreError {
    CoreError::storage(format!("merged state before step 7: {what}"))
}
