//! The HTTP routes (경로). [`table`] is the single list the router is built from, so tests can check
//! that `/openapi.json` documents every route.

mod enrol;
mod ops;
mod safety;
mod snapshot;
mod sync;

use axum::routing::{get, post, MethodRouter};

use crate::dashboard;
use crate::state::AppState;

/// One route: method, path pattern, handler.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
}

/// Every route the server serves.
pub fn table() -> Vec<Route> {
    let r = |method, path, handler| Route {
        method,
        path,
        handler,
    };
    vec![
        r("POST", "/v1/push", post(sync::push)),
        r("POST", "/v1/pull", post(sync::pull)),
        r("POST", "/v1/snapshot", post(snapshot::snapshot)),
        r("POST", "/v1/enrol", post(enrol::enrol)),
        r("POST", "/v1/token", post(enrol::token)),
        r("GET", "/v1/safety/alarms", get(safety::list)),
        r("GET", "/v1/safety/alarms/stream", get(safety::stream)),
        r("POST", "/v1/safety/alarms/{id}/ack", post(safety::ack)),
        r(
            "POST",
            "/v1/safety/alarms/{id}/resolve",
            post(safety::resolve),
        ),
        r("GET", "/dashboard", get(dashboard::assets::index)),
        r("GET", "/dashboard/app.js", get(dashboard::assets::script)),
        r("GET", "/dashboard/app.css", get(dashboard::assets::style)),
        r(
            "GET",
            "/dashboard/vendor/leaflet.js",
            get(dashboard::assets::leaflet_script),
        ),
        r(
            "GET",
            "/dashboard/vendor/leaflet.css",
            get(dashboard::assets::leaflet_style),
        ),
        r(
            "GET",
            "/dashboard/vendor/LICENSE-leaflet.txt",
            get(dashboard::assets::leaflet_licence),
        ),
        r("POST", "/dashboard/api/login", post(dashboard::api::login)),
        r(
            "POST",
            "/dashboard/api/logout",
            post(dashboard::api::logout),
        ),
        r("GET", "/dashboard/api/me", get(dashboard::api::me)),
        r("GET", "/dashboard/api/board", get(dashboard::api::board)),
        r(
            "GET",
            "/dashboard/api/board/stream",
            get(dashboard::api::board_stream),
        ),
        r("GET", "/dashboard/api/units", get(dashboard::api::units)),
        r(
            "GET",
            "/dashboard/api/figures",
            get(dashboard::api::figures),
        ),
        r(
            "GET",
            "/dashboard/api/incidents",
            get(dashboard::api::incidents),
        ),
        r("GET", "/dashboard/api/due", get(dashboard::api::due)),
        r("GET", "/dashboard/api/plan", get(dashboard::api::plan)),
        r("GET", "/dashboard/api/map", get(dashboard::api::map)),
        r("GET", "/dashboard/api/audit", get(dashboard::api::audit)),
        r("GET", "/healthz", get(ops::healthz)),
        r("GET", "/metrics", get(ops::metrics)),
        r("GET", "/openapi.json", get(ops::openapi)),
    ]
}

pub use ops::{method_not_allowed, not_found};
