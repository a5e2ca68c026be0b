//! Authentication of sync requests (인증): `Authorization: Bearer <access token>`.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::{auth_error, ApiError};
use crate::state::AppState;
use crate::store::TokenOwner;

/// The device (and user) a request was authenticated as.
#[derive(Debug, Clone, Copy)]
pub struct Authed(pub TokenOwner);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            let e = auth_error(
                "auth_required",
                "인증이 필요합니다: Authorization: Bearer <접근 토큰> 헤더를 보내세요.",
                "authentication required: send an Authorization: Bearer <access token> header",
            );
            return Err(ApiError::from_core(&e, &state.clock));
        };
        state
            .auth
            .authenticate(token.to_owned(), state.clock.now_ms())
            .await
            .map(Authed)
            .map_err(|e| ApiError::from_core(&e, &state.clock))
    }
}
