//! Operations routes (운영): `/healthz`, `/metrics`, `/openapi.json`, and the JSON answers for unknown
//! routes and methods.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use donghaeng_core::CoreError;

use crate::error::ApiError;
use crate::state::AppState;

/// Healthy when the store answers a read.
pub async fn healthz(State(st): State<AppState>) -> Response {
    match st.changes.last_seq().await {
        Ok(seq) => Json(json!({"status": "ok", "last_seq": seq})).into_response(),
        Err(e) => {
            tracing::error!(code = e.code, "health check failed");
            let mut err = ApiError::from_core(&e, &st.clock);
            err.status = StatusCode::SERVICE_UNAVAILABLE;
            err.into_response()
        }
    }
}

pub async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response()
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
        .into_response()
}

pub async fn not_found(State(st): State<AppState>) -> ApiError {
    let e = CoreError::invalid(
        "route_not_found",
        "path",
        "없는 경로입니다. /openapi.json에서 경로 목록을 확인하세요.",
        "no such route; see /openapi.json for the list",
    );
    ApiError::from_core(&e, &st.clock)
}

pub async fn method_not_allowed(State(st): State<AppState>) -> ApiError {
    let e = CoreError::invalid(
        "method_not_allowed",
        "method",
        "이 경로에서 허용되지 않는 HTTP 메서드입니다.",
        "this HTTP method is not allowed on this route",
    );
    ApiError::from_core(&e, &st.clock)
}
