//! One clear error per way a sync can fail (동기화 오류), each with a stable code the app shows or acts
//! on: `offline` and `timeout` (try later), `unauthorised` (sign in again), `device_revoked` (wipe the
//! local data), `incompatible_version` (update the app), `server_refused` (the server said no; its
//! own code and message are kept in the text).

use crate::sync::protocol::ErrorBody;
use crate::CoreError;

pub fn offline(detail: impl std::fmt::Display) -> CoreError {
    CoreError::conflict(
        "offline",
        format!(
            "서버에 연결할 수 없습니다. 네트워크가 되면 자동으로 다시 동기화합니다. ({detail})"
        ),
        format!(
            "cannot reach the sync server; sync will retry when the network is back ({detail})"
        ),
    )
}

pub fn timeout() -> CoreError {
    CoreError::conflict(
        "timeout",
        "서버 응답이 너무 늦습니다. 잠시 후 다시 동기화합니다. 기록은 기기에 안전하게 남아 있습니다.",
        "the sync server took too long to answer; sync will retry later (nothing is lost)",
    )
}

pub fn unauthorised(body: Option<&ErrorBody>) -> CoreError {
    CoreError::conflict(
        "unauthorised",
        format!(
            "인증이 만료되었거나 올바르지 않습니다. 다시 로그인하세요.{}",
            detail_ko(body)
        ),
        format!(
            "the access token is missing, expired or wrong; sign in again{}",
            detail_en(body)
        ),
    )
}

pub fn device_revoked() -> CoreError {
    CoreError::conflict(
        "device_revoked",
        "이 기기의 사용 권한이 해지되었습니다. 기기에 저장된 자료를 삭제해야 합니다.",
        "this device was revoked; its local data must be wiped",
    )
}

pub fn incompatible_version(detail: impl std::fmt::Display) -> CoreError {
    CoreError::conflict(
        "incompatible_version",
        format!("서버와 앱의 동기화 버전이 맞지 않습니다. 앱을 업데이트하세요. ({detail})"),
        format!("the server speaks another sync protocol version; update the app ({detail})"),
    )
}

pub fn server_refused(status: u16, body: Option<&ErrorBody>) -> CoreError {
    CoreError::conflict(
        "server_refused",
        format!(
            "서버가 요청을 거부했습니다 (HTTP {status}).{}",
            detail_ko(body)
        ),
        format!(
            "the sync server refused the request (HTTP {status}){}",
            detail_en(body)
        ),
    )
}

fn detail_ko(body: Option<&ErrorBody>) -> String {
    body.map_or_else(String::new, |b| format!(" [{}] {}", b.code, b.ko))
}

fn detail_en(body: Option<&ErrorBody>) -> String {
    body.map_or_else(String::new, |b| format!(" [{}] {}", b.code, b.en))
}
