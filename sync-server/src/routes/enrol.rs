//! `POST /v1/enrol` (기기 등록) and `POST /v1/token` (접근 토큰).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::body::JsonBody;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::DeviceCredential;

/// A phone enrols with the one-time code an administrator gave its user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub code: String,
}

/// A device proves its credential to get a short-lived access token.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub device_id: Uuid,
    pub device_secret: String,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_at_ms: i64,
    pub expires_in_s: i64,
}

pub async fn enrol(
    State(st): State<AppState>,
    JsonBody(req): JsonBody<EnrolRequest>,
) -> Result<Json<DeviceCredential>, ApiError> {
    let cred = st
        .auth
        .enrol(req.code, st.clock.now_ms())
        .await
        .map_err(|e| ApiError::from_core(&e, &st.clock))?;
    tracing::info!(device_id = %cred.device_id, "device enrolled");
    Ok(Json(cred))
}

pub async fn token(
    State(st): State<AppState>,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = st.clock.now_ms();
    let t = st
        .auth
        .issue_token(
            req.device_id,
            req.device_secret,
            now,
            st.config.token_ttl_ms,
        )
        .await
        .map_err(|e| ApiError::from_core(&e, &st.clock))?;
    Ok(Json(TokenResponse {
        access_token: t.access_token,
        token_type: "Bearer",
        expires_at_ms: t.expires_at_ms,
        expires_in_s: (t.expires_at_ms - now) / 1000,
    }))
}
