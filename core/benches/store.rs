//! Local store benchmarks on a synthetic 동 with 50,000 visits (issue 3 targets, medians):
//! open ≤ 30 ms, agenda ≤ 5 ms, history page ≤ 5 ms, wellness-check write ≤ 2 ms. The `store_encrypted`
//! group runs the same on the SQLCipher file the phone uses (docs/security-device.md).

use std::hint::black_box;
use std::path::Path;

use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use donghaeng_core::model::*;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::Store;
use donghaeng_core::synthetic::{generate, SyntheticConfig};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 20).unwrap()
}

fn build(path: &Path) -> donghaeng_core::synthetic::SyntheticDong {
    let store = Store::open(path).unwrap();
    let cfg = SyntheticConfig {
        visits: 50_000,
        ..SyntheticConfig::dong(today())
    };
    let d = generate(&store, &cfg).unwrap();
    store
        .write(|tx| {
            tx.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(())
        })
        .ok();
    d
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dong.db");
    let d = build(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "synthetic 동: {} households, {} persons, {} visits, {} wellness checks, file {:.1} MB",
        d.household_ids.len(),
        d.persons,
        d.visits,
        d.wellness_checks,
        size as f64 / 1e6
    );

    let mut g = c.benchmark_group("store");
    g.sample_size(50);

    g.bench_function("open_existing_file", |b| {
        b.iter_batched(
            || {
                let copy = dir.path().join("copy.db");
                std::fs::copy(&path, &copy).unwrap();
                copy
            },
            |copy| black_box(Store::open(&copy).unwrap()),
            BatchSize::PerIteration,
        )
    });
    let mut n = 0u64;
    g.bench_function("create_and_migrate_empty_file", |b| {
        b.iter_batched(
            || {
                n += 1;
                dir.path().join(format!("empty-{n}.db"))
            },
            |p| black_box(Store::open(&p).unwrap()),
            BatchSize::PerIteration,
        )
    });

    let store = Store::open(&path).unwrap();
    // The busiest staff member's busiest day in the coming two weeks.
    let (worker, day, items) = d
        .workers
        .iter()
        .filter(|w| w.is_staff())
        .flat_map(|w| (0..14).map(move |i| (w.id, today() + Days::new(i))))
        .map(|(w, day)| (w, day, store.agenda().for_worker(w, day).unwrap().len()))
        .max_by_key(|x| x.2)
        .unwrap();
    eprintln!("agenda: {items} visits for the busiest worker-day");
    g.bench_function("agenda_for_worker_day", |b| {
        b.iter(|| black_box(store.agenda().for_worker(worker, day).unwrap()))
    });

    // The household with the longest history.
    let (household, entries) = store
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT household_id, count(*) AS n FROM visits GROUP BY household_id ORDER BY n DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )?)
        })
        .unwrap();
    let household = Id::parse_str(&household).unwrap();
    eprintln!("history: {entries} visits for the busiest household");
    g.bench_function("history_first_page_20", |b| {
        b.iter(|| black_box(store.history().page(household, None, 20).unwrap()))
    });
    let mut cursor = None;
    for _ in 0..3 {
        cursor = store.history().page(household, cursor, 20).unwrap().next;
    }
    g.bench_function("history_fourth_page_20", |b| {
        b.iter(|| black_box(store.history().page(household, cursor, 20).unwrap()))
    });

    let writer = d.workers.iter().find(|w| w.is_staff()).unwrap().id;
    let target = d.household_ids[0];
    g.bench_function("wellness_check_write", |b| {
        b.iter(|| {
            black_box(
                store
                    .wellness()
                    .record(NewWellnessCheck {
                        household_id: target,
                        visit_id: None,
                        worker_id: writer,
                        checked_at: chrono::Utc::now(),
                        contact_mode: ContactMode::Home,
                        checklist: WellnessChecklist::all_good(),
                        note: Some("식사 잘 하심, 약 복용 확인".into()),
                        corrects: None,
                    })
                    .unwrap(),
            )
        })
    });
    g.finish();
    drop(store);
    encrypted(c, dir.path(), &path, worker, day, household, writer, target);
}

/// The same operations on the SQLCipher-encrypted file (issue 10), and what a passphrase would cost
/// at every open (PBKDF2, 256,000 iterations) against the raw key the store uses.
#[allow(clippy::too_many_arguments)]
fn encrypted(
    c: &mut Criterion,
    dir: &Path,
    plain: &Path,
    worker: Id,
    day: NaiveDate,
    household: Id,
    writer: Id,
    target: Id,
) {
    const KEY: [u8; 32] = [0x3c; 32];
    let enc = dir.join("encrypted.db");
    std::fs::copy(plain, &enc).unwrap();
    let t = std::time::Instant::now();
    drop(Store::open_encrypted(&enc, &KEY).unwrap());
    eprintln!(
        "plain → encrypted migration of the {:.1} MB file: {:.0} ms",
        std::fs::metadata(plain).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        t.elapsed().as_secs_f64() * 1e3
    );
    // The same file under a passphrase (what SQLCipher stretches with PBKDF2 on every open).
    let pass = dir.join("passphrase.db");
    {
        let conn = rusqlite::Connection::open(plain).unwrap();
        conn.execute(
            "ATTACH DATABASE ?1 AS p KEY 'a passphrase'",
            [pass.to_str().unwrap()],
        )
        .unwrap();
        conn.query_row("SELECT sqlcipher_export('p')", [], |_| Ok(()))
            .unwrap();
    }
    let raw_key = format!(
        "PRAGMA key = \"x'{}'\";",
        KEY.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );

    let mut g = c.benchmark_group("store_encrypted");
    g.sample_size(50);
    g.bench_function("open_existing_file", |b| {
        b.iter_batched(
            || {
                let copy = dir.join("copy-enc.db");
                std::fs::copy(&enc, &copy).unwrap();
                copy
            },
            |copy| black_box(Store::open_encrypted(&copy, &KEY).unwrap()),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("first_read_raw_key", |b| {
        b.iter(|| {
            let conn = rusqlite::Connection::open(&enc).unwrap();
            conn.execute_batch(&raw_key).unwrap();
            black_box(
                conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap(),
            )
        })
    });
    g.sample_size(10);
    g.bench_function("first_read_passphrase_pbkdf2", |b| {
        b.iter(|| {
            let conn = rusqlite::Connection::open(&pass).unwrap();
            conn.execute_batch("PRAGMA key = 'a passphrase';").unwrap();
            black_box(
                conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap(),
            )
        })
    });
    g.sample_size(50);
    let store = Store::open_encrypted(&enc, &KEY).unwrap();
    g.bench_function("agenda_for_worker_day", |b| {
        b.iter(|| black_box(store.agenda().for_worker(worker, day).unwrap()))
    });
    g.bench_function("history_first_page_20", |b| {
        b.iter(|| black_box(store.history().page(household, None, 20).unwrap()))
    });
    g.bench_function("wellness_check_write", |b| {
        b.iter(|| {
            black_box(
                store
                    .wellness()
                    .record(NewWellnessCheck {
                        household_id: target,
                        visit_id: None,
                        worker_id: writer,
                        checked_at: chrono::Utc::now(),
                        contact_mode: ContactMode::Home,
                        checklist: WellnessChecklist::all_good(),
                        note: Some("식사 잘 하심, 약 복용 확인".into()),
                        corrects: None,
                    })
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(store_benches, benches);
criterion_main!(store_benches);
