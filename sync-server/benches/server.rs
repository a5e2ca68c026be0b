//! Sync server benchmarks (issue 7), end to end over loopback HTTP against a real server on an
//! embedded SQLite file, with the client on the same machine:
//!
//! - seeding: one device pushes a synthetic year of one 동 (~50,000 changes) in batches of 1,000;
//! - initial sync: a new device pulls all of it in pages of 5,000 (repeated; p50/p99);
//! - incremental sync: push 10 changes, then another device pulls them (p50/p99);
//! - throughput: concurrent devices doing incremental syncs (push 10 + pull), requests/s;
//! - bytes on the wire per change (pull response bodies).
//!
//! `cargo bench -p donghaeng-sync-server --bench server -j 1` (criterion is not used: these are
//! whole-system timings with percentiles, not micro-benchmarks). The change generator is the one of
//! `core/benches/sync.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::sync::*;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::AuthStore;
use donghaeng_sync_server::{build_app, AppState, Clock, ServerConfig};
use serde_json::json;
use uuid::Uuid;

/// 2025-01-01: the synthetic year (~14 months of visits) must end before the server clock, or
/// its last changes would be refused as `clock_ahead`.
const T0: u64 = 1_735_689_600_000;

struct Gen {
    n: u64,
    clock: HybridClock,
    device: Uuid,
}

impl Gen {
    fn new(device: Uuid) -> Self {
        Gen {
            n: 0,
            clock: HybridClock::new(device),
            device,
        }
    }

