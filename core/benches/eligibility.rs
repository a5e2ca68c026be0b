//! Eligibility benchmarks: all programs for one household (target: median ≤ 20 µs), and Seoul's
//! 290,000 monitored households in one batch on one thread (target: ≤ 5 s).
//!
//! Run: `cargo bench -p donghaeng-core --bench eligibility -j 1`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use donghaeng_core::eligibility::{
    CareSosRequest, CrisisInput, CrisisReason, EvaluationInput, HistoryEntry, HouseholdInput,
    Member, ParameterRegistry, ProgramCode, Receiving, Residence, SupportItem, SupportKind,
};

const SEOUL_MONITORED: usize = 290_000;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// The household of the issue's example.
fn example() -> EvaluationInput {
    EvaluationInput {
        as_of: d(2022, 6, 15),
        residence: Residence::Seoul,
        household: HouseholdInput {
            size: 2,
            members: vec![Member {
                birth_date: d(1950, 3, 2),
                disabled: false,
            }],
            monthly_income_won: 1_500_000,
            recognised_income_won: None,
            property_won: 120_000_000,
            financial_assets_won: 3_000_000,
            lonely_death_risk: false,
            receiving: vec![],
            health_insurance_bottom_20pct: false,
        },
        crisis: Some(CrisisInput {
            reasons: vec![CrisisReason::JobLoss],
            requested_items: vec![SupportItem::Living],
            support_kind: SupportKind::New,
        }),
        history: vec![HistoryEntry {
            program: ProgramCode::SeoulEmergencyWelfare,
            reason: CrisisReason::JobLoss,
            date: d(2021, 12, 1),
            support_kind: SupportKind::New,
            item: None,
            record: None,
        }],
        care_sos_request: Some(CareSosRequest {
            temporary_home_care_hours: 10,
            short_stay_days: 2,
            escort_minutes: 120,
            housing_help_minutes: 60,
            meals: 12,
        }),
        care_sos_used: vec![],
        programs: None,
    }
}

/// A varied, deterministic population (a small linear congruential generator, no extra crate).
fn population(n: usize) -> Vec<EvaluationInput> {
    let mut state: u64 = 0x2022_0615;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    };
    (0..n)
        .map(|_| {
            let mut i = example();
            i.as_of = d(2022, 1 + next(12) as u32, 1 + next(28) as u32);
            i.household.size = 1 + next(6) as i64;
            i.household.monthly_income_won = next(5_000_000) as i64;
            i.household.property_won = next(400_000_000) as i64;
            i.household.financial_assets_won =
                next(40_000_000).min(i.household.property_won as u64) as i64;
            i.household.lonely_death_risk = next(10) == 0;
            i.household.members[0].birth_date = d(1930 + next(70) as i32, 1 + next(12) as u32, 1);
            if next(8) == 0 {
                i.household.receiving = vec![Receiving::NationalBasicLivelihood];
            }
            if next(3) == 0 {
                i.crisis = None;
            }
            if next(4) == 0 {
                i.residence = Residence::Other;
            }
            i.history[0].date = d(2021, 1 + next(12) as u32, 1);
            i
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let reg = match ParameterRegistry::builtin() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("built-in tables failed: {e}");
            return;
        }
    };
    let one = example();
    let json = serde_json_input();
    c.bench_function("one_household_all_programs", |b| {
        b.iter(|| reg.evaluate(black_box(&one)))
    });
    c.bench_function("one_household_all_programs_json_in_json_out", |b| {
        b.iter(|| reg.evaluate_json(black_box(&json)))
    });

    let households = population(SEOUL_MONITORED);
    // One timed pass, printed, so the figure is visible even without criterion's report.
    let start = Instant::now();
    let mut eligible = 0usize;
    for h in &households {
        if let Ok(out) = reg.evaluate(h) {
            eligible += out.programs.iter().filter(|p| p.all_passed()).count();
        }
    }
    println!(
        "batch: {} households, all programs, one thread: {:.3} s ({} program results with every check passed)",
        households.len(),
        start.elapsed().as_secs_f64(),
        eligible
    );
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("seoul_290k_households_one_thread", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for h in &households {
                if let Ok(out) = reg.evaluate(black_box(h)) {
                    n += out.programs.len();
                }
            }
            n
        })
    });
    g.finish();
}

fn serde_json_input() -> String {
    r#"{"as_of":"2022-06-15","residence":"seoul","household":{"size":2,"members":[{"birth_date":"1950-03-02","disabled":false}],"monthly_income_won":1500000,"property_won":120000000,"financial_assets_won":3000000,"lonely_death_risk":false,"receiving":[],"health_insurance_bottom_20pct":false},"crisis":{"reasons":["job_loss"],"requested_items":["living"]},"history":[{"program":"seoul_emergency_welfare","reason":"job_loss","date":"2021-12-01"}],"care_sos_request":{"temporary_home_care_hours":10,"short_stay_days":2,"escort_minutes":120,"housing_help_minutes":60,"meals":12}}"#.to_string()
}

criterion_group!(benches, bench);
criterion_main!(benches);
