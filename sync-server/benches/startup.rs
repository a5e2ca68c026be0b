//! A node's start with a city's log (docs/sync.md, "Costs"): how long the scope index and the safety
//! monitor take to be ready over a log of K synthetic 동 years (~50,000 changes each): the index
//! built from the whole log into its file (a new node), and a node restarted on that file; the
//! file's size and the process's peak memory.
//!
//! `cargo bench -p donghaeng-sync-server --bench startup -j 1`; `DONGHAENG_BENCH_DONGS=1,25` (the
//! default) sets the sizes, `DONGHAENG_BENCH_PG=postgres://…` runs on PostgreSQL (a fresh database,
//! dropped at the end). Medians of 3. The changes go straight into the store (every feed reads them):
//! a start reads the log, so how the changes were judged does not change its cost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use donghaeng_core::sync::*;
use donghaeng_sync_server::safety::SafetyHub;
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::synthetic::seed_dong_years;
use donghaeng_sync_server::store::{AuthStore, ChangeStore};
use donghaeng_sync_server::{AppState, Clock, ServerConfig};
use std::path::Path;

/// 2025-01-01, as the server bench: the synthetic years end before the server clock.
const T0: u64 = 1_735_689_600_000;

fn main() {
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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's peak resident memory (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Pushes `k` more synthetic 동 years into the store.
async fn seed(store: &dyn ChangeStore, from: usize, k: usize) -> usize {
    seed_dong_years(store, from, k, T0, Clock::system().now_ms())
        .await
        .unwrap()
}

/// The whole log read page by page, as the safety monitor read it before it read by entity.
async fn read_whole_log(store: &dyn ChangeStore) -> usize {
    let (mut after, mut n) = (0, 0);
    loop {
        let page = store
            .pull(
                PullRequest {
                    protocol_version: ProtocolVersion::CURRENT,
                    after_seq: after,
                    limit: 5_000,
                    resume: None,
                },
                Clock::system().now_ms(),
            )
            .await
            .unwrap();
        n += page.changes.len();
        after = page.next_seq;
        if !page.has_more {
            return n;
        }
    }
}

async fn measure<S>(store: S, dongs: usize, seeded: usize)
where
    S: ChangeStore + AuthStore + Clone + 'static,
{
    let log_end = store.last_seq().await.unwrap();
    println!("\n== {dongs} 동: {seeded} changes in the log (seq {log_end}) ==");
    let now = Clock::system().now_ms();

    let files = tempfile::tempdir().unwrap();
    let node = |file: &Path| {
        AppState::new(store.clone(), ServerConfig::default(), Clock::system())
            .with_scope_index(file)
            .unwrap()
    };
    let mut built = Vec::new();
    let mut safety_old = Vec::new();
    let mut safety_new = Vec::new();
    for round in 0..3 {
        let t = Instant::now();
        read_whole_log(&store).await;
        safety_old.push(t.elapsed());
        let hub = SafetyHub::new(Arc::new(store.clone()), "bench");
        let t = Instant::now();
        hub.rebuild(now).await.unwrap();
        safety_new.push(t.elapsed());
        // A new node: its file is empty, the first catch-up reads the whole log into it.
        let st = node(&files.path().join(format!("new-{round}")));
        let t = Instant::now();
        st.catch_up_scope().await.unwrap();
        built.push(t.elapsed());
        assert_eq!(st.scope.read().await.last_seq(), log_end);
    }
    let file = files.path().join("new-0");
    let mut restarted = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let st = node(&file);
        st.catch_up_scope().await.unwrap();
        restarted.push(t.elapsed());
        assert_eq!(st.scope.read().await.last_seq(), log_end);
    }
    let file_mb = ["", "-wal"]
        .iter()
        .filter_map(|ext| {
            let mut name = file.as_os_str().to_owned();
            name.push(ext);
            std::fs::metadata(std::path::PathBuf::from(name)).ok()
        })
        .map(|m| m.len() as f64 / 1e6)
        .sum::<f64>();
    println!(
        "scope index, whole log read into a new file: {:.0} ms (median of 3); file {file_mb:.1} MB",
        ms(median(built))
    );
    println!(
        "scope index, node restarted on its file: {:.0} ms (median of 3)",
        ms(median(restarted))
    );
    println!(
        "safety monitor: whole log read {:.0} ms, safety events only {:.0} ms (medians of 3)",
        ms(median(safety_old)),
        ms(median(safety_new))
    );
    println!("peak resident memory so far: {:.0} MB", peak_rss_mb());
}

async fn run() {
    let sizes: Vec<usize> = std::env::var("DONGHAENG_BENCH_DONGS")
        .unwrap_or_else(|_| "1,25".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let pg_url = std::env::var("DONGHAENG_BENCH_PG")
        .ok()
        .filter(|s| !s.is_empty());
    match &pg_url {
        Some(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .expect("DONGHAENG_BENCH_PG: cannot connect");
            tokio::spawn(conn);
            let name = format!("dh_startup_{}", donghaeng_core::model::new_id().simple());
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let (head, _) = url.rsplit_once('/').expect("a postgres://…/database URL");
            println!("store: PostgreSQL (fresh database {name})");
            let store = PgStore::connect(&format!("{head}/{name}"), SkewPolicy::default(), 8)
                .await
                .unwrap();
            sizes_in_turn(store, &sizes).await;
            client
                .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await
                .unwrap();
        }
        None => {
            println!("store: embedded SQLite");
            let store =
                SqliteStore::open(&dir.path().join("startup.db"), SkewPolicy::default()).unwrap();
            sizes_in_turn(store, &sizes).await;
        }
    }
}

/// Grows the log to each size in turn and measures a start over it.
async fn sizes_in_turn<S>(store: S, sizes: &[usize])
where
    S: ChangeStore + AuthStore + Clone + 'static,
{
    let (mut held, mut seeded) = (0, 0);
    for &k in sizes {
        let t = Instant::now();
        seeded += seed(&store, held, k.saturating_sub(held)).await;
        println!("seeding to {k} 동: {:.1} s", t.elapsed().as_secs_f64());
        held = held.max(k);
        measure(store.clone(), held, seeded).await;
    }
}
