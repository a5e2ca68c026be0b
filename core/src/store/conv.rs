//! Conversions between model values and SQLite columns.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Type;
use rusqlite::Row;

use crate::model::Id;
use crate::CoreError;

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn opt_ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(ms)
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn opt_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(date)
}

fn bad(idx: usize, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, msg.into())
}

pub fn get_id(row: &Row<'_>, idx: usize) -> rusqlite::Result<Id> {
    let s: String = row.get(idx)?;
    Id::parse_str(&s).map_err(|e| bad(idx, e.to_string()))
}

pub fn get_opt_id(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Id>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| Id::parse_str(&s).map_err(|e| bad(idx, e.to_string())))
        .transpose()
}

pub fn get_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    Ok(from_ms(row.get(idx)?))
}

pub fn get_opt_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(row.get::<_, Option<i64>>(idx)?.map(from_ms))
}

pub fn get_date(row: &Row<'_>, idx: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = row.get(idx)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| bad(idx, e.to_string()))
}

pub fn get_opt_date(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| bad(idx, e.to_string())))
        .transpose()
}

/// A set of codes as one column: `a,b,c` (codes never contain commas).
pub fn codes<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn get_codes<T: FromStr<Err = CoreError>>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Vec<T>> {
    let s: String = row.get(idx)?;
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<T>().map_err(|e| bad(idx, e.en)))
        .collect()
}

/// Sorted, without duplicates: sets are stored canonically so equal sets compare equal.
pub fn canonical<T: Ord + Copy>(values: &[T]) -> Vec<T> {
    let mut v = values.to_vec();
    v.sort();
    v.dedup();
    v
}
