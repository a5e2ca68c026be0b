//! The dashboard's page, script and style, embedded in the binary (`include_str!`): the server
//! ships as one file and there is no build step. The map library (Leaflet, `assets/vendor/leaflet`,
//! BSD-2-Clause, its licence served beside it) is embedded the same way: no CDN at run time.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");
const LEAFLET_JS: &str = include_str!("assets/vendor/leaflet/leaflet.js");
const LEAFLET_CSS: &str = include_str!("assets/vendor/leaflet/leaflet.css");
const LEAFLET_LICENSE: &str = include_str!("assets/vendor/leaflet/LICENSE");

/// Only our own script and style; no inline script, no frames (clickjacking). Images: our own, and
/// the configured tile server's origin (the map's tiles) when there is one.
pub fn csp(tile_origin: Option<&str>) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:{}; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        tile_origin.map(|o| format!(" {o}")).unwrap_or_default()
    )
}

fn asset(st: &AppState, kind: &'static str, body: &'static str) -> Response {
    let tiles = st.config.map_tiles.as_ref().map(|t| t.origin());
    (
        [
            (CONTENT_TYPE, kind.to_owned()),
            (CACHE_CONTROL, "no-cache".to_owned()),
            (CONTENT_SECURITY_POLICY, csp(tiles.as_deref())),
        ],
        body,
    )
        .into_response()
}

/// `GET /dashboard`: the single page.
pub async fn index(State(st): State<AppState>) -> Response {
    asset(&st, "text/html; charset=utf-8", INDEX)
}

/// `GET /dashboard/app.js`.
pub async fn script(State(st): State<AppState>) -> Response {
    asset(&st, "text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /dashboard/app.css`.
pub async fn style(State(st): State<AppState>) -> Response {
    asset(&st, "text/css; charset=utf-8", STYLE)
}

/// `GET /dashboard/vendor/leaflet.js`: the map library.
pub async fn leaflet_script(State(st): State<AppState>) -> Response {
    asset(&st, "text/javascript; charset=utf-8", LEAFLET_JS)
}

/// `GET /dashboard/vendor/leaflet.css`.
pub async fn leaflet_style(State(st): State<AppState>) -> Response {
    asset(&st, "text/css; charset=utf-8", LEAFLET_CSS)
}

/// `GET /dashboard/vendor/LICENSE-leaflet.txt`: the map library's licence, served with it.
pub async fn leaflet_licence(State(st): State<AppState>) -> Response {
    asset(&st, "text/plain; charset=utf-8", LEAFLET_LICENSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_map_library_is_the_noted_version_with_its_licence() {
        assert!(LEAFLET_JS.contains("version=\"1.9.4\""));
        assert!(include_str!("assets/vendor/leaflet/VERSION").starts_with("Leaflet 1.9.4"));
        assert!(LEAFLET_LICENSE.starts_with("BSD 2-Clause License"));
        // No source-map comment: the browser must not ask for a file the server does not have.
        assert!(!LEAFLET_JS.contains("sourceMappingURL"));
    }

    #[test]
    fn images_come_from_the_tile_server_only_when_one_is_configured() {
        assert!(csp(None).contains("img-src 'self' data:;"));
        assert!(csp(Some("https://tiles.example.go.kr"))
            .contains("img-src 'self' data: https://tiles.example.go.kr;"));
    }
}
