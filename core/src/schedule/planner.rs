//! The day planner: form teams, route them, explain what is left out.
//!
//! Hard rules (never broken by a plan): every home visit has at least two people, at least one of them
//! staff (or, where the district allows it, two volunteers on a volunteer's own regular wellness visit);
//! every required role clause is met by a different member; nobody is in two teams; each visit lies inside
//! its window; everyone is back at their end place within their hours; nobody exceeds their visit limit.
//! Soft goals, as one cost in seconds: person-seconds of travel, a continuity penalty when none of last
//! time's workers goes, a load-balance term, and a large penalty per visit left out, ranked by crisis
//! level first (a visit is never dropped to place lower levels only), then urgency, then travel.

use std::collections::BTreeMap;

use super::ctx::{instant, Ctx};
use super::explain;
use super::formation::{self, Formation};
use super::input::PlanInput;
use super::output::{Plan, PlanCost, PlannedStop, TeamPlan};
use super::route::Team;
use super::routing::{self, Solution};
use super::travel::TravelTime;
use crate::model::Id;
use crate::CoreResult;

/// Up to this many workers, every team formation is tried (Bell(5) = 52 formations).
const EXHAUSTIVE_WORKERS: usize = 5;
/// Formations evaluated by the formation search on a 동-sized day (60 visits × 12 workers); larger
/// inputs get proportionally fewer (at least 10). Fixed by the input's size, never by the clock, so the
/// result does not depend on the machine's speed.
const FORMATION_EVALS: usize = 200;
/// Days above this many visits get fewer local-search passes (exchange grows with the square).
const LARGE_DAY_VISITS: usize = 150;

fn formation_budget(ctx: &Ctx) -> usize {
    let size = (ctx.visits.len() * ctx.workers.len()).max(1);
    (FORMATION_EVALS * 720 / size).clamp(10, FORMATION_EVALS)
}
/// Local-search passes per formation on small days, and at the end.
const LIGHT_PASSES: usize = 4;
const FINAL_PASSES: usize = 30;

/// Plans one 동's day with the input's own travel model.
pub fn plan_day(input: &PlanInput) -> CoreResult<Plan> {
    plan_day_with(input, &input.travel)
}

/// Plans one 동's day with any travel-time model (e.g. a road-distance matrix).
pub fn plan_day_with(input: &PlanInput, travel: &dyn TravelTime) -> CoreResult<Plan> {
    let ctx = Ctx::build(input, travel)?;
    let (teams, sol) = solve(&ctx);
    Ok(render(&ctx, &teams, &sol))
}

/// Plans every 동 of a district, one after the other (동 teams do not cross 동 lines).
pub fn plan_district(days: &[PlanInput]) -> CoreResult<Vec<Plan>> {
    days.iter().map(plan_day).collect()
}

/// Teams for a formation; each distinct team is built once (its make-up check runs over every visit).
fn teams_of(ctx: &Ctx, f: &Formation, cache: &mut BTreeMap<Vec<usize>, Team>) -> Vec<Team> {
    f.iter()
        .map(|members| {
            cache
                .entry(members.clone())
                .or_insert_with(|| Team::new(ctx, members.clone()))
                .clone()
        })
        .collect()
}

fn route(ctx: &Ctx, teams: &[Team], visits: &[usize], passes: usize) -> Solution {
    let mut sol = Solution::empty(teams);
    routing::insert_all(ctx, teams, &mut sol, visits);
    if passes > 0 {
        routing::improve(ctx, teams, &mut sol, passes, true);
    }
    sol
}

