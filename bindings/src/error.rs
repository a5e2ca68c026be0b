//! The one error type of the facade. Kotlin names it `DonghaengException`, Swift `DonghaengError`,
//! Python `DonghaengError`.
//!
//! One variant per [`ErrorCode`] of the core, plus [`DonghaengError::Closed`] for a store used after
//! `close()` and [`DonghaengError::WrongKey`] for a database key that does not open the file (the core's
//! `store_key_wrong`, an `Invalid` there: its own variant here, so that the app can catch it alone and
//! offer recovery rather than show a form error). Every variant carries the stable detailed `code` (e.g. `invalid_date`), the input `field`
//! when there is one (e.g. `visit.window_start_ms`), and the message in Korean (`ko`) and English (`en`).
//!
//! Messages: uniffi builds the Kotlin `message` / Python `str()` of an error with fields from its fields
//! (`code=…, field=…, ko=…, en=…`); the Rust `Display` (exported, so it is Kotlin's `toString()` and
//! Swift's `description`) is `[code] ko (en)`, as the core's.

use donghaeng_core::{CoreError, ErrorCode};

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
    /// SQLite or the file system failed (also: a file that is not a database, a path that cannot be opened).
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

    /// A facade-level input error (an id or a number that cannot be converted), naming the field.
    pub fn invalid(code: &str, field: &str, ko: String, en: String) -> Self {
        DonghaengError::Invalid {
            code: code.to_owned(),
            field: Some(field.to_owned()),
            ko,
            en,
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
        if code == donghaeng_core::store::encryption::WRONG_KEY {
            return DonghaengError::WrongKey {
                code: code.to_owned(),
                field,
                ko,
                en,
            };
        }
        let code = code.to_owned();
        // Exhaustive: a new kind in the core is a compile error here.
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

pub type FfiResult<T> = Result<T, DonghaengError>;

/// What a shell's listener (`SafetyAlarmListener`, `SyncProgressListener`) may throw. The facade never
/// lets a failing listener stop the core's work: the failure is counted (`listener_failures`) and the
/// work goes on, so no safety action and no synced change is lost because a UI callback threw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    #[error("listener failed: {reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ListenerError::Failed { reason: e.reason }
    }
}
