//! The facade's errors: the core's boundary error ([`DonghaengError`], Kotlin `DonghaengException`) and
//! what a shell's listener may throw.

pub use donghaeng_core::ffi::DonghaengError;

pub type FfiResult<T> = Result<T, DonghaengError>;

/// A facade-level input error (a limit of this boundary), naming the field.
pub fn invalid(code: &str, field: &str, ko: String, en: String) -> DonghaengError {
    DonghaengError::Invalid {
        code: code.to_owned(),
        field: Some(field.to_owned()),
        ko,
        en,
    }
}

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
