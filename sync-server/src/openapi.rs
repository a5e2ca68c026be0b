//! The OpenAPI 3.1 document (API 문서) of every endpoint and schema, hand-written in `openapi.json`
//! and served at `/openapi.json`. A test checks it lists every route of [`crate::routes::table`].

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");
