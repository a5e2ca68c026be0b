//! A team and the timing of its route: the one place where "does this order work, and what does it cost"
//! is decided, so that planning, re-planning and explanations agree.
//!
//! Timing model: the team can begin at `avail` (the latest of its members' availability). On the first leg
//! each member walks from their own position and the team meets at the first home when the slowest member
//! arrives; afterwards the team moves together. A visit starts at max(arrival, window start) and must end
//! by the window end. Phone contacts (and centre contacts without a place) take time but no travel. At the
//! end every member must be back at their own end place by the end of their hours.

use super::ctx::{Ctx, BALANCE_WEIGHT_S, CONTINUITY_PENALTY_S};

#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub members: Vec<usize>,
    /// Current position (location index) of each member.
    pub starts: Vec<usize>,
    pub ends: Vec<usize>,
    pub deadlines: Vec<i64>,
    pub avail: i64,
    /// Where the whole team stands at `avail` (re-plan: after a visit already made), if together.
    pub origin: Option<usize>,
    /// Stops still allowed (max visits minus those already made).
    pub max_stops: usize,
    /// Whether the team's make-up allows each visit.
    pub qual: Vec<bool>,
    /// Continuity penalty of each visit for this team.
    pub cont: Vec<i64>,
}

/// Timing of one stop: (arrive, start, end, leg seconds).
pub(crate) type StopTime = (i64, i64, i64, i64);

impl Team {
    /// A team for the whole day, from the members' working hours and places.
    pub fn new(ctx: &Ctx, members: Vec<usize>) -> Team {
        let starts = members.iter().map(|m| ctx.workers[*m].start).collect();
        let avail = members
            .iter()
            .map(|m| ctx.workers[*m].hs)
            .max()
            .unwrap_or(0);
        let max_stops = members
            .iter()
            .map(|m| ctx.workers[*m].max_visits)
            .min()
            .unwrap_or(0);
        Team::with_state(ctx, members, starts, avail, None, max_stops)
    }

    /// A team whose members stand at `starts` (location indices), free from `avail`.
    pub fn with_state(
        ctx: &Ctx,
        mut members: Vec<usize>,
        mut starts: Vec<usize>,
        avail: i64,
        origin: Option<usize>,
        max_stops: usize,
    ) -> Team {
        // Canonical member order (by index) keeps output and tie-breaks deterministic.
        let mut pairs: Vec<(usize, usize)> = members
            .iter()
            .copied()
            .zip(starts.iter().copied())
            .collect();
        pairs.sort_unstable();
        members = pairs.iter().map(|p| p.0).collect();
        starts = pairs.iter().map(|p| p.1).collect();
        let ends = members.iter().map(|m| ctx.workers[*m].end).collect();
        let deadlines = members.iter().map(|m| ctx.workers[*m].he).collect();
        let qual = (0..ctx.visits.len())
            .map(|v| ctx.qualifies(&members, v))
            .collect();
        let cont = ctx
            .visits
            .iter()
            .map(|v| {
                if v.last.is_empty() || v.last.iter().any(|w| members.contains(w)) {
                    0
                } else {
                    CONTINUITY_PENALTY_S
                }
            })
            .collect();
        Team {
            members,
            starts,
            ends,
            deadlines,
            avail,
            origin,
            max_stops,
            qual,
            cont,
        }
    }

    /// Simulates `seq`; `None` if any rule breaks. Returns person-seconds of travel. With `out`, records
    /// every stop's timing.
    pub fn simulate(
        &self,
        ctx: &Ctx,
        seq: &[usize],
        out: Option<&mut Vec<StopTime>>,
    ) -> Option<i64> {
        self.simulate_inner(ctx, seq, out, true)
    }

