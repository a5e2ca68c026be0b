//! Conversions at the boundary: ids, dates and instants. Nothing here decides anything about the domain.
//!
//! - Ids cross as strings (UUID text); one that does not parse is an `invalid` error (`invalid_id`)
//!   naming the field.
//! - Calendar dates cross as `"YYYY-MM-DD"` strings, parsed by the core's `validate::parse_date`
//!   (impossible dates → `invalid_date`). Years outside 0001–9999 are refused (`date_out_of_range`):
//!   the format has four digits, and date arithmetic in the core must never overflow.
//! - Instants cross as `i64` milliseconds since 1970-01-01T00:00:00Z (the core stores the same); outside
//!   years 0001–9999 they are refused (`timestamp_out_of_range`).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use donghaeng_core::model::validate::parse_date;
use donghaeng_core::model::Id;

use crate::error::{DonghaengError, FfiResult};

const MIN_YEAR: i32 = 1;
const MAX_YEAR: i32 = 9999;

pub fn id(field: &str, value: &str) -> FfiResult<Id> {
    Id::parse_str(value.trim()).map_err(|_| {
        DonghaengError::invalid(
            "invalid_id",
            field,
            format!("{field}: 올바른 ID가 아닙니다: {value:?}"),
            format!("{field}: not a valid id: {value:?}"),
        )
    })
}

pub fn opt_id(field: &str, value: Option<&str>) -> FfiResult<Option<Id>> {
    value.map(|v| id(field, v)).transpose()
}

pub fn ids(field: &str, values: &[String]) -> FfiResult<Vec<Id>> {
    values.iter().map(|v| id(field, v)).collect()
}

pub fn id_str(id: Id) -> String {
    id.to_string()
}

pub fn opt_id_str(id: Option<Id>) -> Option<String> {
    id.map(id_str)
}

pub fn date(field: &str, value: &str) -> FfiResult<NaiveDate> {
    let d = parse_date(field, value)?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        return Err(DonghaengError::invalid(
            "date_out_of_range",
            field,
            format!("{field}: 연도는 {MIN_YEAR}~{MAX_YEAR} 사이여야 합니다: {value:?}"),
            format!("{field}: the year must be within {MIN_YEAR}..={MAX_YEAR}: {value:?}"),
        ));
    }
    Ok(d)
}

pub fn opt_date(field: &str, value: Option<&str>) -> FfiResult<Option<NaiveDate>> {
    value.map(|v| date(field, v)).transpose()
}

pub fn date_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn opt_date_str(d: Option<NaiveDate>) -> Option<String> {
    d.map(date_str)
}

pub fn instant(field: &str, ms: i64) -> FfiResult<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .filter(|t| (MIN_YEAR..=MAX_YEAR).contains(&t.year()))
        .ok_or_else(|| {
            DonghaengError::invalid(
                "timestamp_out_of_range",
                field,
                format!("{field}: 범위를 벗어난 시각입니다 (밀리초: {ms})"),
                format!("{field}: timestamp out of range (milliseconds: {ms})"),
            )
        })
}

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn opt_ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(ms)
}
