//! `POST /v1/enrol` (기기 등록) and `POST /v1/token` (접근 토큰). The wire types live in
//! `donghaeng_core::sync::enrolment`, shared with the device client.

use axum::extract::State;
use axum::Json;

use donghaeng_core::sync::enrolment::is_usable_device_id;
use donghaeng_core::sync::{DeviceCredential, EnrolRequest, TokenRequest, TokenResponse};
use donghaeng_core::CoreError;

use crate::body::JsonBody;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn enrol(
    State(st): State<AppState>,
    JsonBody(req): JsonBody<EnrolRequest>,
) -> Result<Json<DeviceCredential>, ApiError> {
    if req.device_id.is_some_and(|id| !is_usable_device_id(id)) {
        let e = CoreError::invalid(
            "device_id_invalid",
            "device_id",
            "기기 ID로 쓸 수 없는 값입니다 (nil UUID).",
            "the nil UUID cannot be a device id",
        );
        return Err(ApiError::from_core(&e, &st.clock));
    }
    let cred = st
        .auth
        .enrol(req.code, req.device_id, st.clock.now_ms())
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
        token_type: "Bearer".to_owned(),
        expires_at_ms: t.expires_at_ms,
        expires_in_s: (t.expires_at_ms - now) / 1000,
    }))
}
