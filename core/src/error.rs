//! One error type for the whole core, so that the facade can hand every failure to the shells with a
//! stable code and a message in Korean and English.
//!
//! Codes are stable strings (`snake_case`): shells and servers match on them; the texts are for people.

use std::fmt;

/// The broad kind of a failure. The stable, detailed code lives in [`CoreError::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Input broke a validation rule; nothing was written.
    Invalid,
    /// A referenced record does not exist.
    NotFound,
    /// A state change that the life cycle does not allow (e.g. a completed visit started again).
    InvalidTransition,
    /// The record was changed or exists already in a way that conflicts with this request.
    Conflict,
    /// The database file was written by a newer version of Donghaeng.
    SchemaTooNew,
    /// SQLite or the file system failed.
    Storage,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::Conflict => "conflict",
            ErrorCode::SchemaTooNew => "schema_too_new",
            ErrorCode::Storage => "storage",
        }
    }
}

/// A failure in the core: a kind, a stable detailed code (e.g. `crisis_level_out_of_range`), the field it
/// concerns if any, and a message in Korean and in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CoreError {
    pub kind: ErrorCode,
    /// Stable, detailed code such as `crisis_level_out_of_range`.
    pub code: &'static str,
    /// The input field concerned (`household.crisis_level`), when there is one.
    pub field: Option<String>,
    pub ko: String,
    pub en: String,
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} ({})", self.code, self.ko, self.en)
    }
}

impl CoreError {
    fn new(
        kind: ErrorCode,
        code: &'static str,
        field: Option<&str>,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        CoreError {
            kind,
            code,
            field: field.map(str::to_owned),
            ko: ko.into(),
            en: en.into(),
        }
    }

    /// Input that breaks a rule. `field` names the input field.
    pub fn invalid(
        code: &'static str,
        field: &str,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self::new(ErrorCode::Invalid, code, Some(field), ko, en)
    }

    /// A referenced record that does not exist; `what` is e.g. `household`.
    pub fn not_found(what: &'static str, id: impl fmt::Display) -> Self {
        let (ko_what, code) = match what {
            "household" => ("가구", "household_not_found"),
            "person" => ("가구원", "person_not_found"),
            "worker" => ("직원", "worker_not_found"),
            "org_unit" => ("조직", "org_unit_not_found"),
            "visit" => ("방문", "visit_not_found"),
            "case" => ("사례", "case_not_found"),
            "referral" => ("의뢰", "referral_not_found"),
            "crisis_report" => ("위기가구 제보", "crisis_report_not_found"),
            "wellness_check" => ("안부확인", "wellness_check_not_found"),
            "note" => ("상담 기록", "case_note_not_found"),
            "service_provision" => ("서비스 제공 기록", "service_provision_not_found"),
            "discharge_referral" => ("퇴원환자 연계", "discharge_referral_not_found"),
            "device" => ("기기", "device_not_found"),
            "user" => ("사용자", "user_not_found"),
            _ => ("기록", "record_not_found"),
        };
        Self::new(
            ErrorCode::NotFound,
            code,
            None,
            format!("{ko_what}을(를) 찾을 수 없습니다: {id}"),
            format!("{what} not found: {id}"),
        )
    }

    pub fn invalid_transition(
        code: &'static str,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self::new(ErrorCode::InvalidTransition, code, None, ko, en)
    }

    pub fn conflict(code: &'static str, ko: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, code, None, ko, en)
    }

    pub fn schema_too_new(found: i64, supported: i64) -> Self {
        Self::new(
            ErrorCode::SchemaTooNew,
            "schema_too_new",
            None,
            format!(
                "이 데이터 파일은 더 새로운 버전의 앱이 만든 것입니다 (스키마 {found}, 지원 {supported}). 앱을 업데이트하세요. 파일은 변경하지 않았습니다."
            ),
            format!(
                "This data file was written by a newer version of the app (schema {found}, supported {supported}). Update the app. The file was left untouched."
            ),
        )
    }

    /// A command line that could not be read (an unknown option, a malformed id): `detail` is the
    /// argument parser's explanation, `field` the argument it concerns.
    pub fn usage(field: Option<&str>, detail: impl fmt::Display) -> Self {
        Self::new(
            ErrorCode::Invalid,
            "usage_invalid",
            field,
            format!("명령줄을 해석할 수 없습니다: {detail} (사용법: --help)"),
            format!("cannot read the command line: {detail} (usage: --help)"),
        )
    }

    /// What a command-line program prints on stderr for this error, newline-terminated: Korean,
    /// English, then the stable code (and field) for scripts. The one format of every Donghaeng
    /// command (`donghaeng`, `donghaeng-sync-server` and its `admin` subcommands), which exit
    /// with [`CLI_ERROR_EXIT`].
    pub fn cli_report(&self) -> String {
        let field = self
            .field
            .as_deref()
            .map(|f| format!(", field: {f}"))
            .unwrap_or_default();
        format!(
            "오류: {}\nerror: {}\ncode: {}{field}\n",
            self.ko, self.en, self.code
        )
    }

    pub fn storage(detail: impl fmt::Display) -> Self {
        Self::new(
            ErrorCode::Storage,
            "storage",
            None,
            format!("저장소 오류: {detail}"),
            format!("storage error: {detail}"),
        )
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::storage(e)
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

/// The exit status of a Donghaeng command that failed with a [`CoreError`] (as clap's usage
/// errors: 2).
pub const CLI_ERROR_EXIT: u8 = 2;

#[cfg(test)]
mod cli_report_tests {
    use super::*;

    #[test]
    fn a_cli_report_is_korean_english_and_the_code_each_on_its_own_line() {
        let e = CoreError::invalid(
            "name_invalid",
            "name",
            "이름이 비어 있습니다",
            "name is empty",
        );
        assert_eq!(
            e.cli_report(),
            "오류: 이름이 비어 있습니다\nerror: name is empty\ncode: name_invalid, field: name\n"
        );
        assert_eq!(
            CoreError::storage("disk full").cli_report(),
            "오류: 저장소 오류: disk full\nerror: storage error: disk full\ncode: storage\n"
        );
    }
}
