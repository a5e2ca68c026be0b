//! The server's tick over 10,000 open safety sessions (issue 5: median ≤ 10 ms).
//!
//! `cargo bench -p donghaeng-core --bench safety -j 1`

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use donghaeng_core::model::{ContactMode, CrisisLevel, Household, Role, Worker};
use donghaeng_core::safety::{
    Actor, Contact, SafetyAssessment, SafetyMonitor, StartRequest, TeamSafetyConfig,
};
use uuid::Uuid;

const SESSIONS: u128 = 10_000;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
}

fn worker(n: u128, role: Role) -> Worker {
    Worker {
        id: Uuid::from_u128(n),
        team_id: Uuid::from_u128(1),
        name: format!("직원{n}"),
        roles: vec![role],
        phone: Some("010-1234-5678".to_owned()),
        active: true,
    }
}

/// A server monitor with 10,000 open sessions started at t0. Session `i` is due back at
/// `t0 + 1 h + (i % due_spread) s`, so `due_spread` = 1 puts every session due at the same instant.
fn monitor(due_spread: u128) -> SafetyMonitor {
    let cfg = TeamSafetyConfig::standard(
        Contact::new("팀장", "010-9000-0001"),
        Contact::new("동장", "010-9000-0002"),
    );
    let mut m = SafetyMonitor::new("server:bench");
    for i in 0..SESSIONS {
        let hh = Household {
            id: Uuid::from_u128(1_000_000 + i),
            dong_id: Uuid::from_u128(2),
            head_name: "홍길동".to_owned(),
            address: format!("서울 성북구 정릉로 {i}"),
            location: None,
            crisis_level: CrisisLevel::CRISIS,
            tags: vec![],
            risk_flags: vec![],
            phone: None,
            archived: false,
        };
        let workers = [
            worker(10 + 2 * i, Role::WelfarePlanner),
            worker(11 + 2 * i, Role::VisitingNurse),
        ];
        let due = t0() + Duration::hours(1) + Duration::seconds((i % due_spread) as i64);
        let req = StartRequest {
            session_id: Some(Uuid::from_u128(5_000_000 + i)),
            visit_id: None,
            household: &hh,
            district_id: Uuid::from_u128(3),
            contact_mode: ContactMode::Home,
            workers: &workers,
            expected_return: due,
            checkin_interval_secs: None,
            assessment: SafetyAssessment::complete(),
            advisory_override: None,
            config: &cfg,
            regular_volunteer: None,
            advisories: &[],
        };
        let actor = Actor::new(workers[0].id, format!("dev-{i}"))
            .with_event_id(Uuid::from_u128(9_000_000 + i));
        m.start(&req, &actor, t0()).unwrap();
    }
    m
}

// The monitor is returned from each batched routine so that dropping 10,000 sessions is not timed.
fn bench(c: &mut Criterion) {
    let spread = monitor(36_000);
    let all_due = monitor(1);
    assert_eq!(spread.open_count(), 10_000);

    // The usual server tick: 10,000 open sessions, none due.
    c.bench_function("tick_10k_open_none_due", |b| {
        let mut m = spread.clone();
        b.iter(|| black_box(m.tick(black_box(t0() + Duration::minutes(30)))))
    });
    // A 30 s server tick in which the sessions due in those 30 s are prompted (spread over 10 h).
    c.bench_function("tick_10k_open_30s_window_due", |b| {
        b.iter_batched(
            || spread.clone(),
            |mut m| {
                let a = m.tick(t0() + Duration::hours(1) + Duration::seconds(30));
                (m, black_box(a))
            },
            BatchSize::LargeInput,
        )
    });
    // Worst case: all 10,000 sessions fall due in the same tick (prompt + alert records for each).
    c.bench_function("tick_10k_open_all_due", |b| {
        b.iter_batched(
            || all_due.clone(),
            |mut m| {
                let a = m.tick(t0() + Duration::hours(1));
                (m, black_box(a))
            },
            BatchSize::LargeInput,
        )
    });
    // Worst case with SMS: all 10,000 reach escalation step 1 in the same tick.
    c.bench_function("tick_10k_open_all_escalate", |b| {
        let mut prompted = all_due.clone();
        prompted.tick(t0() + Duration::hours(1));
        b.iter_batched(
            || prompted.clone(),
            |mut m| {
                let a = m.tick(t0() + Duration::hours(1) + Duration::minutes(10));
                (m, black_box(a))
            },
            BatchSize::LargeInput,
        )
    });
    // Steady state, no cloning: past the last ladder step every session repeats its alert every 5 min, so
    // each tick 5 min after the previous one finds all 10,000 due. The monitor is rebuilt (untimed) every
    // 20 ticks to bound its log.
    let mut group = c.benchmark_group("steady");
    group.sample_size(20);
    group.bench_function("tick_10k_open_all_repeat", |b| {
        let fresh = || {
            let mut m = all_due.clone();
            // Prompt and steps 1–4 (11:00 … 11:25 in session time), so that ticks from here on repeat.
            m.tick(t0() + Duration::hours(1) + Duration::minutes(25));
            m
        };
        let mut m = fresh();
        let mut k: i64 = 0;
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                if k == 20 {
                    m = fresh();
                    k = 0;
                }
                k += 1;
                let now = t0() + Duration::hours(1) + Duration::minutes(25 + 5 * k);
                let start = std::time::Instant::now();
                let actions = m.tick(now);
                total += start.elapsed();
                assert_eq!(actions.len(), 10_000);
                drop(black_box(actions));
            }
            total
        })
    });
    group.finish();
    c.bench_function("next_deadline_10k", |b| {
        b.iter(|| black_box(spread.next_deadline(black_box(t0()))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
