//! Day-planner benchmarks (issue 6): one 동's day (60 visits, 12 workers), a district (25 such 동), and a
//! re-plan after one drop-out at 12:00. Instances come from the tests' fixed-seed generator.

#[path = "../tests/schedule/support.rs"]
mod support;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use donghaeng_core::schedule::{
    plan_day, plan_district, replan_after_dropout, PlanInput, ReplanInput,
};
use support::{at, generate, GenSpec};

fn dong(seed: u64) -> PlanInput {
    generate(
        seed,
        &GenSpec {
            visits: 60,
            workers: 12,
            area_km: 2.0,
        },
    )
}

fn replan_input() -> ReplanInput {
    let input = dong(42);
    let plan = plan_day(&input).expect("plan");
    let dropped = plan
        .teams
        .iter()
        .filter(|t| t.workers.len() >= 2)
        .max_by_key(|t| t.stops.len())
        .map(|t| t.workers[0])
        .expect("a team");
    let now = at(180);
    let started = plan
        .teams
        .iter()
        .flat_map(|t| t.stops.iter())
        .filter(|s| s.start < now)
        .map(|s| s.visit_id)
        .collect();
    ReplanInput {
        input,
        previous: plan,
        dropped_worker: dropped,
        now,
        started_or_done: started,
    }
}

fn benches(c: &mut Criterion) {
    let day = dong(42);
    let plan = plan_day(&day).expect("plan");
    let placed: usize = plan.teams.iter().map(|t| t.stops.len()).sum();
    eprintln!(
        "one 동: {placed} of {} visits placed, {} teams, travel {} person-min",
        day.visits.len(),
        plan.teams.iter().filter(|t| !t.stops.is_empty()).count(),
        plan.cost.travel_s / 60
    );
    c.bench_function("plan_day_60_visits_12_workers", |b| {
        b.iter(|| plan_day(black_box(&day)).expect("plan"))
    });

    let district: Vec<PlanInput> = (0..25).map(|i| dong(1000 + i)).collect();
    let mut g = c.benchmark_group("district");
    g.sample_size(10);
    g.bench_function("plan_district_25_dong", |b| {
        b.iter(|| plan_district(black_box(&district)).expect("plans"))
    });
    g.finish();

    let r = replan_input();
    let result = replan_after_dropout(&r).expect("replan");
    eprintln!(
        "re-plan: {} assignments changed",
        result.changed_assignments
    );
    c.bench_function("replan_after_one_dropout", |b| {
        b.iter(|| replan_after_dropout(black_box(&r)).expect("replan"))
    });
}

criterion_group!(schedule, benches);
criterion_main!(schedule);
