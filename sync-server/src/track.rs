//! Request tracking (요청 기록): a request id, one structured log line and the metrics per request.
//! Logs carry the id, method, route pattern, status and latency — never a body, a token or a path
//! parameter, so no personal data reaches them.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use donghaeng_core::store::audit::AuditAction;

use crate::audit::ServerEntry;
use crate::error::Refusal;
use crate::state::AppState;

/// A request's latency in milliseconds, rounded to 0.1 ms: finer digits are noise in a log line
/// (the metrics keep the exact value).
pub fn latency_ms(seconds: f64) -> f64 {
    (seconds * 1e4).round() / 10.0
}

pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().clone();
    let request_id = donghaeng_core::model::new_id();
    let mut resp = next.run(req).await;
    let status = resp.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    st.metrics.observe_request(&route, status, seconds);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status,
        latency_ms = latency_ms(seconds),
        "request"
    );
    if status == 401 || status == 403 {
        let refusal = resp.extensions().get::<Refusal>().cloned();
        let code = refusal.as_ref().map_or("refused", |r| r.code.as_str());
        let owner = refusal.as_ref().and_then(|r| r.owner);
        st.audit.record(ServerEntry {
            actor_id: owner.map(|o| o.user_id),
            device_id: owner.map(|o| o.device_id),
            action: AuditAction::Refused,
            entity: None,
            household_id: None,
            // The route pattern, never the path (which may carry ids) or the body.
            detail: format!("{code} {method} {route}"),
        });
    }
    if let Ok(v) = HeaderValue::from_str(&request_id.to_string()) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::latency_ms;

    #[test]
    fn latency_is_rounded_to_a_tenth_of_a_millisecond() {
        assert_eq!(latency_ms(0.001_234_567), 1.2);
        assert_eq!(latency_ms(0.000_049), 0.0);
        assert_eq!(latency_ms(0.000_06), 0.1);
        assert_eq!(latency_ms(1.5), 1500.0);
        assert_eq!(latency_ms(0.012_345).to_string(), "12.3");
    }
}
