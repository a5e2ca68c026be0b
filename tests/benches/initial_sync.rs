//! A 동's first sync, end to end, on data made the way phones make it (docs/sync.md, "Costs").
//!
//! One phone loads a 동 through the store's repositories — households with members, visits each
//! planned with two workers, started and completed (the visit life cycle: four changes), wellness
//! checks — and pushes it to a real server process on an embedded SQLite file, over loopback. Then,
//! three times, a fresh phone with an **encrypted file store** (`synchronous = FULL`) enrols and
//! syncs from nothing, through a byte-counting relay (the bytes that cross the wire, compressed or
//! not). Beside it, in the same run: a raw SQLite insert of the same rows into an encrypted file (the
//! floor), the phone's file size against the raw copy's, an incremental pull and push of 10 changes,
//! and one wellness check written locally.
//!
//! `cargo bench -p donghaeng-e2e --bench initial_sync` (a few minutes, most of it loading).
//! `DONGHAENG_BENCH_VISITS` (default 36,000) makes the 동 smaller for a quick look;
//! `DONGHAENG_BENCH_ROUNDS` (default 5) repeats the incremental pull and push (for a profiler);
//! `DONGHAENG_BENCH_DONGS=25` puts 24 more 동 (synthetic years, pushed straight into the store)
//! on the server first; `DONGHAENG_BENCH_PG=postgres://…` runs the server on PostgreSQL (a fresh
//! database, dropped at the end). After the first syncs the server is restarted: the time from
//! its spawn to the phone's first answered pull, and its memory after it.

#[allow(dead_code)]
#[path = "../tests/sync/harness.rs"]
mod harness;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use donghaeng_core::model::new_id;
use donghaeng_core::model::*;
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient};
use donghaeng_core::sync::SkewPolicy;
use donghaeng_core::sync::{SnapshotRequest, SnapshotResponse};
use donghaeng_sync_server::store::postgres::PgStore;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::store::synthetic::seed_dong_years;
use harness::{first_id, user, Backend, Device, Org, ServerProcess};

const KEY: &[u8] = b"bench-key-0123456789abcdef012345";
const HOUSEHOLDS: usize = 700;
const PERSONS: usize = 1_800;
const WELLNESS: usize = 11_000;

/// Bytes through a TCP relay in front of the server.
struct Relay {
    addr: SocketAddr,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
}