pub(crate) fn solve(ctx: &Ctx) -> (Vec<Team>, Solution) {
    let visits: Vec<usize> = (0..ctx.visits.len())
        .filter(|v| !ctx.visits[*v].missing_location)
        .collect();
    let max = usize::from(ctx.rules.max_team_size);
    let small = ctx.workers.len() <= EXHAUSTIVE_WORKERS;
    let mut best: Option<(i64, Formation, Vec<Team>, Solution)> = None;
    let mut cache = BTreeMap::new();
    let mut consider =
        |f: Formation, passes: usize, best: &mut Option<(i64, Formation, Vec<Team>, Solution)>| {
            let teams = teams_of(ctx, &f, &mut cache);
            let sol = route(ctx, &teams, &visits, passes);
            let cost = sol.total(ctx);
            let better = match best {
                None => true,
                Some((c, bf, _, _)) => cost < *c || (cost == *c && f < *bf),
            };
            if better {
                *best = Some((cost, f, teams, sol));
                true
            } else {
                false
            }
        };
    if small {
        for f in formation::all_partitions(ctx.workers.len(), max) {
            consider(formation::normalise(f), LIGHT_PASSES, &mut best);
        }
    } else {
        consider(formation::greedy(ctx), 0, &mut best);
        // First improvement, scanning the neighbourhood cyclically: after a move, carry on from the same
        // place in the new neighbourhood instead of re-trying the moves just rejected.
        let budget = formation_budget(ctx);
        let mut evals = 0;
        let mut at = 0;
        'search: while let Some((_, cur, _, _)) = &best {
            let neighbours = formation::neighbours(cur, max);
            let len = neighbours.len();
            let mut improved = false;
            for k in 0..len {
                if evals >= budget {
                    break 'search;
                }
                evals += 1;
                let idx = (at + k) % len;
                if consider(neighbours[idx].clone(), 0, &mut best) {
                    at = idx;
                    improved = true;
                    break;
                }
            }
            if !improved {
                break;
            }
        }
    }
    let Some((_, _, teams, mut sol)) = best else {
        return (Vec::new(), Solution::empty(&[]));
    };
    let passes = if ctx.visits.len() <= LARGE_DAY_VISITS {
        FINAL_PASSES
    } else {
        LIGHT_PASSES
    };
    routing::improve(ctx, &teams, &mut sol, passes, true);
    for (v, vc) in ctx.visits.iter().enumerate() {
        if vc.missing_location {
            sol.unplanned.push(v);
        }
    }
    sol.unplanned.sort_unstable();
    (teams, sol)
}

/// Turns teams and routes into the public plan, with timings, reasons and cost.
pub(crate) fn render(ctx: &Ctx, teams: &[Team], sol: &Solution) -> Plan {
    let mut out_teams = Vec::with_capacity(teams.len());
    let mut cost = PlanCost::default();
    for (t, team) in teams.iter().enumerate() {
        let seq = &sol.routes[t];
        let mut times = Vec::with_capacity(seq.len());
        let travel = team.simulate(ctx, seq, Some(&mut times)).unwrap_or(0);
        let n = seq.len() as i64;
        cost.travel_s += travel;
        cost.continuity_s += seq.iter().map(|v| team.cont[*v]).sum::<i64>();
        cost.balance_s += super::ctx::BALANCE_WEIGHT_S * n * n;
        let stops = seq
            .iter()
            .zip(times)
            .map(|(v, (arrive, start, end, leg))| PlannedStop {
                visit_id: ctx.visits[*v].id,
                arrive: instant(arrive),
                start: instant(start),
                end: instant(end),
                travel_s: leg,
            })
            .collect();
        let workers: Vec<Id> = team.members.iter().map(|m| ctx.workers[*m].id).collect();
        out_teams.push(TeamPlan {
            workers,
            stops,
            travel_s: travel,
        });
    }
    cost.unplanned_s = sol.unplanned.iter().map(|v| ctx.visits[*v].penalty).sum();
    cost.total = cost.travel_s + cost.continuity_s + cost.balance_s + cost.unplanned_s;
    let unplanned = sol
        .unplanned
        .iter()
        .map(|v| explain::reason(ctx, teams, &sol.routes, *v))
        .collect();
    Plan {
        teams: out_teams,
        unplanned,
        cost,
    }
}
