//! Server safety monitor benchmark (issue 5): one tick of the server's [`SafetyHub`] over 10,000 open
//! sessions, on a real embedded SQLite store (the alerts a tick issues are stored as changes, as in
//! production). Target: median ≤ 10 ms for a tick.
//!
//! Scenarios (each reports p50 / p99 / max over its runs):
//! - `none_due`: 10,000 open sessions, nothing due (the usual tick);
//! - `window_due`: expected returns spread over 2 hours, ticks every 15 s of server time (about 21
//!   prompts per tick, each stored);
//! - `window_check`: the same ticks on the deadline check alone (no storage);
//! - `all_due`: all 10,000 sessions fall due in the same tick (step 1 for every session: 20,000
//!   alerts stored in 20 pushes) — the worst case, far beyond a district's real load.
//!
//! `cargo bench -p donghaeng-sync-server --bench safety -j 1` (custom harness: whole-component timings
//! with percentiles, like the `server` bench).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use donghaeng_core::model::{ContactMode, CrisisLevel, Household, Id, RiskFlag, Role, Worker};
use donghaeng_core::safety::{
    Actor, Contact, SafetyAssessment, SafetyEvent, SafetyMonitor, StartRequest, TeamSafetyConfig,
};
use donghaeng_core::store::device_sync::capture::v7_at;
use donghaeng_core::store::safety_events::{to_fields, ENTITY};
use donghaeng_core::sync::{Change, HybridClock, Op, ProtocolVersion, PushRequest, SkewPolicy};
use donghaeng_sync_server::safety::SafetyHub;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::ChangeStore;
use uuid::Uuid;

const SESSIONS: usize = 10_000;
const GRACE_MS: i64 = 10 * 60 * 1000;

fn worker(n: u128, role: Role, phone: &str) -> Worker {
    Worker {
        id: Uuid::from_u128(n),
        team_id: Uuid::from_u128(900),
        name: format!("직원{n}"),
        roles: vec![role],
        phone: Some(phone.to_owned()),
        active: true,
    }
}

/// 10,000 start events: started at `t0`, expected back at `t0 + 1 h + i × spread_ms`.
fn starts(t0: DateTime<Utc>, spread_ms: i64) -> Vec<SafetyEvent> {
    let hh = Household {
        id: Uuid::from_u128(500),
        dong_id: Uuid::from_u128(600),
        head_name: "최영호".to_owned(),
        address: "서울 성북구 정릉로 10".to_owned(),
        location: None,
        crisis_level: CrisisLevel::CRISIS,
        tags: vec![],
        risk_flags: vec![RiskFlag::AggressionHistory],
        phone: None,
        archived: false,
    };
    let workers = [
        worker(1, Role::WelfarePlanner, "010-0000-0001"),
        worker(2, Role::VisitingNurse, "010-0000-0002"),
    ];
    let cfg = TeamSafetyConfig::standard(
        Contact::new("팀장", "010-0000-0003"),
        Contact::new("동장", "010-0000-0004"),
    );
    let mut m = SafetyMonitor::new("bench-phone");
    let mut out = Vec::with_capacity(SESSIONS);
    for i in 0..SESSIONS {
        let sid: Id = Uuid::from_u128(1_000_000 + i as u128);
        let ret =
            t0 + chrono::Duration::hours(1) + chrono::Duration::milliseconds(spread_ms * i as i64);
        let req = StartRequest {
            session_id: Some(sid),
            visit_id: None,
            household: &hh,
            district_id: Uuid::from_u128(700),
            contact_mode: ContactMode::Home,
            workers: &workers,
            expected_return: ret,
            checkin_interval_secs: None,
            assessment: SafetyAssessment::complete(),
            advisory_override: None,
            config: &cfg,
            regular_volunteer: None,
            advisories: &[],
        };
        let r = m
            .start(&req, &Actor::new(Uuid::from_u128(1), "bench-phone"), t0)
            .unwrap();
        out.push(r.event);
    }
    out
}

