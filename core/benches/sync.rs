//! Sync core benchmarks (issue 7): merge/apply throughput on the in-memory reference replica for an
//! initial sync of one 동 (~50,000 changes: 700 households, their members, a year of visits with
//! status edits and assignments, wellness checks and notes), an incremental page of 10 changes,
//! the server model's push path, and JSON bytes per change on the wire.
//!
//! `cargo bench -p donghaeng-core --bench sync -j 1`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use donghaeng_core::sync::*;
use donghaeng_core::synthetic::changes::{dong_year, fields, ChangeGen};
use serde_json::json;
use uuid::Uuid;

const T0: u64 = 1_767_225_600_000;

fn benches(c: &mut Criterion) {
    let device = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
    let mut g = ChangeGen::new(device, T0);
    let year = dong_year(&mut g).0;
    let n = year.len();
    let invalid = year
        .iter()
        .filter(|c| validate::validate_change(c, "change").is_err())
        .count();
    assert_eq!(invalid, 0, "the generated year must be valid input");

    // Bytes on the wire per change, in a pull page of 1,000 (JSON, uncompressed).
    let page = PullResponse {
        changes: year[..1_000]
            .iter()
            .enumerate()
            .map(|(i, c)| SeqChange {
                seq: i as u64 + 1,
                change: c.clone(),
            })
            .collect(),
        next_seq: 1_000,
        has_more: true,
        purge: Vec::new(),
        server_time_ms: T0 as i64,
        resume: None,
    };
    let page_bytes = serde_json::to_vec(&page).map(|v| v.len()).unwrap_or(0);
    let all_bytes: usize = year
        .iter()
        .map(|c| serde_json::to_vec(c).map(|v| v.len()).unwrap_or(0))
        .sum();
    eprintln!(
        "one 동, a year: {n} changes; JSON {:.0} bytes/change over the whole year, {:.0} bytes/change in a pull page of 1,000 (households and persons)",
        all_bytes as f64 / n as f64,
        page_bytes as f64 / 1_000.0
    );

    let mut group = c.benchmark_group("sync_apply");
    group.sample_size(20);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("initial_sync_one_dong_into_empty_replica", |b| {
        b.iter(|| {
            let mut r = Replica::new();
            for ch in &year {
                let _ = r.apply(black_box(ch));
            }
            r
        })
    });
    group.finish();

    // Incremental: 10 new changes (edits of existing visits) into a replica holding the whole year.
    let mut full = Replica::new();
    full.apply_all(&year).ok();
    let mut g2 = ChangeGen::new(
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002),
        T0,
    );
    g2.receive(&year[n - 1].hlc);
    let visits = full.live_ids("visits");
    let ten: Vec<Change> = (0..10)
        .map(|i| {
            let f = fields(vec![("note", json!(format!("추가 메모 {i}")))]);
            g2.change(
                T0 + 400 * 86_400_000,
                "visits",
                visits[i * 97 % visits.len()],
                Op::Upsert { fields: f },
            )
        })
        .collect();
    let mut group = c.benchmark_group("sync_incremental");
    group.throughput(Throughput::Elements(10));
    group.bench_function("apply_10_changes_to_a_full_replica", |b| {
        b.iter_batched_ref(
            || full.clone(),
            |r| {
                for ch in &ten {
                    let _ = r.apply(black_box(ch));
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();

    // The server model's push path: validate, dedupe, skew check, merge, log; batches of 1,000.
    let batches: Vec<PushRequest> = year
        .chunks(1_000)
        .map(|chunk| PushRequest {
            protocol_version: ProtocolVersion::CURRENT,
            device_id: device,
            changes: chunk.to_vec(),
        })
        .collect();
    let now = (T0 + 500 * 86_400_000) as i64;
    let mut group = c.benchmark_group("sync_server_model");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("push_one_dong_year_in_batches_of_1000", |b| {
        b.iter(|| {
            let mut s = MemoryServer::new(SkewPolicy::default());
            for req in &batches {
                let _ = s.push(black_box(req), now);
            }
            s
        })
    });
    group.bench_function("validate_only_one_dong_year", |b| {
        b.iter(|| {
            for req in &batches {
                let _ = validate::validate_push(black_box(req));
            }
        })
    });
    group.bench_function("json_decode_one_dong_year", |b| {
        let bodies: Vec<Vec<u8>> = batches
            .iter()
            .filter_map(|r| serde_json::to_vec(r).ok())
            .collect();
        b.iter(|| {
            for body in &bodies {
                let _ = black_box(serde_json::from_slice::<PushRequest>(body));
            }
        })
    });
    group.finish();
}

criterion_group!(sync_benches, benches);
criterion_main!(sync_benches);
