//! Sync core benchmarks (issue 7): merge/apply throughput on the in-memory reference replica for an
//! initial sync of one 동 (~50,000 changes: 700 households, their members, a year of visits with
//! status edits and assignments, wellness checks and notes), an incremental page of 10 changes,
//! the server model's push path, and JSON bytes per change on the wire.
//!
//! `cargo bench -p donghaeng-core --bench sync -j 1`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use donghaeng_core::sync::*;
use serde_json::json;
use uuid::Uuid;

const T0: u64 = 1_767_225_600_000;

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

fn benches(c: &mut Criterion) {
    let device = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
    let mut g = Gen::new(device);
    let year = dong_year(&mut g);
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
    let mut g2 = Gen::new(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002));
    g2.clock.receive(&year[n - 1].hlc, 0);
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
