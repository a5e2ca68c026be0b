//! The supervisor dashboard (관리자 현황판, issue 9), served by the sync server at `/dashboard`:
//! a login page, the live safety board, program figures with CSV and xlsx export, and incidents. Plain
//! HTML, CSS and JavaScript embedded in the binary ([`assets`]); no bundler, no build step.
//!
//! - [`access`]: who is asking (session cookie or bearer token) and which units they see;
//! - [`api`]: the JSON endpoints under `/dashboard/api/`;
//! - [`board`]: the board rows from the server's safety monitor;
//! - [`projection`]: the merged records in a private in-memory store of the core, read by the core's
//!   loaders and handed to the core's rules (the figures, `donghaeng_core::figures`; the due list);
//! - [`labels`]: the figures' Korean and English labels (page and exports); [`report`]: the CSV and
//!   xlsx report of the figures;
//! - [`map`]: the households and the day's team routes for the page's map (Leaflet, shipped in
//!   the assets; the district's own tiles or none);
//! - [`plan`]: today's plan per team, with the core's day planner for unassigned visits, and
//!   [`due`]: the households due for monitoring that nothing is planned for.

pub mod access;
pub mod api;
pub mod assets;
pub mod board;
pub mod due;
pub mod labels;
pub mod map;
pub mod plan;
pub mod projection;
pub mod report;

use axum::http::HeaderMap;

use crate::accounts::{LockPolicy, LoginGuard};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "dh_session";

/// Dashboard state shared by the handlers (one per server node).
#[derive(Debug)]
pub struct DashboardState {
    /// A session unused this long ends (8 hours: a working day at the desk).
    pub idle_ttl_ms: i64,
    /// The per-account lock rule (the store keeps the account's counter).
    pub lock_policy: LockPolicy,
    /// The in-memory login counters per (address, login) and per address.
    pub guard: LoginGuard,
    /// Mark cookies `Secure` (the server serves TLS, or sits behind a TLS proxy). A request that
    /// arrived with `X-Forwarded-Proto: https` gets `Secure` cookies whatever this says.
    pub secure_cookies: std::sync::atomic::AtomicBool,
    pub projection: tokio::sync::Mutex<projection::Projection>,
}

impl Default for DashboardState {
    fn default() -> Self {
        Self::with_address_budget(crate::accounts::AddressBudget::default())
    }
}

impl DashboardState {
    /// The defaults, with `budget` failed logins per client address and window.
    pub fn with_address_budget(budget: crate::accounts::AddressBudget) -> Self {
        DashboardState {
            idle_ttl_ms: 8 * 60 * 60 * 1000,
            lock_policy: LockPolicy::default(),
            guard: LoginGuard::new(LockPolicy::default(), budget),
            secure_cookies: std::sync::atomic::AtomicBool::new(false),
            projection: tokio::sync::Mutex::default(),
        }
    }
}

/// The session token from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// Compares two secrets without an early exit (an empty one never matches).
pub fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && crate::store::auth::rules::same_secret(a.as_bytes(), b.as_bytes())
}
