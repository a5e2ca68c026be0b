//! Re-plan after a worker drops out mid-day (병가, 긴급 복귀 …).
//!
//! Visits already started or done stay exactly as they were, and so does the next visit of a team that
//! has already set off for it (left before `now`, starts at or after it). Every other team keeps its
//! remaining route
//! (it may receive extra stops, inserted without reordering what it had). The team that lost the worker
//! keeps its remaining route if it still meets every rule without them; otherwise those visits are
//! re-assigned: to the teams still out, or to new teams formed from the free people (the partner left
//! alone, workers with nothing left to do, workers not in the previous plan). Visits previously left out
//! are tried again too. The result says how many assignments changed and which.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ctx::{instant, secs, Ctx, BALANCE_WEIGHT_S};
use super::explain;
use super::formation;
use super::input::PlanInput;
use super::output::{Plan, PlanCost, PlannedStop, TeamPlan};
use super::route::Team;
use super::routing::{self, Solution};
use super::travel::TravelTime;
use crate::model::Id;
use crate::{CoreError, CoreResult};

/// What happened and what is known now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplanInput {
    /// The day's input (the dropped worker may still be listed; they are taken out).
    pub input: PlanInput,
    /// The plan being followed.
    pub previous: Plan,
    pub dropped_worker: Id,
    /// The moment of re-planning: nothing new starts before it.
    pub now: DateTime<Utc>,
    /// Visits already started or done: kept as they are.
    #[serde(default)]
    pub started_or_done: Vec<Id>,
}

/// A visit whose people changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentChange {
    pub visit_id: Id,
    /// Workers before (without the one who dropped out).
    pub before: Vec<Id>,
    /// Workers now; `None` if the visit is now left out.
    pub after: Option<Vec<Id>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplanResult {
    /// Kept stops first in each team, with their original times; then the new remainder.
    pub plan: Plan,
    /// Visits planned before whose workers (not counting the dropped one) changed, or that are now left out.
    pub changed_assignments: u32,
    pub changes: Vec<AssignmentChange>,
}

/// Re-plans with the input's own travel model.
pub fn replan_after_dropout(r: &ReplanInput) -> CoreResult<ReplanResult> {
    replan_with(r, &r.input.travel)
}

/// One team of the previous plan, mapped to indices.
struct OldTeam {
    members: Vec<usize>,
    kept: Vec<PlannedStop>,
    remaining: Vec<usize>,
    had_dropped: bool,
    /// Where the team stands after its kept stops, and from when it is free.
    pos: Option<usize>,
    free_at: i64,
    done: usize,
}

