//! Routing for a fixed set of teams: regret insertion, then local search (relocate, exchange, 2-opt,
//! insert-left-out and eject-one) with a fixed pass budget. No randomness: every loop runs in index order
//! and ties go to the lower index, so the same input gives the same routes.

use super::ctx::Ctx;
use super::route::Team;

#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub routes: Vec<Vec<usize>>,
    pub costs: Vec<i64>,
    /// Visits left out, ascending.
    pub unplanned: Vec<usize>,
}

impl Solution {
    pub fn empty(teams: &[Team]) -> Solution {
        Solution {
            routes: vec![Vec::new(); teams.len()],
            costs: vec![0; teams.len()],
            unplanned: Vec::new(),
        }
    }

    pub fn total(&self, ctx: &Ctx) -> i64 {
        let routes: i64 = self.costs.iter().sum();
        let left: i64 = self.unplanned.iter().map(|v| ctx.visits[*v].penalty).sum();
        routes + left
    }
}

/// Inserts `pending` visits into `sol` (whose routes may already hold stops) by regret-2 insertion:
/// most urgent first, then the visit that would lose most if its best team filled up, then the cheapest.
/// Visits that fit nowhere go to `sol.unplanned`.
pub(crate) fn insert_all(ctx: &Ctx, teams: &[Team], sol: &mut Solution, pending: &[usize]) {
    let nt = teams.len();
    let mut pending: Vec<usize> = pending.to_vec();
    // best[i][t]: (new route cost − old route cost, position) of pending[i] in team t.
    let prepared: Vec<_> = (0..nt)
        .map(|t| teams[t].prepare(ctx, &sol.routes[t]))
        .collect();
    let mut best: Vec<Vec<Option<(i64, usize)>>> = pending
        .iter()
        .map(|&v| {
            (0..nt)
                .map(|t| {
                    let prep = prepared[t].as_ref()?;
                    teams[t]
                        .insertion_with(ctx, &sol.routes[t], prep, v)
                        .map(|(c, p)| (c - sol.costs[t], p))
                })
                .collect()
        })
        .collect();
    const ONLY_CHOICE: i64 = i64::MAX / 4;
    while !pending.is_empty() {
        let mut pick: Option<(usize, (i64, i64, i64))> = None;
        let mut i = 0;
        while i < pending.len() {
            let mut first: Option<(i64, usize)> = None;
            let mut second: Option<i64> = None;
            for (t, b) in best[i].iter().enumerate() {
                if let Some((d, _)) = b {
                    match first {
                        Some((fd, _)) if *d >= fd => {
                            if second.is_none_or(|s| *d < s) {
                                second = Some(*d);
                            }
                        }
                        _ => {
                            if let Some((fd, _)) = first {
                                second = Some(fd);
                            }
                            first = Some((*d, t));
                        }
                    }
                }
            }
            let Some((fd, _)) = first else {
                // Fits nowhere now, and routes only fill up: it will never fit in this pass.
                sol.unplanned.push(pending.swap_remove(i));
                best.swap_remove(i);
                continue;
            };
            let regret = second.map_or(ONLY_CHOICE, |s| s - fd);
            let key = (ctx.visits[pending[i]].penalty, regret, -fd);
            let better = match pick {
                None => true,
                Some((j, k)) => key > k || (key == k && pending[i] < pending[j]),
            };
            if better {
                pick = Some((i, key));
            }
            i += 1;
        }
        let Some((i, _)) = pick else { break };
        let v = pending[i];
        let mut choice: Option<(i64, usize, usize)> = None;
        for (t, b) in best[i].iter().enumerate() {
            if let Some((d, p)) = b {
                if choice.is_none_or(|(cd, _, _)| *d < cd) {
                    choice = Some((*d, t, *p));
                }
            }
        }
        pending.swap_remove(i);
        best.swap_remove(i);
        let Some((d, t, p)) = choice else { continue };
        sol.routes[t].insert(p, v);
        sol.costs[t] += d;
        let prep = teams[t].prepare(ctx, &sol.routes[t]);
        for (k, &u) in pending.iter().enumerate() {
            best[k][t] = prep.as_ref().and_then(|prep| {
                teams[t]
                    .insertion_with(ctx, &sol.routes[t], prep, u)
                    .map(|(c, pos)| (c - sol.costs[t], pos))
            });
        }
    }
    sol.unplanned.sort_unstable();
}

/// Local search with at most `max_passes` passes over every neighbourhood. Only strictly improving moves
/// are taken, so it ends.
pub(crate) fn improve(
    ctx: &Ctx,
    teams: &[Team],
    sol: &mut Solution,
    max_passes: usize,
    eject: bool,
) {
    for _ in 0..max_passes {
        let mut improved = false;
        improved |= insert_left_out(ctx, teams, sol);
        improved |= relocate(ctx, teams, sol);
        improved |= exchange(ctx, teams, sol);
        improved |= two_opt(ctx, teams, sol);
        if eject {
            improved |= eject_one(ctx, teams, sol);
            improved |= eject_refill(ctx, teams, sol);
        }
        if !improved {
            break;
        }
    }
    // Whatever fits is placed: an unplanned visit must have no feasible insertion left (its reason says so).
    insert_left_out(ctx, teams, sol);
}

