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

/// A route's forward pass: the state before every stop, its full travel and continuity cost.
pub(crate) struct Prepared {
    states: Vec<State>,
    full_travel: i64,
    cont: i64,
}

/// Where a team is and what it has travelled, between two stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    /// Free from this instant.
    t: i64,
    /// Together at this place (`None`: each member still at their own start).
    pos: Option<usize>,
    /// Person-seconds travelled so far.
    travel: i64,
}

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

    /// Like [`Team::simulate`] without the way back: whether the stops themselves fit.
    pub fn simulate_prefix(&self, ctx: &Ctx, seq: &[usize]) -> Option<i64> {
        self.simulate_inner(ctx, seq, None, false)
    }

    /// The state before the first stop.
    fn initial(&self) -> State {
        State {
            t: self.avail,
            pos: self.origin,
            travel: 0,
        }
    }

    /// One stop: travel there (if it has a place), wait for the window, do the visit.
    #[inline]
    fn step(&self, ctx: &Ctx, v: usize, s: State) -> Option<(State, StopTime)> {
        if !*self.qual.get(v)? {
            return None;
        }
        let vc = &ctx.visits[v];
        let mut travel = s.travel;
        let mut pos = s.pos;
        let leg = match vc.loc {
            Some(l) => {
                let leg = match s.pos {
                    Some(p) => {
                        let d = ctx.tt(p, l);
                        travel += d * self.members.len() as i64;
                        d
                    }
                    None => {
                        let mut slowest = 0;
                        for st in &self.starts {
                            let d = ctx.tt(*st, l);
                            travel += d;
                            slowest = slowest.max(d);
                        }
                        slowest
                    }
                };
                pos = Some(l);
                leg
            }
            None => 0,
        };
        let arrive = s.t + leg;
        let start = arrive.max(vc.ws);
        let end = start + vc.dur;
        if end > vc.we {
            return None;
        }
        Some((
            State {
                t: end,
                pos,
                travel,
            },
            (arrive, start, end, leg),
        ))
    }

    /// Travel back to every member's end place; `None` if someone would be late.
    #[inline]
    fn finish(&self, ctx: &Ctx, s: State, check: bool) -> Option<i64> {
        let mut back_total = 0;
        for i in 0..self.members.len() {
            let back = match s.pos {
                Some(p) => ctx.tt(p, self.ends[i]),
                None => 0,
            };
            if check && s.t + back > self.deadlines[i] {
                return None;
            }
            back_total += back;
        }
        Some(back_total)
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
        let mut s = self.initial();
        for &v in seq {
            let (next, times) = self.step(ctx, v, s)?;
            if let Some(o) = out.as_deref_mut() {
                o.push(times);
            }
            s = next;
        }
        let back = self.finish(ctx, s, check_return && !seq.is_empty())?;
        Some(s.travel + back)
    }

    /// Cost of a route: travel + continuity + balance; `None` if infeasible.
    pub fn cost(&self, ctx: &Ctx, seq: &[usize]) -> Option<i64> {
        let travel = self.simulate(ctx, seq, None)?;
        let cont: i64 = seq.iter().map(|v| self.cont[*v]).sum();
        let n = seq.len() as i64;
        Some(travel + cont + BALANCE_WEIGHT_S * n * n)
    }

    /// Cheapest feasible insertion of `v` into `seq`: (new cost, position).
    ///
    /// One forward pass records the state before every stop; each position then re-simulates only from the
    /// insertion point until the new state meets the old one (same time and place: the rest is unchanged),
    /// which waiting for windows makes frequent.
    pub fn best_insertion(&self, ctx: &Ctx, seq: &[usize], v: usize) -> Option<(i64, usize)> {
        if !self.qual[v] || seq.len() >= self.max_stops {
            return None;
        }
        let prepared = self.prepare(ctx, seq)?;
        self.insertion_with(ctx, seq, &prepared, v)
    }

    /// The forward pass of [`Team::best_insertion`], shared by every visit tried in the same route.
    pub fn prepare(&self, ctx: &Ctx, seq: &[usize]) -> Option<Prepared> {
        let mut states = Vec::with_capacity(seq.len() + 1);
        let mut s = self.initial();
        states.push(s);
        for &u in seq {
            s = self.step(ctx, u, s)?.0;
            states.push(s);
        }
        let full_travel = s.travel + self.finish(ctx, s, !seq.is_empty())?;
        let cont = seq.iter().map(|u| self.cont[*u]).sum::<i64>();
        Some(Prepared {
            states,
            full_travel,
            cont,
        })
    }

    /// Cheapest insertion of `v` into the prepared route `seq`.
    pub fn insertion_with(
        &self,
        ctx: &Ctx,
        seq: &[usize],
        prep: &Prepared,
        v: usize,
    ) -> Option<(i64, usize)> {
        if !self.qual[v] || seq.len() >= self.max_stops {
            return None;
        }
        let states = &prep.states;
        let n = seq.len() as i64 + 1;
        let fixed = prep.cont + self.cont[v] + BALANCE_WEIGHT_S * n * n;
        let mut best: Option<(i64, usize)> = None;
        'positions: for p in 0..=seq.len() {
            let Some((mut cur, _)) = self.step(ctx, v, states[p]) else {
                continue;
            };
            let mut travel = None;
            for k in p..seq.len() {
                if cur.t == states[k].t && cur.pos == states[k].pos {
                    travel = Some(cur.travel + prep.full_travel - states[k].travel);
                    break;
                }
                match self.step(ctx, seq[k], cur) {
                    Some((next, _)) => cur = next,
                    None => continue 'positions,
                }
            }
            let travel = match travel {
                Some(t) => t,
                None => match self.finish(ctx, cur, true) {
                    Some(back) => cur.travel + back,
                    None => continue,
                },
            };
            let c = travel + fixed;
            if best.is_none_or(|(b, _)| c < b) {
                best = Some((c, p));
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
