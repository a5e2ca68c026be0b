//! Metrics (지표) in the Prometheus text format, hand-written: a few counters and one histogram do not
//! need a metrics crate. No label ever holds personal data: routes are the router's patterns.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Upper bounds of the latency histogram, in seconds.
pub const LATENCY_BUCKETS_S: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route pattern, status) → requests.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Cumulative-free bucket counts (index = first bucket the latency fits, last = +Inf).
    latency_buckets: Mutex<Vec<u64>>,
    latency_sum_us: AtomicU64,
    latency_count: AtomicU64,
    changes_stored: AtomicU64,
    changes_duplicate: AtomicU64,
    changes_rejected: AtomicU64,
    pushes_refused: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe_request(&self, route: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((route.to_owned(), status))
            .or_insert(0) += 1;
        let ix = LATENCY_BUCKETS_S
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(LATENCY_BUCKETS_S.len());
        {
            let mut buckets = lock(&self.latency_buckets);
            if buckets.len() <= LATENCY_BUCKETS_S.len() {
                buckets.resize(LATENCY_BUCKETS_S.len() + 1, 0);
            }
            if let Some(b) = buckets.get_mut(ix) {
                *b += 1;
            }
        }
        let us = (seconds * 1e6).max(0.0) as u64;
        self.latency_sum_us.fetch_add(us, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the outcome of an accepted push.
    pub fn observe_push(&self, stored: usize, duplicates: usize, rejected: usize) {
        self.changes_stored
            .fetch_add(stored as u64, Ordering::Relaxed);
        self.changes_duplicate
            .fetch_add(duplicates as u64, Ordering::Relaxed);
        self.changes_rejected
            .fetch_add(rejected as u64, Ordering::Relaxed);
    }

    /// Counts a push refused whole (bad batch, auth, version).
    pub fn observe_push_refused(&self) {
        self.pushes_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP donghaeng_http_requests_total HTTP requests answered, by route pattern and status."
        );
        let _ = writeln!(out, "# TYPE donghaeng_http_requests_total counter");
        for ((route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "donghaeng_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape_label(route)
            );
        }
        let counters = [
            (
                "donghaeng_changes_stored_total",
                "Changes accepted and stored under a sequence number.",
                &self.changes_stored,
            ),
            (
                "donghaeng_changes_duplicate_total",
                "Changes pushed again that were already stored (retries).",
                &self.changes_duplicate,
            ),
            (
                "donghaeng_changes_rejected_total",
                "Changes refused one by one (clock_ahead, change_id_reused).",
                &self.changes_rejected,
            ),
            (
                "donghaeng_pushes_refused_total",
                "Pushes refused whole (malformed, too large, wrong version, unauthorised).",
                &self.pushes_refused,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        let name = "donghaeng_http_request_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time to answer a request.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let buckets = lock(&self.latency_buckets).clone();
        let mut cumulative = 0u64;
        for (i, le) in LATENCY_BUCKETS_S.iter().enumerate() {
            cumulative += buckets.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        cumulative += buckets.get(LATENCY_BUCKETS_S.len()).copied().unwrap_or(0);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum_s = self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum_s}");
        let _ = writeln!(
            out,
            "{name}_count {}",
            self.latency_count.load(Ordering::Relaxed)
        );
        out
    }
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