    /// As [`Team::simulate`]; without `check_return` the way back is ignored (for pruning prefixes: a
    /// prefix that breaks a window stays broken whatever follows, but the way back depends on the last stop).
    fn simulate_inner(
        &self,
        ctx: &Ctx,
        seq: &[usize],
        mut out: Option<&mut Vec<StopTime>>,
        check_return: bool,
    ) -> Option<i64> {
        if seq.len() > self.max_stops {
            return None;
        }
        let size = self.members.len() as i64;
        let mut t = self.avail;
        let mut pos = self.origin;
        let mut travel = 0i64;
        for &v in seq {
            if !*self.qual.get(v)? {
                return None;
            }
            let vc = &ctx.visits[v];
            let (arrive, leg) = match vc.loc {
                Some(l) => {
                    let leg = match pos {
                        Some(p) => {
                            let d = ctx.tt(p, l);
                            travel += d * size;
                            d
                        }
                        None => {
                            let mut slowest = 0;
                            for s in &self.starts {
                                let d = ctx.tt(*s, l);
                                travel += d;
                                slowest = slowest.max(d);
                            }
                            slowest
                        }
                    };
                    pos = Some(l);
                    (t + leg, leg)
                }
                None => (t, 0),
            };
            let start = arrive.max(vc.ws);
            let end = start + vc.dur;
            if end > vc.we {
                return None;
            }
            if let Some(o) = out.as_deref_mut() {
                o.push((arrive, start, end, leg));
            }
            t = end;
        }
        for i in 0..self.members.len() {
            let back = match pos {
                Some(p) => ctx.tt(p, self.ends[i]),
                None => 0,
            };
            if check_return && !seq.is_empty() && t + back > self.deadlines[i] {
                return None;
            }
            travel += back;
        }
        Some(travel)
    }

    /// Cost of a route: travel + continuity + balance; `None` if infeasible.
    pub fn cost(&self, ctx: &Ctx, seq: &[usize]) -> Option<i64> {
        let travel = self.simulate(ctx, seq, None)?;
        let cont: i64 = seq.iter().map(|v| self.cont[*v]).sum();
        let n = seq.len() as i64;
        Some(travel + cont + BALANCE_WEIGHT_S * n * n)
    }

    /// Cheapest feasible insertion of `v` into `seq`: (new cost, position). `scratch` avoids allocation.
    pub fn best_insertion(
        &self,
        ctx: &Ctx,
        seq: &[usize],
        v: usize,
        scratch: &mut Vec<usize>,
    ) -> Option<(i64, usize)> {
        if !self.qual[v] || seq.len() >= self.max_stops {
            return None;
        }
        let mut best: Option<(i64, usize)> = None;
        for pos in 0..=seq.len() {
            scratch.clear();
            scratch.extend_from_slice(&seq[..pos]);
            scratch.push(v);
            scratch.extend_from_slice(&seq[pos..]);
            if let Some(c) = self.cost(ctx, scratch) {
                if best.is_none_or(|(b, _)| c < b) {
                    best = Some((c, pos));
                }
            }
        }
        best
    }
}

impl Team {
    /// The cheapest feasible order of `set` by exhaustive search with prefix pruning; only for small sets
    /// (the caller bounds the size: 7 stops are at most 13,699 prefixes).
    pub fn best_order(&self, ctx: &Ctx, set: &[usize]) -> Option<(i64, Vec<usize>)> {
        if set.len() > self.max_stops || set.iter().any(|v| !self.qual[*v]) {
            return None;
        }
        let mut best: Option<(i64, Vec<usize>)> = None;
        let mut seq = Vec::with_capacity(set.len());
        let mut used = vec![false; set.len()];
        self.order_rec(ctx, set, &mut used, &mut seq, &mut best);
        best
    }

    fn order_rec(
        &self,
        ctx: &Ctx,
        set: &[usize],
        used: &mut [bool],
        seq: &mut Vec<usize>,
        best: &mut Option<(i64, Vec<usize>)>,
    ) {
        if seq.len() == set.len() {
            if let Some(c) = self.cost(ctx, seq) {
                if best.as_ref().is_none_or(|(b, _)| c < *b) {
                    *best = Some((c, seq.clone()));
                }
            }
            return;
        }
        for i in 0..set.len() {
            if used[i] {
                continue;
            }
            seq.push(set[i]);
            if self.simulate_inner(ctx, seq, None, false).is_some() {
                used[i] = true;
                self.order_rec(ctx, set, used, seq, best);
                used[i] = false;
            }
            seq.pop();
        }
    }
}
