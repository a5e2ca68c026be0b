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
//!
//! With `DONGHAENG_BENCH_PG=postgres://…` (a role that may create databases, e.g. the URL printed by
//! `scripts/pg-test-server.sh`) the same run goes against the PostgreSQL store, on a fresh database
//! dropped at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::sync::*;
use donghaeng_core::synthetic::changes::{dong_year, fields, ChangeGen};
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::AuthStore;
use donghaeng_sync_server::{build_app, AppState, Clock, ServerConfig};
use serde_json::json;
use uuid::Uuid;

/// 2025-01-01: the synthetic year (~14 months of visits) must end before the server clock, or
/// its last changes would be refused as `clock_ahead`.
const T0: u64 = 1_735_689_600_000;

struct Dev {
    id: Uuid,
    token: String,
}

struct Bench {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn AuthStore>,
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
            resume: None,
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

/// A fresh database on the server of `url`; returns its URL and a connection to drop it after.
async fn fresh_pg_database(url: &str) -> (String, String, tokio_postgres::Client) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("DONGHAENG_BENCH_PG: cannot connect");
    tokio::spawn(conn);
    let name = format!("dh_bench_{}", donghaeng_core::model::new_id().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (head, tail) = url.rsplit_once('/').expect("a postgres://…/database URL");
    let query = tail.find('?').map_or("", |q| &tail[q..]);
    (format!("{head}/{name}{query}"), name, client)
}

/// As the server process runs: role scopes on (`DONGHAENG_BENCH_SCOPES=0` measures without them).
fn bench_config() -> ServerConfig {
    let scopes = std::env::var("DONGHAENG_BENCH_SCOPES").as_deref() != Ok("0");
    println!("role scopes: {}", if scopes { "on" } else { "off" });
    ServerConfig {
        role_scopes: scopes,
        ..ServerConfig::default()
    }
}

/// The synthetic year's 동 as an org unit under the admin's district `gu` (the year names its 동 only
/// by id), so that the bench user, a planner of `gu`, has the year in scope. Devices may not write
/// org units: this change goes straight into the change log, as the admin command's publishing does.
fn dong_unit(g: &mut ChangeGen, year: &[Change], gu: Uuid) -> Change {
    let dong = year
        .iter()
        .find_map(|c| match &c.op {
            Op::Upsert { fields } if c.entity == "households" => fields
                .get("dong_id")
                .and_then(|v| v.as_str())
                .and_then(|s| Uuid::try_parse(s).ok()),
            _ => None,
        })
        .expect("the year has households");
    let f = fields(vec![
        ("kind", json!("dong")),
        ("name", json!("역삼1동")),
        ("parent_id", json!(gu.to_string())),
    ]);
    g.change(T0, "org_units", dong, Op::Upsert { fields: f })
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let pg_url = std::env::var("DONGHAENG_BENCH_PG")
        .ok()
        .filter(|s| !s.is_empty());
    let mut pg_db = None;
    let (state, store): (AppState, Arc<dyn AuthStore>) = match &pg_url {
        Some(url) => {
            let (db_url, name, admin) = fresh_pg_database(url).await;
            pg_db = Some((name, admin));
            let s = PgStore::connect(&db_url, SkewPolicy::default(), 16)
                .await
                .unwrap();
            println!("store: PostgreSQL (fresh database, pool of 16)");
            let state = AppState::new(s.clone(), bench_config(), Clock::system());
            (state, Arc::new(s))
        }
        None => {
            let s = SqliteStore::open(&dir.path().join("bench.db"), SkewPolicy::default()).unwrap();
            println!("store: embedded SQLite");
            let state = AppState::new(s.clone(), bench_config(), Clock::system());
            (state, Arc::new(s))
        }
    };
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
    let changes = state.changes.clone();
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
    let mut g = ChangeGen::new(seeder.id, T0);
    let rest = dong_year(&mut g).0;
    let units = vec![dong_unit(&mut g, &rest, gu)];
    let _ = city;
    let r = changes
        .push(
            PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: seeder.id,
                changes: units.clone(),
            },
            Clock::system().now_ms(),
        )
        .await
        .unwrap();
    assert_eq!(r.accepted.len(), units.len());
    let year: Vec<Change> = units.iter().cloned().chain(rest.iter().cloned()).collect();
    let started = Instant::now();
    let mut batch_times = Vec::new();
    for chunk in rest.chunks(1_000) {
        let t = Instant::now();
        let r = b.push(&seeder, chunk).await;
        assert_eq!(
            r.accepted.len(),
            chunk.len(),
            "{:?} {:?}",
            r.rejected.first(),
            chunk
                .iter()
                .find(|c| r.rejected.first().is_some_and(|x| x.id == c.id))
        );
        batch_times.push(t.elapsed());
    }
    let total = started.elapsed();
    println!(
        "seed push: {} changes in {:.2} s ({:.0} changes/s)",
        rest.len(),
        total.as_secs_f64(),
        rest.len() as f64 / total.as_secs_f64()
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
    let mut eg = ChangeGen::new(editor.id, T0);
    // The end of the log: the seeding's changes and the audit entries stored with each push.
    let mut cursor = year.len() as u64;
    loop {
        let page = b.pull(&reader, cursor).await.1;
        cursor = page.next_seq;
        if !page.has_more {
            break;
        }
    }
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
            let mut g = ChangeGen::new(dev.id, T0);
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
    if let Some((name, admin)) = pg_db {
        let _ = admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}
