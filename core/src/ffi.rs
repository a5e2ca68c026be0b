//! What the optional `uniffi` feature adds: how ids, calendar days and instants cross to Kotlin, Swift
//! and Python, and the one error type every exported call fails with. With it, the model's records and
//! enums (their `cfg_attr` derives) cross as they are and the bindings crate does not mirror them.
//!
//! - Ids cross as UUID text; text that is not one is refused with `invalid_id`.
//! - Calendar days cross as `"YYYY-MM-DD"` (`validate::parse_date`: impossible days are `invalid_date`);
//!   years outside 0001–9999 are refused (`date_out_of_range`): the format has four digits, and date
//!   arithmetic must never overflow.
//! - Instants cross as `i64` milliseconds since 1970-01-01T00:00:00Z (what the store keeps), fields
//!   named `…_ms` on the other side; outside years 0001–9999: `timestamp_out_of_range`.
//! - A crisis level crosses as its number 1–5 (`crisis_level_out_of_range`).
//!
//! A value that does not convert fails the call with [`DonghaengError::Invalid`] carrying the code and
//! the value, never a panic. uniffi reports it before the call runs, so it cannot name the record field
//! (the value is in the message).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::model::validate::parse_date;
use crate::model::{ClosureCategory, ClosureReason, CrisisLevel, Referral, WellnessChecklist};
use crate::{CoreError, ErrorCode};

const MIN_YEAR: i32 = 1;
const MAX_YEAR: i32 = 9999;

/// An instant on the boundary (a named alias: uniffi's custom types take one identifier).
pub type UtcInstant = DateTime<Utc>;

uniffi::custom_type!(Uuid, String, {
    remote,
    lower: |id| id.to_string(),
    try_lift: |text| Ok(parse_id(&text)?),
});

uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |day| day.format("%Y-%m-%d").to_string(),
    try_lift: |text| Ok(parse_day(&text)?),
});

uniffi::custom_type!(UtcInstant, i64, {
    remote,
    lower: |t| t.timestamp_millis(),
    try_lift: |ms| Ok(instant(ms)?),
});

uniffi::custom_type!(CrisisLevel, u8, {
    lower: |level| level.value(),
    try_lift: |n| Ok(CrisisLevel::new(i64::from(n)).map_err(DonghaengError::from)?),
});

fn parse_id(text: &str) -> Result<Uuid, DonghaengError> {
    Uuid::parse_str(text.trim()).map_err(|_| DonghaengError::Invalid {
        code: "invalid_id".to_owned(),
        field: None,
        ko: format!("올바른 ID가 아닙니다: {text:?}"),
        en: format!("not a valid id: {text:?}"),
    })
}

fn parse_day(text: &str) -> Result<NaiveDate, DonghaengError> {
    let day = parse_date("date", text).map_err(|_| DonghaengError::Invalid {
        code: "invalid_date".to_owned(),
        field: None,
        ko: format!("올바른 날짜가 아닙니다 (YYYY-MM-DD): {text:?}"),
        en: format!("not a valid date (YYYY-MM-DD): {text:?}"),
    })?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&day.year()) {
        return Err(DonghaengError::Invalid {
            code: "date_out_of_range".to_owned(),
            field: None,
            ko: format!("연도는 {MIN_YEAR}~{MAX_YEAR} 사이여야 합니다: {text:?}"),
            en: format!("the year must be within {MIN_YEAR}..={MAX_YEAR}: {text:?}"),
        });
    }
    Ok(day)
}

fn instant(ms: i64) -> Result<UtcInstant, DonghaengError> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .filter(|t| (MIN_YEAR..=MAX_YEAR).contains(&t.year()))
        .ok_or_else(|| DonghaengError::Invalid {
            code: "timestamp_out_of_range".to_owned(),
            field: None,
            ko: format!("범위를 벗어난 시각입니다 (밀리초: {ms})"),
            en: format!("timestamp out of range (milliseconds: {ms})"),
        })
}

// What the core answers about a record, for the shells to call on it.

#[uniffi::export]
impl WellnessChecklist {
    /// The core's judgement: anything calls for action today.
    #[uniffi::method(name = "is_urgent")]
    pub fn ffi_is_urgent(&self) -> bool {
        self.is_urgent()
    }
}

#[uniffi::export]
impl ClosureReason {
    /// The group of the closure reason.
    #[uniffi::method(name = "category")]
    pub fn ffi_category(&self) -> ClosureCategory {
        self.category()
    }
}

#[uniffi::export]
impl Referral {
    /// When the first reply is due (10 days after the referral).
    #[uniffi::method(name = "first_reply_due")]
    pub fn ffi_first_reply_due(&self) -> NaiveDate {
        self.first_reply_due()
    }

