//! Planner quality against an exact solver (brute force over team formations, assignments and orders)
//! on small days: up to 8 visits and 4 workers, from a fixed-seed generator so the figures are stable.

use crate::support;

use donghaeng_core::schedule::plan_day;
use support::*;

#[test]
fn heuristic_is_close_to_the_optimum_and_never_leaves_out_what_the_optimum_places() {
    let mut gaps = Vec::new();
    let mut worst = (0.0f64, 0u64);
    let mut rng = Rng(2026);
    let mut missed = Vec::new();
    for case in 0..500u64 {
        let spec = GenSpec {
            visits: 4 + rng.below(5) as usize,
            workers: 2 + rng.below(3) as usize,
            area_km: 0.8 + rng.f() * 2.0,
        };
        let seed = rng.next_u64();
        let input = generate(seed, &spec);
        let plan = plan_day(&input).unwrap();
        let heuristic = check_plan(&input, &plan).unwrap();
        check_reasons(&input, &plan).unwrap();
        let (optimum, optimum_penalty) = exact_optimum(&input);
        assert!(
            heuristic >= optimum,
            "case {case}: heuristic {heuristic} below the 'optimum' {optimum}: one of the two models is wrong"
        );
        if plan.cost.unplanned_s != optimum_penalty {
            missed.push((case, seed, plan.cost.unplanned_s - optimum_penalty));
            continue;
        }
        let routes = (optimum - optimum_penalty).max(1) as f64;
        let gap = (heuristic - optimum) as f64 / routes;
        if gap > worst.0 {
            worst = (gap, case);
        }
        gaps.push(gap);
    }
    let avg = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let at_optimum = gaps.iter().filter(|g| **g == 0.0).count();
    eprintln!(
        "exact comparison over {} days: average gap {:.2}%, worst {:.2}% (case {}), {} at the optimum",
        gaps.len(),
        avg * 100.0,
        worst.0 * 100.0,
        worst.1,
        at_optimum
    );
    assert!(
        missed.is_empty(),
        "the planner left out visits the exact solver places: {missed:?}"
    );
    assert!(avg <= 0.05, "average gap {:.2}% above 5%", avg * 100.0);
}
