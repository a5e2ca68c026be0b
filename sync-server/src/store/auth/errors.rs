//! Every refusal of the auth rules, built in one place (Korean first, English beside it, naming the
//! field where there is one), so that both backends answer with the same code and the same advice.

use donghaeng_core::CoreError;

use crate::error::auth_error;

pub fn code_invalid() -> CoreError {
    auth_error(
        "enrolment_code_invalid",
        "등록 코드가 없거나, 이미 사용되었거나, 만료되었습니다. 관리자에게 새 코드를 받으세요.",
        "the enrolment code is unknown, already used or expired; ask an administrator for a new one",
    )
}

/// A retry of an enrolment without the proof (the retry key of the first attempt): the real phone
/// keeps its credential.
pub fn code_used() -> CoreError {
    CoreError::invalid(
        "enrolment_code_used",
        "retry_key",
        "이 등록 코드는 이미 다른 요청에 사용되었습니다. 처음 등록을 시도한 기기만 재시도 열쇠(retry_key)로 다시 받을 수 있습니다. 관리자에게 새 코드를 받으세요.",
        "this enrolment code was already used; only the device that first tried can retry, with its retry_key; ask an administrator for a new code",
    )
}

pub fn credential_invalid() -> CoreError {
    auth_error(
        "device_credential_invalid",
        "기기 인증 정보가 올바르지 않습니다. 기기를 다시 등록하세요.",
        "the device credential is not valid; enrol the device again",
    )
}

/// A revoked device must wipe its local data (a lost or stolen phone).
pub fn device_revoked() -> CoreError {
    auth_error(
        "device_revoked",
        "이 기기는 사용이 해지되었습니다. 기기에 저장된 자료를 모두 삭제하세요.",
        "this device has been revoked; wipe all data stored on it",
    )
}

/// The phone's id is its store's (every change it made carries it), so the cure is a new store.
pub fn device_id_taken() -> CoreError {
    let mut e = CoreError::conflict(
        "device_id_taken",
        "이미 다른 기기가 쓰고 있는 기기 ID(device_id)입니다. 앱을 다시 설치한 뒤 등록하세요.",
        "another device is already enrolled with this device_id; reinstall the app and enrol again",
    );
    e.field = Some("device_id".to_owned());
    e
}

/// An id the server writes under, or the id of a user or an org unit.
pub fn device_id_reserved() -> CoreError {
    CoreError::invalid(
        "device_id_reserved",
        "device_id",
        "이 기기 ID(device_id)는 서버가 쓰는 ID라 기기에 쓸 수 없습니다. 앱을 다시 설치한 뒤 등록하세요.",
        "this device_id is reserved by the server and cannot name a device; reinstall the app and enrol again",
    )
}

pub fn token_invalid() -> CoreError {
    auth_error(
        "token_invalid",
        "접근 토큰이 올바르지 않습니다. 새 토큰을 받으세요.",
        "the access token is not valid; request a new one",
    )
}

pub fn token_expired() -> CoreError {
    auth_error(
        "token_expired",
        "접근 토큰이 만료되었습니다. 새 토큰을 받으세요.",
        "the access token has expired; request a new one",
    )
}

pub fn login_taken() -> CoreError {
    let mut e = CoreError::conflict(
        "login_taken",
        "이미 다른 사용자가 쓰는 로그인 이름(login)입니다.",
        "another user already has this login name",
    );
    e.field = Some("login".to_owned());
    e
}

pub fn login_invalid() -> CoreError {
    CoreError::invalid(
        "login_invalid",
        "login",
        "로그인 이름은 영문 소문자·숫자·. _ - 로 3~64자여야 합니다.",
        "a login name has 3 to 64 characters of a-z, 0-9, '.', '_' or '-'",
    )
}

pub fn name_invalid(field: &str) -> CoreError {
    CoreError::invalid(
        "name_invalid",
        field,
        "이름은 1자 이상 200자 이하여야 합니다.",
        "a name must have 1 to 200 characters",
    )
}

pub fn unit_parent_not_allowed() -> CoreError {
    CoreError::invalid(
        "unit_parent_not_allowed",
        "parent_id",
        "시(city)는 상위 조직을 가질 수 없습니다.",
        "a city has no parent unit",
    )
}

pub fn unit_parent_required(want_ko: &str, want_en: &str) -> CoreError {
    CoreError::invalid(
        "unit_parent_required",
        "parent_id",
        format!("이 조직에는 상위 조직({want_ko})이 필요합니다."),
        format!("this unit needs a parent unit ({want_en})"),
    )
}

pub fn unit_parent_kind(want_ko: &str, want_en: &str, found: &str) -> CoreError {
    CoreError::invalid(
        "unit_parent_kind",
        "parent_id",
        format!("상위 조직은 {want_ko}이어야 합니다 (현재 {found})."),
        format!("the parent unit must be a {want_en} (found {found})"),
    )
}