    fn id(&mut self, ms: u64) -> Uuid {
        self.n += 1;
        let mut b = [0u8; 10];
        b[2..].copy_from_slice(&self.n.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(ms, &b).into_uuid()
    }

    fn change(&mut self, at_ms: u64, entity: &str, record_id: Uuid, op: Op) -> Change {
        let hlc = self.clock.send(at_ms as i64);
        Change {
            id: self.id(hlc.wall_ms),
            entity: entity.to_owned(),
            record_id,
            op,
            hlc,
            device_id: self.device,
        }
    }
}

fn fields(pairs: Vec<(&str, serde_json::Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// About 50,000 changes of one 동 over a year, in stamp order.
fn dong_year(g: &mut Gen) -> Vec<Change> {
    let mut out = Vec::with_capacity(52_000);
    let dong = g.id(T0);
    let workers: Vec<Uuid> = (0..12).map(|_| g.id(T0)).collect();
    let mut households = Vec::new();
    for i in 0..700u64 {
        let t = T0 + i * 1_000;
        let hh = g.id(t);
        households.push(hh);
        let f = fields(vec![
            ("dong_id", json!(dong.to_string())),
            ("head_name", json!(format!("가구주{i}"))),
            (
                "address",
                json!(format!("서울특별시 강남구 역삼로 {i}길 12")),
            ),
            ("lat", json!(37.5 + i as f64 * 1e-4)),
            ("lon", json!(127.03 + i as f64 * 1e-4)),
            ("crisis_level", json!(1 + i % 5)),
            ("tags", json!("lonely_death_risk")),
            ("risk_flags", json!("")),
        ]);
        out.push(g.change(t, "households", hh, Op::Upsert { fields: f }));
        for m in 0..2 {
            let p = g.id(t);
            let f = fields(vec![
                ("household_id", json!(hh.to_string())),
                ("name", json!(format!("가구원{i}-{m}"))),
                ("birth_date", json!("1950-03-01")),
                ("sex", json!("female")),
                ("relation", json!(if m == 0 { "head" } else { "spouse" })),
            ]);
            out.push(g.change(t, "persons", p, Op::Upsert { fields: f }));
        }
    }
    // A year of visits: ~11,000 visits, each created, assigned and completed, with a
    // wellness check, and a note for one in three.
    let mut t = T0 + 1_000_000;
    let mut k = 0u64;
    while out.len() < 50_000 {
        k += 1;
        t += 3_400_000;
        let hh = households[(k * 7 % 700) as usize];
        let visit = g.id(t);
        let f = fields(vec![
            ("household_id", json!(hh.to_string())),
            ("purpose", json!("regular_monitoring")),
            ("contact_mode", json!("home")),
            ("window_start", json!(t)),
            ("window_end", json!(t + 3_600_000)),
            ("required_roles", json!("")),
            ("status", json!("planned")),
        ]);
        out.push(g.change(t, "visits", visit, Op::Upsert { fields: f }));
        let pair = fields(vec![
            (
                &workers[(k % 12) as usize].hyphenated().to_string(),
                json!(true),
            ),
            (
                &workers[((k + 5) % 12) as usize].hyphenated().to_string(),
                json!(true),
            ),
        ]);
        out.push(g.change(t, "visit_workers", visit, Op::Upsert { fields: pair }));
        let done = fields(vec![
            ("status", json!("completed")),
            ("completed_at", json!(t + 1_800_000)),
            ("outcome", json!("met")),
        ]);
        out.push(g.change(t + 1_800_000, "visits", visit, Op::Upsert { fields: done }));
        let check = g.id(t + 1_800_000);
        let f = fields(vec![
            ("household_id", json!(hh.to_string())),
            ("visit_id", json!(visit.to_string())),
            ("worker_id", json!(workers[(k % 12) as usize].to_string())),
            ("checked_at", json!(t + 1_800_000)),
            ("contact_mode", json!("home")),
            ("meals", json!("ok")),
            ("health", json!("ok")),
            ("mood", json!("ok")),
            ("mobility", json!("ok")),
            ("housing", json!("ok")),
            ("heating_cooling", json!("ok")),
            ("loneliness", json!("some")),
            ("arrears_signs", json!(false)),
            ("cutoff_signs", json!(false)),
            ("needs_referral", json!(false)),
        ]);
        out.push(g.change(
            t + 1_800_000,
            "wellness_checks",
            check,
            Op::Append { record: f },
        ));
        if k % 3 == 0 {
            let note = g.id(t + 1_800_000);
            let f = fields(vec![
                ("household_id", json!(hh.to_string())),
                ("author_id", json!(workers[(k % 12) as usize].to_string())),
                ("written_at", json!(t + 1_800_000)),
                (
                    "body",
                    json!("어르신 건강 양호, 난방비 부담 호소. 다음 방문 시 에너지바우처 안내."),
                ),
            ]);
            out.push(g.change(t + 1_800_000, "case_notes", note, Op::Append { record: f }));
        }
    }
    out
}

struct Dev {
    id: Uuid,
    token: String,
}

struct Bench {
    base: String,
    client: reqwest::Client,
    store: SqliteStore,
    user: Uuid,
}

impl Bench {
    async fn device(&self) -> Dev {
        let code = self
            .store
            .issue_enrolment_code(self.user, Clock::system().now_ms(), 3_600_000)
            .await
            .unwrap()
            .code;
        let cred: serde_json::Value = self.post("/v1/enrol", None, &json!({"code": code})).await.1;
        let id: Uuid = cred["device_id"].as_str().unwrap().parse().unwrap();
        let tok = self
            .post(
                "/v1/token",
                None,
                &json!({"device_id": id, "device_secret": cred["device_secret"]}),
            )
            .await
            .1;
        Dev {
            id,
            token: tok["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// POSTs JSON; returns the body size in bytes and the parsed body.
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> (usize, serde_json::Value) {
        let mut rq = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        let resp = rq.send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        let bytes = resp.bytes().await.unwrap();
        (bytes.len(), serde_json::from_slice(&bytes).unwrap())
    }

    async fn push(&self, dev: &Dev, changes: &[Change]) -> PushResponse {
        let req = PushRequest {
            protocol_version: ProtocolVersion::CURRENT,
            device_id: dev.id,
            changes: changes.to_vec(),
        };
        serde_json::from_value(self.post("/v1/push", Some(&dev.token), &req).await.1).unwrap()
    }

    async fn pull(&self, dev: &Dev, after_seq: u64) -> (usize, PullResponse) {
        let req = PullRequest {
            protocol_version: ProtocolVersion::CURRENT,
            after_seq,
            limit: 5_000,
        };
        let (n, v) = self.post("/v1/pull", Some(&dev.token), &req).await;
        (n, serde_json::from_value(v).unwrap())
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn report(name: &str, mut d: Vec<Duration>) {
    d.sort();
    println!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms (n = {})",
        pct(&d, 0.5),
        pct(&d, 0.99),
        d.len()
    );
}

fn main() {
    // `cargo bench` passes --bench; anything else (e.g. `cargo test --benches`) runs nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("bench.db"), SkewPolicy::default()).unwrap();
    let city = store
        .create_unit(OrgUnitKind::City, "서울".into(), None)
        .await
        .unwrap();
    let gu = store
        .create_unit(OrgUnitKind::District, "강남구".into(), Some(city))
        .await
        .unwrap();
    let user = store
        .create_user(gu, "벤치".into(), Role::WelfarePlanner)
        .await
        .unwrap()
        .id;
    let state = AppState::new(store.clone(), ServerConfig::default(), Clock::system());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, build_app(state)).await;
    });
    let b = Arc::new(Bench {
        base,
        client: reqwest::Client::new(),
        store,
        user,
    });

    // Seeding: push the synthetic year.
    let seeder = b.device().await;
    let mut g = Gen::new(seeder.id);
    let year = dong_year(&mut g);
    let started = Instant::now();
    let mut batch_times = Vec::new();
    for chunk in year.chunks(1_000) {
        let t = Instant::now();
        let r = b.push(&seeder, chunk).await;
        assert_eq!(r.accepted.len(), chunk.len());
        batch_times.push(t.elapsed());
    }
    let total = started.elapsed();
    println!(
        "seed push: {} changes in {:.2} s ({:.0} changes/s)",
        year.len(),
        total.as_secs_f64(),
        year.len() as f64 / total.as_secs_f64()
    );
    report("push of 1,000 changes", batch_times);

    // Initial sync of a new device: all pages.
    let reader = b.device().await;
    let mut runs = Vec::new();
    let mut bytes = 0usize;
    let mut count = 0usize;
    for _ in 0..7 {
        let t = Instant::now();
        let (mut cursor, mut n_bytes, mut n) = (0, 0, 0);
        loop {
            let (sz, page) = b.pull(&reader, cursor).await;
            n_bytes += sz;
            n += page.changes.len();
            cursor = page.next_seq;
            if !page.has_more {
                break;
            }
        }
        runs.push(t.elapsed());
        bytes = n_bytes;
        count = n;
    }
    assert_eq!(count, year.len());
    report(
        &format!("initial sync ({count} changes, pull pages of 5,000)"),
        runs,
    );
    println!(
        "bytes on the wire per change (pull body JSON, uncompressed): {:.0}",
        bytes as f64 / count as f64
    );

    // Incremental sync: 10 changes pushed by one device, pulled by another.
    let hh: Vec<Uuid> = year
        .iter()
        .filter(|c| c.entity == "households")
        .map(|c| c.record_id)
        .collect();
    let editor = b.device().await;
    let mut eg = Gen::new(editor.id);
    let mut cursor = b.pull(&reader, year.len() as u64).await.1.next_seq;
    let mut times = Vec::new();
    let now = Clock::system().now_ms() as u64;
    for i in 0..300u64 {
        let changes: Vec<Change> = (0..10u64)
            .map(|k| {
                let f = fields(vec![("crisis_level", json!(1 + (i + k) % 5))]);
                eg.change(
                    now,
                    "households",
                    hh[((i * 10 + k) % 700) as usize],
                    Op::Upsert { fields: f },
                )
            })
            .collect();
        let t = Instant::now();
        let r = b.push(&editor, &changes).await;
        assert_eq!(r.accepted.len(), 10);
        let (_, page) = b.pull(&reader, cursor).await;
        assert_eq!(page.changes.len(), 10);
        cursor = page.next_seq;
        times.push(t.elapsed());
    }
    report("incremental sync (push 10 + pull 10)", times);

    // Throughput: concurrent devices, each looping push 10 + pull after its cursor.
    let clients = 16;
    let secs = 5.0;
    let mut tasks = Vec::new();
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    for _ in 0..clients {
        let b = Arc::clone(&b);
        let dev = b.device().await;
        let hh = hh.clone();
        let start_seq = cursor;
        tasks.push(tokio::spawn(async move {
            let mut g = Gen::new(dev.id);
            let mut cursor = start_seq;
            let mut requests = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline {
                let changes: Vec<Change> = (0..10u64)
                    .map(|k| {
                        let f = fields(vec![(
                            "phone",
                            json!(format!("010-{:04}", (i + k) % 10_000)),
                        )]);
                        g.change(
                            now,
                            "households",
                            hh[((i + k) % 700) as usize],
                            Op::Upsert { fields: f },
                        )
                    })
                    .collect();
                b.push(&dev, &changes).await;
                let (_, page) = b.pull(&dev, cursor).await;
                cursor = page.next_seq;
                requests += 2;
                i += 10;
            }
            requests
        }));
    }
    let started = Instant::now();
    let mut requests = 0;
    for t in tasks {
        requests += t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "throughput: {clients} devices, push 10 + pull: {:.0} requests/s ({:.0} syncs/s) over {elapsed:.1} s",
        requests as f64 / elapsed,
        requests as f64 / 2.0 / elapsed
    );
}