impl Relay {
    fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicU64::new(0));
        let down = Arc::new(AtomicU64::new(0));
        let (u, d) = (up.clone(), down.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let pipe = |mut from: TcpStream, mut to: TcpStream, n: Arc<AtomicU64>| {
                    std::thread::spawn(move || {
                        let mut buf = vec![0u8; 64 * 1024];
                        while let Ok(k) = from.read(&mut buf) {
                            if k == 0 || to.write_all(&buf[..k]).is_err() {
                                break;
                            }
                            n.fetch_add(k as u64, Ordering::Relaxed);
                        }
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                };
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    u.clone(),
                );
                pipe(server, client, d.clone());
            }
        });
        Relay { addr, up, down }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn take(&self) -> (u64, u64) {
        (
            self.up.swap(0, Ordering::Relaxed),
            self.down.swap(0, Ordering::Relaxed),
        )
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn file_bytes(path: &Path) -> u64 {
    let wal = path.with_extension("db-wal");
    std::fs::metadata(path).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
}

fn at(day: i64, minute: i64) -> DateTime<Utc> {
    // Visits of the year before 2026-11-30, in working hours (KST 09:00 = 00:00 UTC).
    Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap()
        + chrono::Duration::days(day)
        + chrono::Duration::minutes(minute)
}

/// Loads a 동 through the repositories, as a phone would over a year.
fn load(store: &Store, dong: Id, workers: &[Id], visits: usize) -> usize {
    let mut households = Vec::with_capacity(HOUSEHOLDS);
    for i in 0..HOUSEHOLDS {
        let members_n = PERSONS / HOUSEHOLDS + usize::from(i < PERSONS % HOUSEHOLDS);
        let members = (0..members_n)
            .map(|m| NewMember {
                name: format!("가구원{i}-{m}"),
                birth_date: NaiveDate::from_ymd_opt(1940 + (i % 40) as i32, 1 + (m % 12) as u32, 1)
                    .unwrap(),
                sex: if m % 2 == 0 { Sex::Female } else { Sex::Male },
                relation: if m == 0 {
                    Relation::Head
                } else {
                    Relation::Child
                },
                disability: Disability::None,
            })
            .collect();
        let (h, _) = store
            .households()
            .create_with_members(
                NewHousehold {
                    dong_id: dong,
                    head_name: format!("가구주{i}"),
                    address: format!("서울특별시 강남구 역삼로 {i}길 12, {}호", 100 + i % 400),
                    location: Some((37.49 + i as f64 * 1e-5, 127.03 + i as f64 * 1e-5)),
                    crisis_level: 1 + (i % 5) as i64,
                    tags: Vec::new(),
                    risk_flags: Vec::new(),
                    phone: Some(format!("010-{:04}-{:04}", i % 10_000, (i * 7) % 10_000)),
                },
                members,
            )
            .unwrap();
        households.push(h.id);
    }
    let mut visit_ids = Vec::with_capacity(visits);
    for k in 0..visits {
        let household = households[k * 7 % HOUSEHOLDS];
        let start = at((k / 100) as i64 % 360, (k % 100) as i64 * 5);
        let pair = [workers[k % workers.len()], workers[(k + 1) % workers.len()]];
        let v = store
            .visits()
            .plan(NewVisit {
                household_id: household,
                purpose: VisitPurpose::CrisisMonitoring,
                contact_mode: ContactMode::Home,
                window_start: start,
                window_end: start + chrono::Duration::hours(2),
                required_roles: Vec::new(),
                assigned: pair.to_vec(),
                note: None,
            })
            .unwrap();
        store.visits().start(v.id, start).unwrap();
        store
            .visits()
            .complete(
                v.id,
                start + chrono::Duration::minutes(40),
                VisitOutcome::Met,
                Some("안부 확인, 특이사항 없음"),
            )
            .unwrap();
        visit_ids.push((v.id, household, start));
    }
    for k in 0..WELLNESS.min(visit_ids.len()) {
        let (visit, household, start) = visit_ids[k * visit_ids.len() / WELLNESS.max(1)];
        store
            .wellness()
            .record(NewWellnessCheck {
                household_id: household,
                visit_id: Some(visit),
                worker_id: workers[k % workers.len()],
                checked_at: start + chrono::Duration::minutes(30),
                contact_mode: ContactMode::Home,
                checklist: WellnessChecklist::all_good(),
                note: Some("식사 잘 하심".into()),
                corrects: None,
            })
            .unwrap();
    }
    HOUSEHOLDS + PERSONS + visits * 2 + WELLNESS.min(visits)
}

/// Copies the synced tables' rows into a fresh encrypted file in one transaction: the floor an
/// initial sync is measured against.
fn raw_insert(from: &Store, dir: &Path) -> (Duration, u64, usize) {
    const TABLES: &[&str] = &[
        "org_units",
        "workers",
        "households",
        "persons",
        "visits",
        "visit_workers",
        "wellness_checks",
    ];
    let mut rows: Vec<(String, Vec<Vec<rusqlite::types::Value>>)> = Vec::new();
    from.read(|tx| {
        for t in TABLES {
            let mut st = tx.prepare(&format!("SELECT * FROM {t}"))?;
            let n = st.column_count();
            let cols = st.column_names().collect::<Vec<_>>().join(", ");
            let all = st
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.push((format!("{t} ({cols})"), all));
        }
        Ok(())
    })
    .unwrap();
    let path = dir.join("raw.db");
    let to = Store::open_encrypted(&path, KEY).unwrap();
    let count: usize = rows.iter().map(|(_, r)| r.len()).sum();
    let t = Instant::now();
    to.write(|tx| {
        for (table, all) in &rows {
            let Some(first) = all.first() else { continue };
            let marks = vec!["?"; first.len()].join(", ");
            let mut st = tx.prepare(&format!("INSERT INTO {table} VALUES ({marks})"))?;
            for r in all {
                st.execute(rusqlite::params_from_iter(r))?;
            }
        }
        Ok(())
    })
    .unwrap();
    let took = t.elapsed();
    drop(to);
    (took, file_bytes(&path), count)
}

/// The same snapshot again, with nothing applied: what the server and the wire cost of it (the
/// rest of an initial sync is the phone applying it).
fn serve_only(relay: &Relay, client: &SyncClient) -> Duration {
    let http = reqwest::blocking::Client::new();
    let token = client.bearer_token().unwrap();
    let mut req = SnapshotRequest::first(5_000);
    let t = Instant::now();
    loop {
        let page: SnapshotResponse = http
            .post(format!("{}/v1/snapshot", relay.url()))
            .bearer_auth(&token)
            .json(&req)
            .send()
            .unwrap()
            .json()
            .unwrap();
        if !page.has_more {
            break;
        }
        req.after = page.after;
        req.feed_from = Some(page.feed_from);
    }
    let took = t.elapsed();
    relay.take();
    took
}

fn fresh_phone(
    server: &str,
    db: &Backend,
    team: Id,
    dir: &Path,
    relay: &Relay,
) -> (Store, SyncClient) {
    let (_, code) = user(db, team, "welfare_planner");
    let store = Store::open_encrypted(dir.join("phone.db"), KEY).unwrap();
    let direct = SyncClient::new(Routes::new(server, None)).unwrap();
    let cred = direct.enrol(&store, &code).unwrap();
    let client = SyncClient::new(Routes::new(relay.url(), None)).unwrap();
    client.use_credential(cred);
    (store, client)
}

fn main() {
    let visits: usize = std::env::var("DONGHAENG_BENCH_VISITS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(36_000);
    let rounds: usize = std::env::var("DONGHAENG_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dongs: usize = std::env::var("DONGHAENG_BENCH_DONGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let work = tempfile::tempdir().unwrap();
    let pg = std::env::var("DONGHAENG_BENCH_PG")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|url| FreshPg::create(&url));
    let db = match &pg {
        Some(p) => Backend::Postgres(p.url.clone()),
        None => Backend::Sqlite(work.path().join("server.db")),
    };
    // The node's scope index in a file on its disk, kept across the restart (with SQLite the
    // server puts it beside the database by itself).
    let index_file = work.path().join("node.scope-index");
    let index_args: Vec<&str> = match &db {
        Backend::Postgres(_) => vec!["--scope-index", index_file.to_str().unwrap()],
        Backend::Sqlite(_) => Vec::new(),
    };
    let org = Org::create(&db);
    if dongs > 1 {
        let t = Instant::now();
        let n = seed_other_dongs(&db, dongs - 1);
        println!(
            "seeded {} other 동 ({n} changes) in {:.1} s",
            dongs - 1,
            t.elapsed().as_secs_f64()
        );
    }
    let (_, loader_code) = user(&db, org.team, "welfare_planner");
    let (_, partner_code) = user(&db, org.team, "visiting_nurse");
    drop(partner_code);
    let server = ServerProcess::start_with(&db, &index_args);
    let relay = Relay::start(server.addr);

    // The loading phone lives in memory-backed storage: its fsyncs are not what is measured.
    let shm = tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempfile::tempdir().unwrap());
    let mut loader = Device::enrol(
        shm.path().join("loader.db"),
        None,
        &server.url(),
        &loader_code,
        &server.url(),
    );
    loader.client =
        SyncClient::new(Routes::new(server.url(), loader.client.bearer_token())).unwrap();
    loader.sync_until_ok(3);
    let dong = first_id(
        &loader.store,
        "SELECT id FROM org_units WHERE kind = 'dong'",
    );
    let workers: Vec<Id> = loader
        .store
        .read(|tx| {
            let mut st = tx.prepare("SELECT id FROM workers ORDER BY id")?;
            let ids = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ids.into_iter().map(|s| s.parse().unwrap()).collect())
        })
        .unwrap();
    let t = Instant::now();
    let records = load(&loader.store, dong, &workers, visits);
    let load_took = t.elapsed();
    let changes = loader.store.outbox_len().unwrap();
    let t = Instant::now();
    loader.sync_until_ok(3);
    let push_took = t.elapsed();
    println!(
        "loaded {records} records as {changes} changes in {:.1} s, pushed in {:.1} s",
        load_took.as_secs_f64(),
        push_took.as_secs_f64()
    );

    let mut initial = Vec::new();
    let mut raw = Vec::new();
    let mut last = None;
    for run in 0..3 {
        let dir = tempfile::tempdir_in(work.path()).unwrap();
        let (store, client) = fresh_phone(&server.url(), &db, org.team, dir.path(), &relay);
        relay.take();
        let t = Instant::now();
        let report = client.sync(&store, &mut ()).unwrap();
        let took = t.elapsed();
        let (up, down) = relay.take();
        let served = serve_only(&relay, &client);
        let (raw_took, raw_bytes, rows) = raw_insert(&store, dir.path());
        store
            .read(|tx| Ok(tx.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?))
            .ok();
        let phone_bytes = file_bytes(&dir.path().join("phone.db"));
        println!(
            "run {run}: initial sync {:.0} ms ({} snapshot records and {} changes in {} pages; of it \
             the server and the wire {:.0} ms; {:.1} MB down, {:.2} MB up); raw insert of {rows} rows \
             {:.0} ms; phone file {:.1} MB, raw copy {:.1} MB",
            ms(took),
            report.snapshot_records,
            report.pulled,
            report.pages,
            ms(served),
            down as f64 / 1e6,
            up as f64 / 1e6,
            ms(raw_took),
            phone_bytes as f64 / 1e6,
            raw_bytes as f64 / 1e6,
        );
        initial.push(ms(took));
        raw.push(ms(raw_took));
        last = Some((dir, store, client, down, phone_bytes, raw_bytes));
    }
    let (_dir, phone, client, down, phone_bytes, raw_bytes) = last.unwrap();

    // A node's start over this log: from the process's spawn to the phone's first answered pull
    // (the scope index is restored before the node listens), and the node's memory after it.
    drop(relay);
    drop(server);
    let t = Instant::now();
    let server = ServerProcess::start_with(&db, &index_args);
    let after_restart = SyncClient::new(Routes::new(server.url(), client.bearer_token())).unwrap();
    after_restart.sync(&phone, &mut ()).unwrap();
    let start_took = t.elapsed();
    let (rss, peak) = memory_mb(server.pid());
    let relay = Relay::start(server.addr);
    let client = SyncClient::new(Routes::new(relay.url(), client.bearer_token())).unwrap();
    loader.client =
        SyncClient::new(Routes::new(server.url(), loader.client.bearer_token())).unwrap();

    // Incremental: the loader writes 10 checks, the phone pulls them; the phone writes 10, pushes.
    let (visit, household): (String, String) = phone
        .read(|tx| {
            Ok(
                tx.query_row("SELECT id, household_id FROM visits LIMIT 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .unwrap();
    let check = |store: &Store, k: usize| {
        store
            .wellness()
            .record(NewWellnessCheck {
                household_id: household.parse().unwrap(),
                visit_id: Some(visit.parse().unwrap()),
                worker_id: workers[k % workers.len()],
                checked_at: at(300, k as i64),
                contact_mode: ContactMode::Phone,
                checklist: WellnessChecklist::all_good(),
                note: None,
                corrects: None,
            })
            .unwrap();
    };
    let (mut pulls, mut pushes, mut locals, mut empties) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        for k in 0..10 {
            check(&loader.store, round * 10 + k);
        }
        loader.sync_until_ok(3);
        let t = Instant::now();
        let r = client.sync(&phone, &mut ()).unwrap();
        pulls.push(ms(t.elapsed()));
        assert!(r.pulled >= 10, "the phone pulled {}", r.pulled);
        for k in 0..10 {
            let t = Instant::now();
            check(&phone, round * 10 + k);
            locals.push(ms(t.elapsed()));
        }
        let t = Instant::now();
        let r = client.sync(&phone, &mut ()).unwrap();
        pushes.push(ms(t.elapsed()));
        assert_eq!(r.pushed, 10);
        // A sync with nothing to send or receive: the fixed part of every sync (its requests and
        // transactions), beside which the pull and push figures read.
        let t = Instant::now();
        let r = client.sync(&phone, &mut ()).unwrap();
        empties.push(ms(t.elapsed()));
        assert_eq!((r.pushed, r.pulled), (0, 0));
    }
    println!();
    println!("| what | median |");
    println!("|---|---|");
    println!("| initial sync of the 동 ({changes} changes, {records} records), encrypted file store | {:.0} ms |", median(initial.clone()));
    println!(
        "| raw SQLite insert of the same rows, same run | {:.0} ms |",
        median(raw.clone())
    );
    println!("| ratio | {:.1}× |", median(initial) / median(raw));
    println!("| bytes to the phone | {:.1} MB |", down as f64 / 1e6);
    println!(
        "| phone's file / raw copy of its rows | {:.1} MB / {:.1} MB = {:.1}× |",
        phone_bytes as f64 / 1e6,
        raw_bytes as f64 / 1e6,
        phone_bytes as f64 / raw_bytes as f64
    );
    println!(
        "| server start to the first answered pull ({dongs} 동 on the server) | {:.0} ms |",
        ms(start_took)
    );
    println!("| server memory after it: resident / peak | {rss:.0} MB / {peak:.0} MB |");
    println!("| pull of 10 changes (sync) | {:.1} ms |", median(pulls));
    println!("| push of 10 changes (sync) | {:.1} ms |", median(pushes));
    println!(
        "| a sync with nothing to send or receive | {:.1} ms |",
        median(empties)
    );
    println!(
        "| one wellness check written locally | {:.2} ms |",
        median(locals)
    );
    drop(server);
    drop(pg);
}

/// A database of its own on the PostgreSQL server `DONGHAENG_BENCH_PG` names, dropped at the end.
struct FreshPg {
    admin: String,
    name: String,
    url: String,
}

impl FreshPg {
    fn create(admin: &str) -> FreshPg {
        let name = format!("dh_initial_sync_{}", new_id().simple());
        let (head, _) = admin.rsplit_once('/').expect("a postgres://…/database URL");
        let pg = FreshPg {
            admin: admin.to_owned(),
            url: format!("{head}/{name}"),
            name,
        };
        pg.execute(&format!("CREATE DATABASE {}", pg.name))
            .expect("DONGHAENG_BENCH_PG: cannot create a database");
        println!("store: PostgreSQL (fresh database {})", pg.name);
        pg
    }

    fn execute(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&self.admin, tokio_postgres::NoTls)
                .await
                .expect("DONGHAENG_BENCH_PG: cannot connect");
            tokio::spawn(conn);
            client.batch_execute(sql).await
        })
    }
}

impl Drop for FreshPg {
    fn drop(&mut self) {
        // A killed server's sessions take a moment to end; the bench's role may not end them.
        for _ in 0..50 {
            if self
                .execute(&format!("DROP DATABASE {}", self.name))
                .is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!(
            "could not drop the bench database {}: drop it by hand",
            self.name
        );
    }
}

/// Pushes `k` synthetic 동 years (about 50,000 changes each, in 동 that are not the measured
/// phone's) straight into the server's store, as the startup bench does.
fn seed_other_dongs(db: &Backend, k: usize) -> usize {
    // 2025-01-01: the synthetic years end before the server's clock.
    const T0: u64 = 1_735_689_600_000;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let now = chrono::Utc::now().timestamp_millis();
        match db {
            Backend::Sqlite(path) => {
                let store = SqliteStore::open(path, SkewPolicy::default()).unwrap();
                seed_dong_years(&store, 0, k, T0, now).await.unwrap()
            }
            Backend::Postgres(url) => {
                let store = PgStore::connect(url, SkewPolicy::default(), 4)
                    .await
                    .unwrap();
                seed_dong_years(&store, 0, k, T0, now).await.unwrap()
            }
        }
    })
}

/// A process's resident and peak resident memory (VmRSS, VmHWM), in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