async fn seed(store: &SqliteStore, events: &[SafetyEvent], now_ms: i64) {
    let dev = Uuid::from_u128(42);
    let mut hlc = HybridClock::new(dev);
    for chunk in events.chunks(1000) {
        let changes = chunk
            .iter()
            .map(|e| {
                let h = hlc.send(now_ms);
                Change {
                    id: v7_at(h.wall_ms),
                    entity: ENTITY.to_owned(),
                    record_id: e.id,
                    op: Op::Append {
                        record: to_fields(e).unwrap(),
                    },
                    hlc: h,
                    device_id: dev,
                }
            })
            .collect();
        let resp = store
            .push(
                PushRequest {
                    protocol_version: ProtocolVersion::CURRENT,
                    device_id: dev,
                    changes,
                },
                now_ms,
            )
            .await
            .unwrap();
        assert!(resp.rejected.is_empty());
    }
}

fn report(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<12} runs {:>4}  p50 {:>9.3} ms  p99 {:>9.3} ms  max {:>9.3} ms",
        v.len(),
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        v[v.len() - 1].as_secs_f64() * 1e3
    );
}

async fn hub_for(store: &SqliteStore, node: &str, now_ms: i64) -> SafetyHub {
    let changes: Arc<dyn ChangeStore> = Arc::new(store.clone());
    let hub = SafetyHub::new(changes, node);
    hub.rebuild(now_ms).await.unwrap();
    hub
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let now_ms = Utc::now().timestamp_millis();
    let t0 = DateTime::from_timestamp_millis(now_ms - now_ms.rem_euclid(1000)).unwrap();
    let t0_ms = t0.timestamp_millis();

    // Spread over 2 hours: 0.72 s apart.
    let spread = SqliteStore::open(&dir.path().join("spread.db"), SkewPolicy::default()).unwrap();
    seed(&spread, &starts(t0, 720), now_ms).await;
    let hub = hub_for(&spread, "bench", now_ms).await;
    let mut none = Vec::new();
    for k in 0..200 {
        // Before any return: nothing due.
        let at = t0_ms + 60_000 + k * 100;
        let t = Instant::now();
        let n = hub.tick(at).await;
        none.push(t.elapsed());
        assert!(n.is_empty());
    }
    report("none_due", none);
    let mut window = Vec::new();
    let mut at = t0_ms + 3_600_000;
    while at < t0_ms + 3 * 3_600_000 {
        let t = Instant::now();
        hub.tick(at).await;
        window.push(t.elapsed());
        at += 15_000;
    }
    report("window_due", window);

    // The same ticks on the deadline check alone (the core monitor the hub wraps, no storage): what
    // the hub's tick costs before it writes the alerts it issued.
    let mut m = SafetyMonitor::new("server:bench");
    for r in m.ingest_all(starts(t0, 720)) {
        r.unwrap();
    }
    let mut check = Vec::new();
    let mut at = t0_ms + 3_600_000;
    while at < t0_ms + 3 * 3_600_000 {
        let now = DateTime::from_timestamp_millis(at).unwrap();
        let t = Instant::now();
        let actions = m.tick(now);
        check.push(t.elapsed());
        std::hint::black_box(actions);
        at += 15_000;
    }
    report("window_check", check);

    // All due at once: a fresh origin (node name) each run, so every run issues everything again.
    let same = SqliteStore::open(&dir.path().join("same.db"), SkewPolicy::default()).unwrap();
    seed(&same, &starts(t0, 0), now_ms).await;
    let mut all = Vec::new();
    for run in 0..5 {
        let hub = hub_for(&same, &format!("bench-{run}"), now_ms).await;
        let at = t0_ms + 3_600_000 + GRACE_MS;
        let t = Instant::now();
        let n = hub.tick(at).await;
        all.push(t.elapsed());
        assert_eq!(n.len(), SESSIONS, "step 1 for every session");
    }
    report("all_due", all);
}

fn main() {
    // `cargo test --benches` runs benches with `--bench` absent: skip the heavy work then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}
