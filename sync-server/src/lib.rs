//! Donghaeng sync server (동기화 서버), issue 7: devices push their outbox and pull what colleagues
//! did, over JSON on `/v1`. Storage is behind [`store::ChangeStore`] and [`store::AuthStore`]; the
//! embedded SQLite store is the default, so the server runs with no set-up.
//!
//! - [`build_app`]: the router with every route, body limit, request tracking (logs + metrics);
//! - [`cli`]: command line (serve, admin); [`admin`]: the admin commands and listings;
//! - [`store`]: the storage traits and the SQLite store;
//! - [`routes`]: handlers; [`openapi`]: the API document served at `/openapi.json`;
//! - [`scope`]: what each device may receive and push (partial replication per role);
//! - [`serve`]: the serve loop — connection cap, header read timeout, body read deadline;
//! - [`tls`]: HTTPS served by the server itself (rustls), certificate reload on SIGHUP.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod body;
pub mod cli;
pub mod clock;
pub mod dashboard;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod safety;
pub mod scope;
pub mod secret;
pub mod serve;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tls;
mod track;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;

pub use clock::Clock;
pub use state::{AppState, ServerConfig};

/// The router: every route of [`routes::table`], JSON answers for unknown routes and methods, the
/// body limit and body read deadline, and request tracking (request id, structured log line,
/// metrics).
pub fn build_app(state: AppState) -> Router {
    let mut router = Router::new();
    for r in routes::table() {
        router = router.route(r.path, r.handler);
    }
    router
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            track::track,
        ))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        // gzip request bodies are inflated here, before the body limit above counts them (a small
        // body that inflates past it is a 413); other encodings pass through to `JsonBody`, which
        // refuses them with the protocol's error body. Answers are gzipped for clients that accept
        // it, at the fastest level: a pull page is mostly repeated ids and stamps, and shrinks
        // several times at any level (docs/sync.md, "Compression").
        .layer(
            RequestDecompressionLayer::new()
                .gzip(true)
                .pass_through_unaccepted(true),
        )
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .quality(CompressionLevel::Fastest),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.config.body_timeout,
            serve::body_deadline,
        ))
        .with_state(state)
}