    /// When the final reply is due, once the service has ended.
    #[uniffi::method(name = "final_reply_due")]
    pub fn ffi_final_reply_due(&self) -> Option<NaiveDate> {
        self.final_reply_due()
    }
}

/// The one error of the boundary. Kotlin names it `DonghaengException`, Swift and Python
/// `DonghaengError`.
///
/// One variant per [`ErrorCode`], plus [`DonghaengError::Closed`] for a store used after `close()` and
/// [`DonghaengError::WrongKey`] for a database key that does not open the file (the store's
/// `store_key_wrong`, an `Invalid` in the core: its own variant here, so that the app can catch it
/// alone and offer recovery rather than show a form error). Every variant carries the stable detailed
/// `code` (e.g. `invalid_date`), the input `field` when there is one, and the message in Korean (`ko`)
/// and English (`en`). Its `Display` (Kotlin's `toString()`, Swift's `description`) is `[code] ko (en)`,
/// as the core's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum DonghaengError {
    /// Input broke a validation rule; nothing was written.
    #[error("[{code}] {ko} ({en})")]
    Invalid {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// A referenced record does not exist.
    #[error("[{code}] {ko} ({en})")]
    NotFound {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// The life cycle does not allow this change (e.g. a completed visit started again).
    #[error("[{code}] {ko} ({en})")]
    InvalidTransition {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// The record exists already or was changed in a way that conflicts with the request.
    #[error("[{code}] {ko} ({en})")]
    Conflict {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// The data file was written by a newer version of the app; it was left untouched.
    #[error("[{code}] {ko} ({en})")]
    SchemaTooNew {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// SQLite or the file system failed (also: a file that is not a database, a path that cannot be
    /// opened).
    #[error("[{code}] {ko} ({en})")]
    Storage {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// The database key does not open the file (code `store_key_wrong`, field `key`): the keystore
    /// entry was lost or replaced (e.g. after a device restore). The file was left untouched.
    #[error("[{code}] {ko} ({en})")]
    WrongKey {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
    /// The store was closed with `close()`; open it again to go on.
    #[error("[{code}] {ko} ({en})")]
    Closed {
        code: String,
        field: Option<String>,
        ko: String,
        en: String,
    },
}

impl DonghaengError {
    /// The error of every call on a closed store.
    pub fn closed() -> Self {
        DonghaengError::Closed {
            code: "closed".to_owned(),
            field: None,
            ko: "저장소가 닫혔습니다. 다시 여세요.".to_owned(),
            en: "the store is closed; open it again".to_owned(),
        }
    }
}

impl From<CoreError> for DonghaengError {
    fn from(e: CoreError) -> Self {
        let CoreError {
            kind,
            code,
            field,
            ko,
            en,
        } = e;
        let code_text = code.to_owned();
        if code == crate::store::encryption::WRONG_KEY {
            return DonghaengError::WrongKey {
                code: code_text,
                field,
                ko,
                en,
            };
        }
        let code = code_text;
        // Exhaustive: a new kind is a compile error here.
        match kind {
            ErrorCode::Invalid => DonghaengError::Invalid {
                code,
                field,
                ko,
                en,
            },
            ErrorCode::NotFound => DonghaengError::NotFound {
                code,
                field,
                ko,
                en,
            },
            ErrorCode::InvalidTransition => DonghaengError::InvalidTransition {
                code,
                field,
                ko,
                en,
            },
            ErrorCode::Conflict => DonghaengError::Conflict {
                code,
                field,
                ko,
                en,
            },
            ErrorCode::SchemaTooNew => DonghaengError::SchemaTooNew {
                code,
                field,
                ko,
                en,
            },
            ErrorCode::Storage => DonghaengError::Storage {
                code,
                field,
                ko,
                en,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_values_that_do_not_convert_are_typed_errors() {
        let code = |e: DonghaengError| match e {
            DonghaengError::Invalid { code, .. } => code,
            other => panic!("not invalid: {other:?}"),
        };
        assert_eq!(code(parse_id("not-a-uuid").unwrap_err()), "invalid_id");
        assert_eq!(code(parse_day("2026-02-30").unwrap_err()), "invalid_date");
        assert_eq!(
            code(parse_day("0000-01-01").unwrap_err()),
            "date_out_of_range"
        );
        assert_eq!(
            code(instant(i64::MAX).unwrap_err()),
            "timestamp_out_of_range"
        );
        assert_eq!(
            code(instant(-62_200_000_000_000).unwrap_err()),
            "timestamp_out_of_range"
        );
        assert_eq!(parse_day(" 2026-12-04 ").unwrap().to_string(), "2026-12-04");
        assert_eq!(instant(0).unwrap().timestamp_millis(), 0);
    }
}
