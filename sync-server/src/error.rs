//! HTTP errors (오류 응답): every refusal is a [`CoreError`] with a stable code, mapped here to a status
//! and the protocol's [`ErrorBody`] (code, field, Korean and English text, the server's clock).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use donghaeng_core::sync::ErrorBody;
use donghaeng_core::{CoreError, ErrorCode};

use crate::clock::Clock;
use crate::store::TokenOwner;

/// An error answer: a status and the protocol's error body (boxed: handlers pass errors around in
/// `Result`s, which should stay small).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
    /// Who was refused, when the request was authenticated (for the audit trail).
    pub owner: Option<TokenOwner>,
    /// Seconds to wait before trying again: sent as `Retry-After` (429 answers).
    pub retry_after_s: Option<u64>,
}

/// Put on an error response for the request tracker, which records refusals in the audit trail.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: String,
    pub owner: Option<TokenOwner>,
}

impl ApiError {
    /// Maps a core error to its HTTP status (docs/sync.md, "Suggested HTTP mapping") and stamps the
    /// body with the server's clock so a device can correct its own even from an error.
    pub fn from_core(e: &CoreError, clock: &Clock) -> Self {
        let status = status_of(e);
        let mut body = if e.kind == ErrorCode::Storage {
            // Logged for the operator: storage messages name tables and constraints, never values.
            tracing::error!(detail = %e.en, "storage error");
            // The detail of a storage failure stays in the server (it may name tables and paths);
            // the device only needs to know it may retry.
            ErrorBody {
                code: "storage".to_owned(),
                field: None,
                ko: "서버 저장소 오류입니다. 잠시 후 다시 시도하세요.".to_owned(),
                en: "server storage error; try again later".to_owned(),
                server_time_ms: None,
                refused: Vec::new(),
            }
        } else {
            ErrorBody::from(e)
        };
        body.server_time_ms = Some(clock.now_ms());
        ApiError {
            status,
            body: Box::new(body),
            owner: None,
            retry_after_s: None,
        }
    }

    /// Adds a `Retry-After` of `wait`, rounded up to whole seconds (at least 1).
    pub fn retry_after(mut self, wait: std::time::Duration) -> Self {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        self.retry_after_s = Some(ms.div_ceil(1000).max(1));
        self
    }
}

/// The status of a refusal: by code where the code says more than the kind.
pub fn status_of(e: &CoreError) -> StatusCode {
    match e.code {
        "protocol_version_unsupported" => StatusCode::UPGRADE_REQUIRED,
        "push_too_large" | "body_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "unsupported_encoding" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "body_timeout" => StatusCode::REQUEST_TIMEOUT,
        "auth_required"
        | "token_invalid"
        | "token_expired"
        | "device_revoked"
        | "device_credential_invalid"
        | "enrolment_code_invalid"
        | "enrolment_code_used" => StatusCode::UNAUTHORIZED,
        "rate_limited" | "login_throttled" => StatusCode::TOO_MANY_REQUESTS,
        "device_mismatch" | "out_of_scope" => StatusCode::FORBIDDEN,
        "route_not_found" | "snapshot_unavailable" => StatusCode::NOT_FOUND,
        "method_not_allowed" => StatusCode::METHOD_NOT_ALLOWED,
        _ => match e.kind {
            ErrorCode::Invalid | ErrorCode::InvalidTransition => StatusCode::BAD_REQUEST,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::SchemaTooNew | ErrorCode::Storage => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let refusal = Refusal {
            code: self.body.code.clone(),
            owner: self.owner,
        };
        let mut resp = (self.status, Json(*self.body)).into_response();
        if let Some(s) = self.retry_after_s {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        resp.extensions_mut().insert(refusal);
        resp
    }
}

/// An authentication refusal (401 or 403 by code).
pub fn auth_error(code: &'static str, ko: &str, en: &str) -> CoreError {
    CoreError::invalid(code, "authorization", ko, en)
}
