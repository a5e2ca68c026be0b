//! Field values between SQLite columns and sync JSON (값 변환).
//!
//! A synced value is exactly the column's SQLite value: INTEGER and REAL → JSON number, TEXT →
//! string, NULL → null. Booleans are the store's 0 / 1 integers (a JSON `true`/`false` from another
//! peer is written as 1 / 0). Capture reads the row after the repository wrote it, so the change
//! carries what the store really holds, byte for byte.

use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::{Number, Value};

use crate::{CoreError, CoreResult};

/// A column value as sync JSON. BLOBs never occur in synced columns; they are refused.
pub fn to_json(v: ValueRef<'_>, field: &str) -> CoreResult<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Number(i.into()),
        // SQLite never stores NaN (it becomes NULL), so `from_f64` succeeds; fall back to null.
        ValueRef::Real(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => {
            return Err(CoreError::invalid(
                "value_not_scalar",
                field,
                format!("동기화할 수 없는 값입니다 (BLOB): {field}"),
                format!("cannot sync a BLOB value: {field}"),
            ))
        }
    })
}

/// A sync JSON value as a column value. Arrays and objects never pass validation; they become NULL
/// so that a faulty peer cannot stop the page (the NOT NULL check then keeps the row pending).
pub fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null | Value::Array(_) | Value::Object(_) => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => n.as_f64().map_or(SqlValue::Null, SqlValue::Real),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
    }
}
