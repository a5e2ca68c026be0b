//! Device-side sync benchmarks (issue 7): applying pulled changes to the SQLite store (initial sync
//! of one 동, ~50,000 changes, in pages of 5,000; an incremental page of 10), the cost of change
//! capture (the same repository write with and without it), and bytes per change on the wire.
//!
//! `cargo bench -p donghaeng-core --bench sync_device -j 1`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use donghaeng_core::clock::FixedClock;
use donghaeng_core::model::*;
use donghaeng_core::store::households::{HouseholdUpdate, NewHousehold};
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::workers::NewWorker;
use donghaeng_core::store::Store;
use donghaeng_core::sync::*;
use donghaeng_core::synthetic::changes::{dong_year, fields, ChangeGen};
use serde_json::json;
use uuid::Uuid;

const T0: u64 = 1_767_225_600_000;

fn now() -> Arc<FixedClock> {
    Arc::new(FixedClock(
        Utc.timestamp_millis_opt(T0 as i64 + 400 * 86_400_000)
            .unwrap(),
    ))
}

/// A file-backed store (WAL, synchronous = FULL: what a phone does) in a fresh directory.
fn file_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with_clock(dir.path().join("d.db"), now()).unwrap();
    (dir, store)
}

fn apply_year(store: &Store, year: &[Change]) {
    let mut seq = 0;
    for page in year.chunks(5_000) {
        seq += page.len() as u64;
        store.apply_page(page, seq).unwrap();
    }
}

fn apply(c: &mut Criterion) {
    let mut g = ChangeGen::new(Uuid::now_v7(), T0);
    let (year, households) = dong_year(&mut g);
    let page = serde_json::to_vec(&year[..5_000]).unwrap();
    eprintln!(
        "one 동 year: {} changes; JSON ≈ {} bytes/change (a page of 5,000 changes as pulled)",
        year.len(),
        page.len() / 5_000
    );
    let mut group = c.benchmark_group("sync_device_apply");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40));
    group.throughput(Throughput::Elements(year.len() as u64));
    group.bench_function("initial_sync_one_dong_year_into_empty_file_store", |b| {
        b.iter_batched(
            file_store,
            |(dir, store)| {
                apply_year(&store, &year);
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let (_dir, store) = file_store();
    apply_year(&store, &year);
    let mut seq = year.len() as u64;
    let mut group = c.benchmark_group("sync_device_apply");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(10));
    let mut k = 0usize;
    group.bench_function("incremental_page_of_10_into_a_full_file_store", |b| {
        b.iter_batched(
            || {
                (0..10)
                    .map(|_| {
                        k += 1;
                        let h = households[k * 13 % households.len()];
                        let f = fields(vec![("crisis_level", json!(1 + k % 5))]);
                        g.change(
                            T0 + 400 * 86_400_000,
                            "households",
                            h,
                            Op::Upsert { fields: f },
                        )
                    })
                    .collect::<Vec<_>>()
            },
            |page| {
                seq += 10;
                black_box(store.apply_page(&page, seq).unwrap())
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn dong_and_worker(store: &Store) -> (Id, Id) {
    let city = store
        .org()
        .create(OrgUnitKind::City, "서울특별시", None)
        .unwrap();
    let district = store
        .org()
        .create(OrgUnitKind::District, "강남구", Some(city.id))
        .unwrap();
    let dong = store
        .org()
        .create(OrgUnitKind::Dong, "역삼1동", Some(district.id))
        .unwrap();
    let team = store
        .org()
        .create(OrgUnitKind::Team, "복지1팀", Some(dong.id))
        .unwrap();
    let w = store
        .workers()
        .create(NewWorker {
            team_id: team.id,
            name: "박지은".into(),
            roles: vec![Role::WelfarePlanner],
            phone: None,
        })
        .unwrap();
    (dong.id, w.id)
}

fn new_household(dong: Id, i: u64) -> NewHousehold {
    NewHousehold {
        dong_id: dong,
        head_name: format!("가구주{i}"),
        address: format!("서울특별시 강남구 역삼로 {i}길 12"),
        location: Some((37.5, 127.03)),
        crisis_level: 3,
        tags: vec![HouseholdTag::LivesAlone],
        risk_flags: vec![],
        phone: None,
    }
}

/// The same repository writes with and without change capture, on a file store and in memory.
fn capture(c: &mut Criterion) {
    for (kind, file) in [("file", true), ("memory", false)] {
        for on in [false, true] {
            let (_dir, store) = if file {
                let (d, s) = file_store();
                (Some(d), s)
            } else {
                (None, Store::open_in_memory_with_clock(now()).unwrap())
            };
            let (dong, worker) = dong_and_worker(&store);
            let h = store
                .households()
                .create(new_household(dong, 0))
                .unwrap()
                .id;
            store.set_change_capture_for_benchmarks(on);
            let label = if on {
                "with_capture"
            } else {
                "without_capture"
            };
            let mut group = c.benchmark_group(format!("sync_device_capture_{kind}"));
            group
                .sample_size(if file { 30 } else { 100 })
                .measurement_time(Duration::from_secs(5));
            let mut i = 0u64;
            group.bench_function(format!("household_create_{label}"), |b| {
                b.iter(|| {
                    i += 1;
                    black_box(store.households().create(new_household(dong, i)).unwrap())
                })
            });
            group.bench_function(format!("household_edit_one_field_{label}"), |b| {
                b.iter(|| {
                    i += 1;
                    let u = HouseholdUpdate {
                        crisis_level: Some(1 + (i % 5) as i64),
                        ..HouseholdUpdate::default()
                    };
                    black_box(store.households().update(h, u).unwrap())
                })
            });
            group.bench_function(format!("wellness_check_append_{label}"), |b| {
                b.iter(|| {
                    black_box(
                        store
                            .wellness()
                            .record(NewWellnessCheck {
                                household_id: h,
                                visit_id: None,
                                worker_id: worker,
                                checked_at: Utc.timestamp_millis_opt(T0 as i64).unwrap(),
                                contact_mode: ContactMode::Phone,
                                checklist: WellnessChecklist::all_good(),
                                note: Some("식사 잘 하심".into()),
                                corrects: None,
                            })
                            .unwrap(),
                    )
                })
            });
            group.finish();
            if on {
                let out = store.outbox(100).unwrap();
                let bytes: usize = out
                    .iter()
                    .map(|c| serde_json::to_vec(c).unwrap().len())
                    .sum();
                eprintln!(
                    "captured changes ({kind}): ≈ {} bytes/change as pushed (JSON)",
                    bytes / out.len().max(1)
                );
            }
        }
    }
}

criterion_group!(sync_device_benches, apply, capture);
criterion_main!(sync_device_benches);