/// Re-plans with any travel model.
pub fn replan_with(r: &ReplanInput, travel: &dyn TravelTime) -> CoreResult<ReplanResult> {
    let now = secs(r.now);
    let mut input = r.input.clone();
    let before_len = input.workers.len();
    input.workers.retain(|w| w.id != r.dropped_worker);
    if input.workers.len() == before_len {
        return Err(CoreError::not_found("worker", r.dropped_worker));
    }
    // Nobody starts anything new before `now`.
    for w in &mut input.workers {
        if w.hours.start < r.now {
            w.hours.start = r.now.min(w.hours.end);
        }
    }
    let ctx = Ctx::build(&input, travel)?;
    let started: BTreeSet<Id> = r.started_or_done.iter().copied().collect();

    // Map the previous plan.
    let mut olds: Vec<OldTeam> = Vec::new();
    let mut seen_workers = BTreeSet::new();
    let mut seen_visits = BTreeSet::new();
    let mut committed: BTreeSet<Id> = BTreeSet::new();
    for (ti, t) in r.previous.teams.iter().enumerate() {
        let mut members = Vec::new();
        let mut had_dropped = false;
        for id in &t.workers {
            if !seen_workers.insert(*id) {
                return Err(CoreError::invalid(
                    "previous_plan_double_booked",
                    &format!("previous.teams[{ti}].workers"),
                    format!("이전 계획에서 직원이 두 팀에 있습니다: {id}"),
                    format!("a worker is in two teams of the previous plan: {id}"),
                ));
            }
            if *id == r.dropped_worker {
                had_dropped = true;
            } else {
                members.push(
                    ctx.worker_index(*id)
                        .ok_or_else(|| CoreError::not_found("worker", id))?,
                );
            }
        }
        let mut kept = Vec::new();
        let mut remaining = Vec::new();
        let mut pos = None;
        let mut free_at = now;
        for s in &t.stops {
            if !seen_visits.insert(s.visit_id) {
                return Err(CoreError::invalid(
                    "previous_plan_visit_twice",
                    &format!("previous.teams[{ti}].stops"),
                    format!("이전 계획에 같은 방문이 두 번 있습니다: {}", s.visit_id),
                    format!("a visit appears twice in the previous plan: {}", s.visit_id),
                ));
            }
            let v = ctx
                .visit_index(s.visit_id)
                .ok_or_else(|| CoreError::not_found("visit", s.visit_id))?;
            // A team still out that has already set off for its next visit (left before now, starts at
            // or after now) goes on: that visit is committed with its planned times, like a started one.
            let en_route = !had_dropped
                && remaining.is_empty()
                && secs(s.arrive) - s.travel_s < now
                && secs(s.start) >= now;
            if en_route {
                committed.insert(s.visit_id);
            }
            if started.contains(&s.visit_id) || en_route {
                kept.push(s.clone());
                if let Some(l) = ctx.visits[v].loc {
                    pos = Some(l);
                }
                free_at = free_at.max(secs(s.end));
            } else {
                remaining.push(v);
            }
        }
        let done = kept.len();
        olds.push(OldTeam {
            members,
            kept,
            remaining,
            had_dropped,
            pos,
            free_at,
            done,
        });
    }

    // Teams that carry on as they were, and people who are free.
    let mut teams: Vec<Team> = Vec::new();
    let mut routes: Vec<Vec<usize>> = Vec::new();
    let mut kept_of: Vec<Vec<PlannedStop>> = Vec::new();
    let mut history: Vec<(Vec<Id>, Vec<PlannedStop>)> = Vec::new();
    let mut free: Vec<(usize, usize, i64, usize)> = Vec::new(); // (worker, position, free from, visits done)
    let mut in_plan = BTreeSet::new();
    for (ti, o) in olds.iter().enumerate() {
        in_plan.extend(o.members.iter().copied());
        let state_team = |members: Vec<usize>| -> Team {
            let starts = members
                .iter()
                .map(|m| o.pos.unwrap_or(ctx.workers[*m].start))
                .collect();
            let avail = members
                .iter()
                .map(|m| ctx.workers[*m].hs)
                .max()
                .unwrap_or(now)
                .max(o.free_at);
            let max_stops = members
                .iter()
                .map(|m| ctx.workers[*m].max_visits)
                .min()
                .unwrap_or(0)
                .saturating_sub(o.done);
            Team::with_state(&ctx, members, starts, avail, o.pos, max_stops)
        };
        if o.had_dropped && !o.kept.is_empty() {
            // The visits made together stay on record under the original team.
            history.push((r.previous.teams[ti].workers.clone(), o.kept.clone()));
        }
        if o.members.is_empty() {
            // Its remaining visits are not on any route: they are placed again below.
            continue;
        }
        let team = state_team(o.members.clone());
        let keeps_route =
            !o.remaining.is_empty() && team.simulate(&ctx, &o.remaining, None).is_some();
        if !o.had_dropped || keeps_route {
            // A route that no longer fits from `now` (a stop whose time passed without being started)
            // sheds the stops that break; they are re-planned like the broken team's.
            let route = repair(&ctx, &team, &o.remaining);
            teams.push(team);
            routes.push(route);
            kept_of.push(if o.had_dropped {
                Vec::new()
            } else {
                o.kept.clone()
            });
        } else {
            for m in &o.members {
                free.push((
                    *m,
                    o.pos.unwrap_or(ctx.workers[*m].start),
                    o.free_at,
                    o.done,
                ));
            }
        }
    }
    // Workers of intact teams with nothing left are free too; so are workers not in the previous plan.
    let mut i = 0;
    while i < teams.len() {
        if routes[i].is_empty() && kept_of[i].is_empty() {
            for (k, m) in teams[i].members.iter().enumerate() {
                free.push((*m, teams[i].starts[k], teams[i].avail, 0));
            }
            teams.remove(i);
            routes.remove(i);
            kept_of.remove(i);
        } else {
            i += 1;
        }
    }
    for (m, w) in ctx.workers.iter().enumerate() {
        if !in_plan.contains(&m) {
            free.push((m, w.start, now.max(w.hs), 0));
        }
    }
    free.sort_unstable();
    // Everything not kept and not on a route is to be placed: the broken team's visits, visits left out
    // before, and visits new in the input. Started or done visits are never planned again.
    let mut placed: BTreeSet<usize> = routes.iter().flatten().copied().collect();
    placed.extend(started.iter().filter_map(|id| ctx.visit_index(*id)));
    placed.extend(committed.iter().filter_map(|id| ctx.visit_index(*id)));
    let pending: Vec<usize> = (0..ctx.visits.len())
        .filter(|v| !placed.contains(v) && !ctx.visits[*v].missing_location)
        .collect();
    let missing: Vec<usize> = (0..ctx.visits.len())
        .filter(|v| !placed.contains(v) && ctx.visits[*v].missing_location)
        .collect();

    // Form teams from the free people: every partition when few, else greedy pairs; keep the cheapest.
    let base_costs: Vec<i64> = teams
        .iter()
        .zip(&routes)
        .map(|(t, r)| t.cost(&ctx, r).unwrap_or(0))
        .collect();
    let free_team = |group: &[usize]| -> Team {
        let members: Vec<usize> = group.iter().map(|g| free[*g].0).collect();
        let starts: Vec<usize> = group.iter().map(|g| free[*g].1).collect();
        let avail = group.iter().map(|g| free[*g].2).max().unwrap_or(now);
        let max_stops = group
            .iter()
            .map(|g| {
                ctx.workers[free[*g].0]
                    .max_visits
                    .saturating_sub(free[*g].3)
            })
            .min()
            .unwrap_or(0);
        Team::with_state(&ctx, members, starts, avail, None, max_stops)
    };
    let formations: Vec<formation::Formation> = if free.len() <= 5 {
        formation::all_partitions(free.len(), usize::from(ctx.rules.max_team_size))
    } else {
        // Pair the free people in order; local choices only, the day is already under way.
        vec![(0..free.len())
            .collect::<Vec<_>>()
            .chunks(2)
            .map(<[usize]>::to_vec)
            .collect()]
    };
    let mut best: Option<(i64, Vec<Team>, Solution)> = None;
    for f in formations {
        let mut all = teams.clone();
        all.extend(f.iter().map(|g| free_team(g)));
        let mut sol = Solution::empty(&all);
        for (k, r) in routes.iter().enumerate() {
            sol.routes[k] = r.clone();
            sol.costs[k] = base_costs[k];
        }
        routing::insert_all(&ctx, &all, &mut sol, &pending);
        let cost = sol.total(&ctx);
        if best.as_ref().is_none_or(|(c, _, _)| cost < *c) {
            best = Some((cost, all, sol));
        }
    }
    let Some((_, all, mut sol)) = best else {
        return Err(CoreError::conflict(
            "replan_failed",
            "다시 계획할 수 없습니다",
            "could not re-plan",
        ));
    };
    sol.unplanned.extend(missing);
    sol.unplanned.sort_unstable();
    sol.unplanned.dedup();

    // Render: history teams, then every team's kept stops followed by its new route.
    let mut cost = PlanCost::default();
    let mut out_teams: Vec<TeamPlan> = history
        .into_iter()
        .map(|(workers, stops)| TeamPlan {
            workers,
            stops,
            travel_s: 0,
        })
        .collect();
    let mut after: std::collections::BTreeMap<Id, Vec<Id>> = std::collections::BTreeMap::new();
    for (k, team) in all.iter().enumerate() {
        let seq = &sol.routes[k];
        let kept = kept_of.get(k).cloned().unwrap_or_default();
        if seq.is_empty() && kept.is_empty() {
            continue;
        }
        let mut times = Vec::new();
        let travel = team.simulate(&ctx, seq, Some(&mut times)).unwrap_or(0);
        cost.travel_s += travel;
        cost.continuity_s += seq.iter().map(|v| team.cont[*v]).sum::<i64>();
        let n = seq.len() as i64;
        cost.balance_s += BALANCE_WEIGHT_S * n * n;
        let workers: Vec<Id> = team.members.iter().map(|m| ctx.workers[*m].id).collect();
        let mut stops = kept;
        for (v, (arrive, start, end, leg)) in seq.iter().zip(times) {
            after.insert(ctx.visits[*v].id, workers.clone());
            stops.push(PlannedStop {
                visit_id: ctx.visits[*v].id,
                arrive: instant(arrive),
                start: instant(start),
                end: instant(end),
                travel_s: leg,
            });
        }
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
        .map(|v| explain::reason(&ctx, &all, &sol.routes, *v))
        .collect();

    // Count changes against the previous plan.
    let mut changes = Vec::new();
    for t in &r.previous.teams {
        let before: Vec<Id> = t
            .workers
            .iter()
            .copied()
            .filter(|w| *w != r.dropped_worker)
            .collect();
        let mut before_sorted = before.clone();
        before_sorted.sort_unstable();
        for s in &t.stops {
            if started.contains(&s.visit_id) || committed.contains(&s.visit_id) {
                continue;
            }
            let now_with = after.get(&s.visit_id).map(|w| {
                let mut w = w.clone();
                w.sort_unstable();
                w
            });
            if now_with.as_ref() != Some(&before_sorted) {
                changes.push(AssignmentChange {
                    visit_id: s.visit_id,
                    before: before.clone(),
                    after: now_with,
                });
            }
        }
    }
    Ok(ReplanResult {
        plan: Plan {
            teams: out_teams,
            unplanned,
            cost,
        },
        changed_assignments: changes.len() as u32,
        changes,
    })
}

/// Drops from `route` every stop that breaks when simulated from the team's current state (and, if the way
/// back is too late, stops from the end) so that the rest stays feasible. The dropped stops are then on
/// no route and get placed again with the others.
fn repair(ctx: &Ctx, team: &Team, route: &[usize]) -> Vec<usize> {
    let mut kept: Vec<usize> = Vec::with_capacity(route.len());
    for &v in route {
        kept.push(v);
        // Prefix check: the way back is checked once at the end.
        if team.simulate_prefix(ctx, &kept).is_none() {
            kept.pop();
        }
    }
    while !kept.is_empty() && team.simulate(ctx, &kept, None).is_none() {
        kept.pop();
    }
    kept
}
