//! Validation helpers shared by every repository: each returns a typed [`CoreError`] naming the field.
//!
//! Limits are **our choice** (the seeds give none): long enough for real Korean names, road-name
//! addresses and a visit's notes, short enough that a stuck keyboard or a paste accident cannot bloat
//! the phone's database or a sync batch.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{CoreError, CoreResult};

/// Names of people and organisations, in characters.
pub const NAME_MAX_CHARS: usize = 60;
/// Addresses, in characters.
pub const ADDRESS_MAX_CHARS: usize = 200;
/// Free notes (visit notes, case notes, wellness notes), in characters.
pub const NOTE_MAX_CHARS: usize = 4000;

/// A required single-line text: trimmed, not empty, at most `max` characters, no control characters.
pub fn required_text(field: &str, value: &str, max: usize) -> CoreResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(CoreError::invalid(
            "required",
            field,
            format!("{field}: 값을 입력하세요"),
            format!("{field}: a value is required"),
        ));
    }
    check_len_and_chars(field, v, max, false)?;
    Ok(v.to_owned())
}

/// An optional note: multi-line allowed; empty becomes `None`.
pub fn optional_note(field: &str, value: Option<&str>) -> CoreResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check_len_and_chars(field, v, NOTE_MAX_CHARS, true)?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// A required note body (case notes).
pub fn required_note(field: &str, value: &str) -> CoreResult<String> {
    optional_note(field, Some(value))?.ok_or_else(|| {
        CoreError::invalid(
            "required",
            field,
            format!("{field}: 내용을 입력하세요"),
            format!("{field}: a value is required"),
        )
    })
}

fn check_len_and_chars(field: &str, v: &str, max: usize, multiline: bool) -> CoreResult<()> {
    let n = v.chars().count();
    if n > max {
        return Err(CoreError::invalid(
            "too_long",
            field,
            format!("{field}: 최대 {max}자까지 입력할 수 있습니다 (입력: {n}자)"),
            format!("{field}: at most {max} characters (got {n})"),
        ));
    }
    let bad = v
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')));
    if bad {
        return Err(CoreError::invalid(
            "control_characters",
            field,
            format!("{field}: 허용되지 않는 제어 문자가 있습니다"),
            format!("{field}: contains control characters"),
        ));
    }
    Ok(())
}

/// A phone number: digits with optional `-`, spaces or a leading `+`; 7 to 15 digits.
pub fn optional_phone(field: &str, value: Option<&str>) -> CoreResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let allowed = v
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == '-' || c == ' ' || (c == '+' && i == 0));
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(7..=15).contains(&digits) {
        return Err(CoreError::invalid(
            "invalid_phone",
            field,
            format!("{field}: 전화번호 형식이 아닙니다"),
            format!("{field}: not a phone number"),
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Parses `YYYY-MM-DD`; an impossible date (2023-02-30) is an error naming the field.
pub fn parse_date(field: &str, value: &str) -> CoreResult<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        CoreError::invalid(
            "invalid_date",
            field,
            format!("{field}: 올바른 날짜가 아닙니다 (YYYY-MM-DD): {value:?}"),
            format!("{field}: not a valid date (YYYY-MM-DD): {value:?}"),
        )
    })
}

/// Parses an RFC 3339 timestamp (`2024-05-01T09:30:00+09:00`).
pub fn parse_datetime(field: &str, value: &str) -> CoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            CoreError::invalid(
                "invalid_datetime",
                field,
                format!("{field}: 올바른 일시가 아닙니다 (RFC 3339): {value:?}"),
                format!("{field}: not a valid timestamp (RFC 3339): {value:?}"),
            )
        })
}

/// A birth date must lie between 1900-01-01 and `today`.
pub fn birth_date(field: &str, date: NaiveDate, today: NaiveDate) -> CoreResult<NaiveDate> {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    if date < earliest || date > today {
        return Err(CoreError::invalid(
            "birth_date_out_of_range",
            field,
            format!("{field}: 생년월일은 1900-01-01부터 오늘까지여야 합니다 ({date})"),
            format!("{field}: birth date must be between 1900-01-01 and today ({date})"),
        ));
    }
    Ok(date)
}
