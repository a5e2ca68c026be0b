//! The JSON body extractor (요청 본문): every way a body can be wrong becomes the protocol's error body
//! with a stable code and the path of the offending field, never axum's plain-text rejection.
//!
//! - too large for the body limit → 413 `body_too_large` (a gzip body: once inflated);
//! - an encoding other than gzip → 415 `unsupported_encoding`; gzip that does not inflate → 400
//!   `body_unreadable`;
//! - not JSON (syntax, truncated, trailing bytes) → 400 `malformed_json`;
//! - an unknown field → 400 `unknown_field` (every protocol object refuses unknown fields);
//! - a wrong type or a missing field → 400 `invalid_body`, with the field path.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_ENCODING;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use donghaeng_core::CoreError;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body of type `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // The router inflates gzip (the header is gone then); any other encoding is refused.
        if let Some(encoding) = req.headers().get(CONTENT_ENCODING) {
            if !encoding.as_bytes().eq_ignore_ascii_case(b"identity") {
                let e = CoreError::invalid(
                    "unsupported_encoding",
                    "Content-Encoding",
                    "요청 본문의 압축 방식을 지원하지 않습니다 (gzip만 지원).",
                    "the request body's Content-Encoding is not supported (gzip only)",
                );
                return Err(ApiError::from_core(&e, &state.clock));
            }
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(rejection) => {
                let e = if crate::serve::is_body_timeout(&rejection) {
                    let secs = state.config.body_timeout.as_secs();
                    CoreError::invalid(
                        "body_timeout",
                        "body",
                        format!("요청 본문이 {secs}초 안에 도착하지 않았습니다. 다시 시도하세요."),
                        format!("the request body did not arrive within {secs} s; try again"),
                    )
                } else if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    CoreError::invalid(
                        "body_too_large",
                        "body",
                        format!(
                            "요청 본문이 너무 큽니다 (최대 {}바이트).",
                            state.config.max_body_bytes
                        ),
                        format!(
                            "the request body is too large (max {} bytes)",
                            state.config.max_body_bytes
                        ),
                    )
                } else {
                    // Also a gzip body that does not inflate (the layer's error ends the stream).
                    CoreError::invalid(
                        "body_unreadable",
                        "body",
                        "요청 본문을 읽을 수 없습니다 (연결이 끊겼거나 gzip 압축이 깨졌습니다).",
                        "the request body could not be read (the connection broke, or its gzip is corrupt)",
                    )
                };
                return Err(ApiError::from_core(&e, &state.clock));
            }
        };
        parse(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::from_core(&e, &state.clock))
    }
}

/// Parses a body, naming the failing field path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CoreError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        let inner = e.into_inner();
        body_error(&inner, &field)
    })?;
    de.end().map_err(|e| body_error(&e, "body"))?;
    Ok(value)
}

fn body_error(e: &serde_json::Error, field: &str) -> CoreError {
    use serde_json::error::Category;
    let detail = e.to_string();
    match e.classify() {
        Category::Data if detail.starts_with("unknown field") => CoreError::invalid(
            "unknown_field",
            field,
            format!("알 수 없는 필드가 있습니다 ({field}): {detail}"),
            format!("unknown field at {field}: {detail}"),
        ),
        Category::Data => CoreError::invalid(
            "invalid_body",
            field,
            format!("요청 본문의 값이 올바르지 않습니다 ({field}): {detail}"),
            format!("invalid value at {field}: {detail}"),
        ),
        Category::Syntax | Category::Eof | Category::Io => CoreError::invalid(
            "malformed_json",
            "body",
            format!("요청 본문이 올바른 JSON이 아닙니다: {detail}"),
            format!("the request body is not valid JSON: {detail}"),
        ),
    }
}