/// Small days only (at most 12 visits in all, 7 stops in the route): re-ordering a whole route is
/// affordable there and finds orders that single insertions miss.
fn exhaustive_orders(ctx: &Ctx, route_len: usize) -> bool {
    ctx.visits.len() <= 12 && route_len <= 7
}

/// Tries every left-out visit, most urgent first: the cheapest single insertion, or on small days the best
/// re-ordering of a route with the visit in it.
fn insert_left_out(ctx: &Ctx, teams: &[Team], sol: &mut Solution) -> bool {
    let mut order = sol.unplanned.clone();
    order.sort_by_key(|v| (std::cmp::Reverse(ctx.visits[*v].penalty), *v));
    let mut any = false;
    for v in order {
        if place(ctx, teams, sol, v) {
            sol.unplanned.retain(|u| *u != v);
            any = true;
        }
    }
    any
}

/// Puts `v` on the route where it costs least; `false` if it fits nowhere.
fn place(ctx: &Ctx, teams: &[Team], sol: &mut Solution, v: usize) -> bool {
    let mut best: Option<(i64, usize, usize)> = None;
    for (t, team) in teams.iter().enumerate() {
        if let Some((c, p)) = team.best_insertion(ctx, &sol.routes[t], v) {
            let d = c - sol.costs[t];
            if best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, t, p));
            }
        }
    }
    if let Some((d, t, p)) = best {
        sol.routes[t].insert(p, v);
        sol.costs[t] += d;
        return true;
    }
    // No single insertion works: on small days, try re-ordering each route with the visit in it.
    let mut reordered: Option<(i64, usize, Vec<usize>)> = None;
    for (t, team) in teams.iter().enumerate() {
        if !team.qual[v] || !exhaustive_orders(ctx, sol.routes[t].len() + 1) {
            continue;
        }
        let mut set = sol.routes[t].clone();
        set.push(v);
        if let Some((c, order)) = team.best_order(ctx, &set) {
            let d = c - sol.costs[t];
            if reordered.as_ref().is_none_or(|(bd, _, _)| d < *bd) {
                reordered = Some((d, t, order));
            }
        }
    }
    match reordered {
        Some((d, t, order)) => {
            sol.routes[t] = order;
            sol.costs[t] += d;
            true
        }
        None => false,
    }
}

/// Take one planned visit out, refill with the left-out visits (most urgent first), then put the removed
/// one back anywhere it fits; keep the result if the total cost falls. Catches "one long visit out, two
/// short ones in", which single moves cannot reach.
fn eject_refill(ctx: &Ctx, teams: &[Team], sol: &mut Solution) -> bool {
    if sol.unplanned.is_empty() {
        return false;
    }
    let mut any = false;
    let mut a = 0;
    while a < teams.len() {
        let mut i = 0;
        let mut moved = false;
        while i < sol.routes[a].len() {
            let mut trial = sol.clone();
            let v = trial.routes[a].remove(i);
            let Some(c) = teams[a].cost(ctx, &trial.routes[a]) else {
                i += 1;
                continue;
            };
            trial.costs[a] = c;
            if !insert_left_out(ctx, teams, &mut trial) {
                i += 1;
                continue;
            }
            if !place(ctx, teams, &mut trial, v) {
                trial.unplanned.push(v);
                trial.unplanned.sort_unstable();
            }
            if trial.total(ctx) < sol.total(ctx) {
                *sol = trial;
                any = true;
                moved = true;
                break;
            }
            i += 1;
        }
        if !moved {
            a += 1;
        }
    }
    any
}

fn relocate(ctx: &Ctx, teams: &[Team], sol: &mut Solution) -> bool {
    let mut any = false;
    for a in 0..teams.len() {
        let mut i = 0;
        while i < sol.routes[a].len() {
            let v = sol.routes[a][i];
            let mut without = sol.routes[a].clone();
            without.remove(i);
            let Some(cost_without) = teams[a].cost(ctx, &without) else {
                i += 1;
                continue;
            };
            let mut best: Option<(i64, usize, usize)> = None;
            for (b, team) in teams.iter().enumerate() {
                let base: &[usize] = if b == a { &without } else { &sol.routes[b] };
                let old_b = if b == a { cost_without } else { sol.costs[b] };
                if let Some((c, p)) = team.best_insertion(ctx, base, v) {
                    let gain = sol.costs[a] - cost_without + old_b - c;
                    let gain = if b == a { sol.costs[a] - c } else { gain };
                    if gain > 0 && best.is_none_or(|(g, _, _)| gain > g) {
                        best = Some((gain, b, p));
                    }
                }
            }
            if let Some((_, b, p)) = best {
                if b == a {
                    without.insert(p, v);
                    sol.costs[a] = teams[a].cost(ctx, &without).unwrap_or(sol.costs[a]);
                    sol.routes[a] = without;
                } else {
                    sol.routes[b].insert(p, v);
                    sol.costs[b] = teams[b].cost(ctx, &sol.routes[b]).unwrap_or(sol.costs[b]);
                    sol.routes[a] = without;
                    sol.costs[a] = cost_without;
                }
                any = true;
            } else {
                i += 1;
            }
        }
    }
    any
}

