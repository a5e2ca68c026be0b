//! `POST /v1/enrol` (기기 등록) and `POST /v1/token` (접근 토큰). The wire types live in
//! `donghaeng_core::sync::enrolment`, shared with the device client; the rules (which ids a device
//! may take, the retry with its key, tokens) in `crate::store::auth::rules`, once for every store.
//! Here: the rate limits (`crate::throttle`), then the store.

use axum::extract::State;
use axum::Json;

use donghaeng_core::sync::{DeviceCredential, EnrolRequest, TokenRequest, TokenResponse};

use crate::body::JsonBody;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::auth::errors::device_id_taken;
use crate::throttle::{rate_limited, ClientAddr};

pub async fn enrol(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    JsonBody(req): JsonBody<EnrolRequest>,
) -> Result<Json<DeviceCredential>, ApiError> {
    st.throttles
        .enrol(addr, &req.code)
        .map_err(|l| rate_limited(l, &st.clock))?;
    // An id any change in the log was written under belongs to that writer (a server node, the
    // admin, another phone): a phone enrolled under it would pull that writer's changes as its own.
    if let Some(id) = req.device_id {
        st.catch_up_scope()
            .await
            .map_err(|e| ApiError::from_core(&e, &st.clock))?;
        let ix = st.scope.read().await;
        let taken = ix.has_writer(id);
        // "Not a writer" read from a failed index would let a phone take a writer's id.
        ix.check().map_err(|e| ApiError::from_core(&e, &st.clock))?;
        if taken {
            return Err(ApiError::from_core(&device_id_taken(), &st.clock));
        }
    }
    let cred = st
        .auth
        .enrol(req.code, req.device_id, req.retry_key, st.clock.now_ms())
        .await
        .map_err(|e| ApiError::from_core(&e, &st.clock))?;
    tracing::info!(device_id = %cred.device_id, "device enrolled");
    Ok(Json(cred))
}

pub async fn token(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    st.throttles
        .token(addr)
        .map_err(|l| rate_limited(l, &st.clock))?;
    let now = st.clock.now_ms();
    let device_id = req.device_id;
    let issued = st
        .auth
        .issue_token(device_id, req.device_secret, now, st.config.token_ttl_ms)
        .await;
    let t = match issued {
        Ok(t) => t,
        Err(e) if e.code == "device_credential_invalid" => {
            st.throttles
                .token_failure(device_id)
                .map_err(|l| rate_limited(l, &st.clock))?;
            return Err(ApiError::from_core(&e, &st.clock));
        }
        Err(e) => return Err(ApiError::from_core(&e, &st.clock)),
    };
    Ok(Json(TokenResponse {
        access_token: t.access_token,
        token_type: "Bearer".to_owned(),
        expires_at_ms: t.expires_at_ms,
        expires_in_s: (t.expires_at_ms - now) / 1000,
    }))
}
