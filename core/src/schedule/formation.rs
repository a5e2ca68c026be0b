//! Team formation: who goes with whom today.
//!
//! Small days (≤ 5 workers) try every partition of the workers into teams. Larger days start from a greedy
//! pairing that covers the most urgent unmet demand first, then improve it by swapping and moving members
//! (evaluated by re-routing) within a fixed budget.

use super::ctx::Ctx;

pub(crate) type Formation = Vec<Vec<usize>>;

/// Sort members within teams and teams by their first member, so that equal formations compare equal.
pub(crate) fn normalise(mut f: Formation) -> Formation {
    f.retain(|t| !t.is_empty());
    for t in &mut f {
        t.sort_unstable();
    }
    f.sort();
    f
}

/// Every partition of `0..n` into blocks of at most `max` members.
pub(crate) fn all_partitions(n: usize, max: usize) -> Vec<Formation> {
    let mut out = Vec::new();
    let mut cur: Formation = Vec::new();
    partitions_rec(0, n, max, &mut cur, &mut out);
    out
}

fn partitions_rec(i: usize, n: usize, max: usize, cur: &mut Formation, out: &mut Vec<Formation>) {
    if i == n {
        out.push(cur.clone());
        return;
    }
    for b in 0..cur.len() {
        if cur[b].len() < max {
            cur[b].push(i);
            partitions_rec(i + 1, n, max, cur, out);
            cur[b].pop();
        }
    }
    cur.push(vec![i]);
    partitions_rec(i + 1, n, max, cur, out);
    cur.pop();
}

/// Whether a team of `members` could fit visit `v` in its common hours, ignoring travel.
fn hours_allow(ctx: &Ctx, members: &[usize], v: usize) -> bool {
    let vc = &ctx.visits[v];
    let hs = members
        .iter()
        .map(|m| ctx.workers[*m].hs)
        .max()
        .unwrap_or(0);
    let he = members
        .iter()
        .map(|m| ctx.workers[*m].he)
        .min()
        .unwrap_or(0);
    vc.ws.max(hs) + vc.dur <= vc.we.min(he)
}

/// Greedy formation: repeatedly take the pair (or, where a visit needs it, the trio) of free workers that
/// covers the most remaining urgent demand, then lower the demand it can absorb (its capacity); workers left
/// over stay alone (they can still make phone calls).
pub(crate) fn greedy(ctx: &Ctx) -> Formation {
    let nw = ctx.workers.len();
    let nv = ctx.visits.len();
    let max = usize::from(ctx.rules.max_team_size);
    let mut residual: Vec<f64> = ctx.visits.iter().map(|v| v.penalty as f64).collect();
    let mut free = vec![true; nw];
    let mut teams: Formation = Vec::new();
    // Candidate groups: all pairs, plus trios when some visit needs three roles or more.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..nw {
        for j in (i + 1)..nw {
            groups.push(vec![i, j]);
        }
    }
    let needs_trio = ctx.visits.iter().any(|v| v.clauses.len() >= 3);
    // Trios grow with the cube of the workers: on very large inputs the formation search adds third
    // members instead.
    if needs_trio && max >= 3 && nw <= 24 {
        for i in 0..nw {
            for j in (i + 1)..nw {
                for k in (j + 1)..nw {
                    groups.push(vec![i, j, k]);
                }
            }
        }
    }
    let covers: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| {
            (0..nv)
                .filter(|&v| ctx.qualifies(g, v) && hours_allow(ctx, g, v))
                .collect()
        })
        .collect();
    let avg_dur = if nv == 0 {
        3600.0
    } else {
        ctx.visits.iter().map(|v| v.dur as f64).sum::<f64>() / nv as f64
    };
    loop {
        let mut best: Option<(f64, usize)> = None;
        for (gi, g) in groups.iter().enumerate() {
            if !g.iter().all(|m| free[*m]) {
                continue;
            }
            // A trio uses a third person: count its demand per head so that pairs win when they suffice.
            let score: f64 =
                covers[gi].iter().map(|v| residual[*v]).sum::<f64>() * 2.0 / g.len() as f64;
            if score > 0.0 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, gi));
            }
        }
        let Some((_, gi)) = best else { break };
        let g = &groups[gi];
        for m in g {
            free[*m] = false;
        }
        let hs = g.iter().map(|m| ctx.workers[*m].hs).max().unwrap_or(0);
        let he = g.iter().map(|m| ctx.workers[*m].he).min().unwrap_or(0);
        let by_hours = ((he - hs).max(0) as f64) / (avg_dur + 900.0);
        let by_limit = g
            .iter()
            .map(|m| ctx.workers[*m].max_visits)
            .min()
            .unwrap_or(0) as f64;
        let cap = by_hours.min(by_limit);
        let demand = covers[gi].iter().filter(|v| residual[**v] > 0.0).count() as f64;
        let share = if demand > 0.0 {
            (cap / demand).min(1.0)
        } else {
            1.0
        };
        for v in &covers[gi] {
            residual[*v] *= 1.0 - share;
        }
        teams.push(g.clone());
    }
    for (m, f) in free.iter().enumerate() {
        if *f {
            teams.push(vec![m]);
        }
    }
    normalise(teams)
}

/// Neighbouring formations, in a fixed order: swap two members of different teams, then move one member to
/// another team (or out on their own).
pub(crate) fn neighbours(f: &Formation, max: usize) -> Vec<Formation> {
    let mut out = Vec::new();
    for a in 0..f.len() {
        for b in (a + 1)..f.len() {
            for i in 0..f[a].len() {
                for j in 0..f[b].len() {
                    let mut g = f.clone();
                    let (x, y) = (g[a][i], g[b][j]);
                    g[a][i] = y;
                    g[b][j] = x;
                    out.push(normalise(g));
                }
            }
        }
    }
    for a in 0..f.len() {
        for i in 0..f[a].len() {
            for b in 0..=f.len() {
                if b == a || (b < f.len() && f[b].len() >= max) || (b == f.len() && f[a].len() == 1)
                {
                    continue;
                }
                let mut g = f.clone();
                let x = g[a].remove(i);
                if b == g.len() {
                    g.push(vec![x]);
                } else {
                    g[b].push(x);
                }
                out.push(normalise(g));
            }
        }
    }
    out
}