fn exchange(ctx: &Ctx, teams: &[Team], sol: &mut Solution) -> bool {
    let mut any = false;
    for a in 0..teams.len() {
        for b in (a + 1)..teams.len() {
            for i in 0..sol.routes[a].len() {
                for j in 0..sol.routes[b].len() {
                    let (u, v) = (sol.routes[a][i], sol.routes[b][j]);
                    if !teams[a].qual[v] || !teams[b].qual[u] {
                        continue;
                    }
                    let mut ra = sol.routes[a].clone();
                    let mut rb = sol.routes[b].clone();
                    ra[i] = v;
                    rb[j] = u;
                    if let (Some(ca), Some(cb)) = (teams[a].cost(ctx, &ra), teams[b].cost(ctx, &rb))
                    {
                        if ca + cb < sol.costs[a] + sol.costs[b] {
                            sol.routes[a] = ra;
                            sol.routes[b] = rb;
                            sol.costs[a] = ca;
                            sol.costs[b] = cb;
                            any = true;
                        }
                    }
                }
            }
        }
    }
    any
}

fn two_opt(ctx: &Ctx, teams: &[Team], sol: &mut Solution) -> bool {
    let mut any = false;
    for (t, team) in teams.iter().enumerate() {
        let n = sol.routes[t].len();
        for i in 0..n {
            for j in (i + 2)..=n {
                let mut r = sol.routes[t].clone();
                r[i..j].reverse();
                if let Some(c) = team.cost(ctx, &r) {
                    if c < sol.costs[t] {
                        sol.routes[t] = r;
                        sol.costs[t] = c;
                        any = true;
                    }
                }
            }
        }
    }
    any
}

/// For a visit left out: take one planned visit out, put the left-out one in, and re-insert the removed
/// one anywhere; keep it if the total cost falls (fewer or cheaper visits left out).
fn eject_one(ctx: &Ctx, teams: &[Team], sol: &mut Solution) -> bool {
    let mut any = false;
    let mut k = 0;
    while k < sol.unplanned.len() {
        let u = sol.unplanned[k];
        let mut done = false;
        'teams: for a in 0..teams.len() {
            if !teams[a].qual[u] {
                continue;
            }
            for i in 0..sol.routes[a].len() {
                let v = sol.routes[a][i];
                let mut ra = sol.routes[a].clone();
                ra.remove(i);
                let ca_slot: i64;
                match teams[a].best_insertion(ctx, &ra, u) {
                    Some((c, p)) => {
                        ra.insert(p, u);
                        ca_slot = c;
                    }
                    None if exhaustive_orders(ctx, ra.len() + 1) => {
                        ra.push(u);
                        let Some((c, order)) = teams[a].best_order(ctx, &ra) else {
                            continue;
                        };
                        ra = order;
                        ca_slot = c;
                    }
                    None => continue,
                }
                let ca = ca_slot;
                // Re-insert v anywhere (its old team now holds ra).
                let mut best: Option<(i64, usize, usize)> = None;
                for (b, team) in teams.iter().enumerate() {
                    let (base, old): (&[usize], i64) = if b == a {
                        (&ra, ca)
                    } else {
                        (&sol.routes[b], sol.costs[b])
                    };
                    if let Some((c, p)) = team.best_insertion(ctx, base, v) {
                        if best.is_none_or(|(d, _, _)| c - old < d) {
                            best = Some((c - old, b, p));
                        }
                    }
                }
                let before = sol.costs[a] + ctx.visits[u].penalty;
                match best {
                    Some((d, b, p)) if ca + d < before => {
                        sol.routes[a] = ra;
                        sol.costs[a] = ca;
                        sol.routes[b].insert(p, v);
                        sol.costs[b] += d;
                        sol.unplanned.remove(k);
                        done = true;
                        break 'teams;
                    }
                    None if ca + ctx.visits[v].penalty < before => {
                        sol.routes[a] = ra;
                        sol.costs[a] = ca;
                        sol.unplanned.remove(k);
                        sol.unplanned.push(v);
                        sol.unplanned.sort_unstable();
                        done = true;
                        break 'teams;
                    }
                    _ => {}
                }
            }
        }
        if done {
            any = true;
        } else {
            k += 1;
        }
    }
    any
}
